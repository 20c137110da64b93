import Dispatch
import Synchronization

/// One client connection, run start to finish on its own thread (see `HTTPServer` for why).
struct HTTPConnection {
    let pipeline: HTTPPipeline
    let configuration: HTTPServerConfiguration
    let handle: ConnectionHandle
    let remoteAddress: String

    private var socket: Socket { handle.socket }

    func run() {
        var parser = HTTPRequestParser(limits: configuration.limits)
        let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
        defer { readBuffer.deallocate() }
        // The first request must arrive within the header timeout of the connection opening.
        var deadline = ContinuousClock.now + configuration.headerReadTimeout
        var isFirstRequest = true
        var phase = HTTPRequestParser.Phase.idle

        while true {
            // Serve everything already buffered first: pipelined requests arrive together (RFC 9112 §9.3.2).
            let request: HTTPRequest?
            do {
                request = try parser.next()
            } catch {
                refuse(error)
                return
            }
            if let request {
                guard serve(request) else { return }
                isFirstRequest = false
                phase = .idle
                deadline = .now + configuration.idleTimeout
                continue
            }
            if parser.takeContinueExpectation() {
                let interim = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
                guard (try? socket.sendAll(interim, deadline: .now + configuration.writeTimeout)) != nil else { return }
            }
            // Each phase has its own clock; a slow trickle of bytes does not reset it.
            if parser.phase != phase {
                phase = parser.phase
                switch phase {
                case .idle: deadline = .now + configuration.idleTimeout
                case .head: if !isFirstRequest { deadline = .now + configuration.headerReadTimeout }
                case .body: deadline = .now + configuration.bodyReadTimeout
                }
            }

            if phase == .idle && !handle.beginIdleWait() { return }
            let readiness = try? socket.poll(milliseconds: deadline.millisecondsFromNow)
            if phase == .idle && !handle.endIdleWait() { return }
            guard let readiness else { return }
            if case .timedOut = readiness {
                // RFC 9110 §15.5.9: tell a client stalled mid-request why; an idle one is just closed.
                if phase != .idle { refuse(status: .requestTimeout, detail: "request not received in time") }
                return
            }
            guard let count = try? socket.receive(into: readBuffer), count > 0 else { return }
            parser.append(UnsafeRawBufferPointer(rebasing: readBuffer[..<count]))
        }
    }

    /// Runs the responder for one request and writes the response; true if the connection stays open.
    private func serve(_ request: HTTPRequest) -> Bool {
        let start = ContinuousClock.now
        let (response, context) = respond(to: request, start: start)
        let keepAlive =
            request.keepAlive && !handle.isDraining
            && !response.headers.listValues(for: "Connection").contains { $0.lowercased() == "close" }
        let finalized = ResponseEncoder.finalize(
            response, requestID: context.requestID, requestIDHeader: configuration.requestIDHeader,
            keepAlive: keepAlive, version: request.version)
        let bytes = ResponseEncoder.encode(finalized, omitBody: request.method == .head)
        let written = (try? socket.sendAll(bytes, deadline: .now + configuration.writeTimeout)) != nil
        pipeline.report(
            method: request.method.rawValue, path: request.path, status: finalized.status,
            bytes: request.method == .head ? 0 : finalized.body.count, context: context,
            duration: start.duration(to: .now))
        return written && keepAlive
    }

    /// Bridges to the async responder: a task on the cooperative pool, this dedicated thread waits for it.
    private func respond(to request: HTTPRequest, start: ContinuousClock.Instant) -> (HTTPResponse, RequestContext) {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<(HTTPResponse, RequestContext)?>(nil)
        let pipeline = pipeline
        let remoteAddress = remoteAddress
        let task = Task {
            let outcome = await pipeline.respond(to: request, remoteAddress: remoteAddress, startTime: start)
            result.withLock { $0 = outcome }
            done.signal()
        }
        handle.setTask(task)
        done.wait()
        handle.setTask(nil)
        return result.withLock { $0! }
    }

    private func refuse(_ error: HTTPParseError) {
        refuse(status: error.status, detail: error.description)
    }

    /// Sends a final error response and closes: after a framing error nothing later on the connection can be trusted.
    private func refuse(status: HTTPStatus, detail: String) {
        let start = ContinuousClock.now
        let requestID = HTTPPipeline.generateRequestID()
        let error = HTTPError(status: status, detail: detail)
        let rendered = pipeline.renderer.response(for: error, request: nil, requestID: requestID)
        let finalized = ResponseEncoder.finalize(
            rendered, requestID: requestID, requestIDHeader: configuration.requestIDHeader, keepAlive: false,
            version: .http11)
        try? socket.sendAll(ResponseEncoder.encode(finalized, omitBody: false), deadline: .now + .seconds(2))
        drainBeforeClose(socket, upTo: .seconds(1))
        let context = RequestContext(requestID: requestID, remoteAddress: remoteAddress, startTime: start)
        pipeline.report(
            method: "-", path: "-", status: finalized.status, bytes: finalized.body.count, context: context,
            duration: start.duration(to: .now))
    }
}
