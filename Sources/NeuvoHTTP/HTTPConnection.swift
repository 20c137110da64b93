#if canImport(Glibc)
    import Glibc
#endif

/// One client connection, owned by one event loop and only ever touched on its thread.
///
/// A state machine driven by readiness events, handler completions and the loop's deadline sweep:
/// `reading` (parsing; one clock per phase: header, body, idle) → `responding` (a handler task runs; nothing is
/// read, so pipelined requests wait in the socket and are answered in order) → `writing` (the response, with the
/// write timeout) → back to `reading`, or closed. After a refused request the connection is `lingering`: half-closed,
/// discarding input until the client closes, so the error response is not destroyed by a reset.
final class HTTPConnection {
    private enum State {
        case reading
        /// The body policy's check of a head runs as a task; nothing is read until it answers.
        case admitting
        case responding
        case writing(then: AfterWrite)
        /// A streamed response: its head is sent and chunks are written as its task posts them.
        case streaming
        case lingering
        case closed
    }

    private enum AfterWrite {
        /// An interim `100 Continue`: go on reading the body.
        case resumeReading
        /// A final response on a connection that stays open or closes.
        case respond(keepAlive: Bool)
        /// An error response: half-close and discard input until the client closes.
        case linger
    }

    /// What the access log and metrics get once the response is written.
    private struct Exchange {
        let method: String
        let path: String
        let status: HTTPStatus
        let bytes: Int
        let context: RequestContext
        let start: ContinuousClock.Instant
    }

    /// What is kept of the request while its handler runs.
    private struct InFlight {
        let method: HTTPMethod
        let path: String
        let keepAlive: Bool
        let version: HTTPVersion
        let start: ContinuousClock.Instant
    }

    let id: Int
    let socket: Socket
    let remoteAddress: String
    /// The key this connection counts under in the server's per-address count (nil for a trusted proxy).
    let countedAddress: String?
    /// Over a cap, and why: answered 503 and closed; counted apart from served connections.
    let rejection: String?
    var rejected: Bool { rejection != nil }
    private unowned let runner: LoopRunner
    private var parser: HTTPRequestParser
    private var state = State.reading
    private var phase = HTTPRequestParser.Phase.idle
    private var isFirstRequest = true
    private var readDeadline: ContinuousClock.Instant
    /// For `writing` and `lingering`.
    private var ioDeadline = ContinuousClock.now
    /// Set by an edge-triggered event, cleared by EAGAIN or a short read.
    private var readable = true
    private var writable = true
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var inFlight: InFlight?
    private var task: Task<Void, Never>?
    private var exchange: Exchange?
    /// Body bytes of the current request reserved under the server's `maxBufferedRequestBytes`.
    private var reservedBytes = 0
    /// While `streaming`: the response's body, its task, and where it stands.
    private var stream: StreamProgress?

    private struct StreamProgress {
        let body: HTTPBodyStream
        /// Chunked framing (HTTP/1.1); a 1.0 client reads until the close.
        let chunked: Bool
        let keepAlive: Bool
        var task: Task<Void, Never>?
        var ended = false
        var bytes = 0
        var nextHeartbeat: ContinuousClock.Instant?
    }

    init(
        id: Int, socket: Socket, remoteAddress: String, countedAddress: String?, rejection: String?,
        runner: LoopRunner
    ) {
        self.id = id
        self.socket = socket
        self.remoteAddress = remoteAddress
        self.countedAddress = countedAddress
        self.rejection = rejection
        self.runner = runner
        parser = HTTPRequestParser(limits: runner.configuration.limits, admitsBodies: true)
        // The first request must arrive within the header timeout of the connection opening.
        readDeadline = .now + runner.configuration.headerReadTimeout
    }

    private var configuration: HTTPServerConfiguration { runner.configuration }

    /// When the sweep must look at this connection; nil while a handler runs (handlers have no timeout).
    var deadline: ContinuousClock.Instant? {
        switch state {
        case .reading: readDeadline
        case .writing, .lingering: ioDeadline
        case .streaming: outputOffset < output.count ? ioDeadline : stream?.nextHeartbeat
        case .admitting, .responding, .closed: nil
        }
    }

    func start() {
        if rejected {
            rejectOverCapacity()
        } else {
            runner.note(deadline: readDeadline)
            readRequests()
        }
    }

    func handle(events: UInt32) {
        if events & (Epoll.readable | Epoll.readHangUp | Epoll.hangUp | Epoll.error) != 0 { readable = true }
        if events & (Epoll.writable | Epoll.hangUp | Epoll.error) != 0 { writable = true }
        switch state {
        case .reading: readRequests()
        case .writing: flush()
        case .streaming:
            // Nothing is read while streaming (a pipelined request waits in the socket); a hang-up ends the stream.
            if events & (Epoll.readHangUp | Epoll.hangUp | Epoll.error) != 0 { return close() }
            flushStream()
        case .lingering: discardInput()
        case .admitting, .responding, .closed: break
        }
    }

    // MARK: Reading

    private func readRequests() {
        while true {
            // Serve everything already buffered first: pipelined requests arrive together (RFC 9112 §9.3.2).
            let request: HTTPRequest?
            do {
                request = try parser.next()
            } catch {
                refuse(status: error.status, detail: error.description)
                return
            }
            if let request {
                begin(request)
                return
            }
            if let head = parser.headAwaitingAdmission {
                guard admit(head) else { return }
                continue
            }
            if parser.takeContinueExpectation() {
                send(
                    Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), deadline: .now + configuration.writeTimeout,
                    then: .resumeReading)
                return
            }
            // Each phase has its own clock; a slow trickle of bytes does not reset it.
            if parser.phase != phase {
                phase = parser.phase
                switch phase {
                case .idle: readDeadline = .now + runner.server.idleTimeoutNow
                case .head: if !isFirstRequest { readDeadline = .now + configuration.headerReadTimeout }
                case .body: readDeadline = .now + configuration.bodyReadTimeout
                }
                runner.note(deadline: readDeadline)
            }
            if phase == .idle && runner.draining {
                close()
                return
            }
            guard readable else { return }
            let buffer = runner.readBuffer
            switch socket.receiveNow(into: buffer) {
            case .some(let count) where count > 0:
                parser.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                // Edge-triggered: a short read drained the socket; new bytes bring a new event.
                if count < buffer.count { readable = false }
            case .none:
                readable = false
                return
            default:
                close()  // end of stream or an error
                return
            }
        }
    }

    /// Decides from the head alone whether its body may be read: the route's limit (413), room under the server's
    /// buffered-bytes cap (503), and the route's checks before a large body (401). True to go on reading now; false
    /// when refused or waiting for the check's task (`admitted`).
    private func admit(_ head: HTTPRequestHead) -> Bool {
        let admission =
            configuration.bodyPolicy?.admission(for: head) ?? BodyAdmission(maxBytes: configuration.limits.maxBodyBytes)
        let maxBytes = min(admission.maxBytes, configuration.limits.maxBodyBytes)
        if let length = head.contentLength, length > maxBytes {
            parser.refuseBody(.bodyTooLarge)
            refuse(BodyAdmission.tooLarge(maxBytes))
            return false
        }
        let reservation = head.contentLength ?? maxBytes
        guard runner.server.reserveBodyBytes(reservation) else {
            parser.refuseBody(.refused(status: .serviceUnavailable, detail: "busy"))
            refuse(
                HTTPError(
                    status: .serviceUnavailable, detail: "the server is busy; try again in a moment",
                    headers: ["Retry-After": String(configuration.retryAfterSeconds)]))
            return false
        }
        reservedBytes = reservation
        guard admission.needsCheck(head), let check = admission.check else {
            try? parser.admitBody(maxBytes: maxBytes)
            return true
        }
        state = .admitting
        let loop = runner.loop
        let id = id
        task = Task(executorPreference: configuration.handlersRunOnEventLoops ? loop : nil) {
            loop.post(.admitted(id: id, refusal: await check(head)))
        }
        return false
    }

    /// The body policy's check answered: refuse, or read the body.
    func admitted(refusal: HTTPError?) {
        guard case .admitting = state else { return }
        task = nil
        state = .reading
        if let refusal {
            parser.refuseBody(.refused(status: refusal.status, detail: refusal.detail ?? ""))
            return refuse(refusal)
        }
        guard let head = parser.headAwaitingAdmission else { return }
        let maxBytes = min(
            configuration.bodyPolicy?.admission(for: head).maxBytes ?? configuration.limits.maxBodyBytes,
            configuration.limits.maxBodyBytes)
        try? parser.admitBody(maxBytes: maxBytes)
        runner.note(deadline: readDeadline)
        readRequests()
    }

    private func releaseReservation() {
        runner.server.releaseBodyBytes(reservedBytes)
        reservedBytes = 0
    }

    /// Hands the request to the responder as a task; with `handlersRunOnEventLoops` it runs on this loop's thread.
    private func begin(_ request: HTTPRequest) {
        let start = ContinuousClock.now
        state = .responding
        inFlight = InFlight(
            method: request.method, path: request.path, keepAlive: request.keepAlive, version: request.version,
            start: start)
        let loop = runner.loop
        let pipeline = runner.pipeline
        let remoteAddress = remoteAddress
        let id = id
        task = Task(executorPreference: configuration.handlersRunOnEventLoops ? loop : nil) {
            let (response, context) = await pipeline.respond(
                to: request, remoteAddress: remoteAddress, startTime: start)
            loop.post(.completed(id: id, response: response, context: context))
        }
    }

    /// The handler's response: encoded and written; then the next request, or close.
    func completed(response: HTTPResponse, context: RequestContext) {
        guard case .responding = state, let request = inFlight else { return }
        task = nil
        inFlight = nil
        releaseReservation()
        let keepAlive =
            request.keepAlive && !runner.draining && !runner.server.isStopping
            && !response.headers.listValues(for: "Connection").contains { $0.lowercased() == "close" }
        let finalized = ResponseEncoder.finalize(
            response, requestID: context.requestID, requestIDHeader: configuration.requestIDHeader,
            keepAlive: keepAlive, version: request.version)
        let omitBody = request.method == .head
        if let body = finalized.stream {
            if !omitBody {
                return startStream(body, head: finalized, context: context, request: request, keepAlive: keepAlive)
            }
            // HEAD: the body is never read; dropping its iterator ends the producer (`onTermination`).
            Task { for await _ in body.chunks { break } }
        }
        exchange = Exchange(
            method: request.method.rawValue, path: request.path, status: finalized.status,
            bytes: omitBody ? 0 : finalized.body.count, context: context, start: request.start)
        send(
            ResponseEncoder.encode(finalized, omitBody: omitBody), deadline: .now + configuration.writeTimeout,
            then: .respond(keepAlive: keepAlive))
    }

    // MARK: Streaming

    /// Sends the head of a streamed response and starts the task that forwards its chunks to this loop.
    private func startStream(
        _ body: HTTPBodyStream, head: HTTPResponse, context: RequestContext, request: InFlight, keepAlive: Bool
    ) {
        let chunked = request.version != .http10
        exchange = Exchange(
            method: request.method.rawValue, path: request.path, status: head.status, bytes: 0, context: context,
            start: request.start)
        var progress = StreamProgress(body: body, chunked: chunked, keepAlive: keepAlive && chunked)
        let loop = runner.loop
        let id = id
        progress.task = Task(executorPreference: configuration.handlersRunOnEventLoops ? loop : nil) {
            for await chunk in body.chunks where !chunk.isEmpty {
                loop.post(.chunk(id: id, bytes: chunk))
            }
            loop.post(.streamEnded(id: id))
        }
        stream = progress
        state = .streaming
        output = ResponseEncoder.encode(head, omitBody: true)
        outputOffset = 0
        ioDeadline = .now + configuration.writeTimeout
        flushStream()
    }

    /// A chunk from the response's task: framed and queued behind what is still unsent.
    func streamed(_ bytes: [UInt8]) {
        guard case .streaming = state, var progress = stream, !progress.ended else { return }
        progress.bytes += bytes.count
        stream = progress
        appendFramed(bytes)
        flushStream()
    }

    /// The response's task finished: the last chunk, then the next request or close.
    func streamEnded() {
        guard case .streaming = state, var progress = stream, !progress.ended else { return }
        progress.ended = true
        progress.task = nil
        stream = progress
        if progress.chunked { output.append(contentsOf: "0\r\n\r\n".utf8) }
        flushStream()
    }

    private func appendFramed(_ bytes: [UInt8]) {
        if outputOffset > 0 && outputOffset == output.count {
            output.removeAll(keepingCapacity: true)
            outputOffset = 0
        }
        guard let chunked = stream?.chunked else { return }
        if chunked { output.append(contentsOf: (String(bytes.count, radix: 16) + "\r\n").utf8) }
        output.append(contentsOf: bytes)
        if chunked { output.append(contentsOf: "\r\n".utf8) }
        ioDeadline = .now + configuration.writeTimeout
    }

    /// Writes what is queued; a client that lets more than the stream's allowance pile up is dropped.
    private func flushStream() {
        guard case .streaming = state, let progress = stream else { return }
        switch sendQueued() {
        case .sent: break
        case .failed: return failWrite()
        case .blocked:
            if output.count - outputOffset > progress.body.maxPendingBytes { return close() }
            runner.note(deadline: ioDeadline)
            return
        }
        output.removeAll(keepingCapacity: true)
        outputOffset = 0
        if progress.ended {
            stream = nil
            if var exchange {
                exchange = Exchange(
                    method: exchange.method, path: exchange.path, status: exchange.status, bytes: progress.bytes,
                    context: exchange.context, start: exchange.start)
                self.exchange = exchange
            }
            state = .writing(then: .respond(keepAlive: progress.keepAlive && !runner.draining))
            return flush()
        }
        if let interval = progress.body.heartbeatInterval {
            stream?.nextHeartbeat = .now + interval
            runner.note(deadline: .now + interval)
        }
    }

    /// Nothing was written for the heartbeat interval: the heartbeat keeps proxies from closing an idle stream.
    private func heartbeat() {
        guard let progress = stream, !progress.ended else { return }
        appendFramed(progress.body.heartbeatBytes)
        flushStream()
    }

    // MARK: Writing

    private func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant, then after: AfterWrite) {
        output = bytes
        outputOffset = 0
        ioDeadline = deadline
        state = .writing(then: after)
        flush()
    }

    private func flush() {
        guard case .writing(let after) = state else { return }
        switch sendQueued() {
        case .sent: break
        case .failed: return failWrite()
        case .blocked:
            runner.note(deadline: ioDeadline)  // wait for EPOLLOUT, within the write timeout
            return
        }
        output = []
        outputOffset = 0
        finishWrite(after)
    }

    private enum SendOutcome {
        /// Everything queued is with the kernel.
        case sent
        /// The socket's buffer is full: the rest waits for EPOLLOUT.
        case blocked
        case failed
    }

    /// Sends `output` from `outputOffset` until it is all sent or the socket would block.
    private func sendQueued() -> SendOutcome {
        while outputOffset < output.count {
            guard writable else { return .blocked }
            let result = output.withUnsafeBytes { all in
                socket.sendNow(UnsafeRawBufferPointer(rebasing: all[outputOffset...]))
            }
            switch result {
            case .some(let count) where count >= 0: outputOffset += count
            case .none: writable = false
            default: return .failed
            }
        }
        return .sent
    }

    private func finishWrite(_ after: AfterWrite) {
        switch after {
        case .resumeReading:
            state = .reading
            runner.note(deadline: readDeadline)  // a sweep during the write may have forgotten it
            readRequests()
        case .respond(let keepAlive):
            report()
            guard keepAlive else { return close() }
            state = .reading
            isFirstRequest = false
            phase = .idle
            readDeadline = .now + runner.server.idleTimeoutNow
            runner.note(deadline: readDeadline)
            readRequests()
        case .linger:
            report()
            // Closing with unread input makes the kernel send RST, which can destroy the response before the
            // client reads it: half-close, then discard what the client still sends until it closes.
            socket.shutdown(Int32(SHUT_WR))
            state = .lingering
            ioDeadline = .now + .seconds(1)
            runner.note(deadline: ioDeadline)
            discardInput()
        }
    }

    /// The peer vanished or stopped reading: the exchange is still logged, then the connection closed.
    private func failWrite() {
        report()
        close()
    }

    private func report() {
        guard let exchange else { return }
        self.exchange = nil
        runner.pipeline.report(
            method: exchange.method, path: exchange.path, status: exchange.status, bytes: exchange.bytes,
            context: exchange.context, duration: exchange.start.duration(to: .now))
    }

    private func discardInput() {
        while readable {
            switch socket.receiveNow(into: runner.readBuffer) {
            case .some(let count) where count > 0:
                if count < runner.readBuffer.count { readable = false }
            case .none:
                readable = false
            default:
                return close()
            }
        }
    }

    // MARK: Refusing

    /// Sends a final error response and closes: after a framing error nothing later on the connection can be trusted.
    private func refuse(
        status: HTTPStatus, detail: String, headers: HTTPHeaders = [:], writeTimeout: Duration = .seconds(2)
    ) {
        refuse(HTTPError(status: status, detail: detail, headers: headers), writeTimeout: writeTimeout)
    }

    private func refuse(_ error: HTTPError, writeTimeout: Duration = .seconds(2)) {
        releaseReservation()
        let start = ContinuousClock.now
        let requestID = HTTPPipeline.generateRequestID()
        let rendered = runner.pipeline.renderer.response(for: error, request: nil, requestID: requestID)
        let finalized = ResponseEncoder.finalize(
            rendered, requestID: requestID, requestIDHeader: configuration.requestIDHeader, keepAlive: false,
            version: .http11)
        exchange = Exchange(
            method: "-", path: "-", status: finalized.status, bytes: finalized.body.count,
            context: RequestContext(requestID: requestID, remoteAddress: remoteAddress, startTime: start), start: start)
        send(ResponseEncoder.encode(finalized, omitBody: false), deadline: .now + writeTimeout, then: .linger)
    }

    /// 503 with `Retry-After` and `Connection: close` (RFC 9110 §15.6.4, §10.2.3).
    private func rejectOverCapacity() {
        refuse(
            status: .serviceUnavailable, detail: rejection ?? "too many connections",
            headers: ["Retry-After": String(configuration.retryAfterSeconds)], writeTimeout: .seconds(1))
    }

    // MARK: Lifecycle

    /// Past its deadline: a client stalled mid-request is told why (RFC 9110 §15.5.9); an idle one, a stalled
    /// writer or a lingering one is just closed.
    func expire() {
        switch state {
        case .reading:
            if phase != .idle {
                refuse(status: .requestTimeout, detail: "request not received in time")
            } else {
                close()
            }
        case .writing:
            failWrite()
        case .streaming:
            if outputOffset < output.count { failWrite() } else { heartbeat() }
        case .lingering:
            close()
        case .admitting, .responding, .closed:
            break
        }
    }

    /// Graceful shutdown: an idle connection closes now, a busy one after its response.
    func drain() {
        if case .reading = state, phase == .idle, parser.phase == .idle { close() }
        // A stream never ends by itself: it is ended (with its last chunk), and the connection closes after.
        if case .streaming = state {
            stream?.task?.cancel()
            streamEnded()
        }
    }

    /// Past the grace period: cancel the handler and close.
    func forceClose() {
        task?.cancel()
        task = nil
        close()
    }

    private func close() {
        if case .closed = state { return }
        state = .closed
        task?.cancel()
        stream?.task?.cancel()
        stream = nil
        releaseReservation()
        socket.close()
        runner.removed(self)
    }
}
