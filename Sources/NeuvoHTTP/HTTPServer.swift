import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

public struct HTTPServerConfiguration: Sendable {
    /// IPv4 address to listen on.
    public var host: String
    /// 0 picks a free port; `start()` returns the one bound.
    public var port: Int
    public var backlog: Int32 = 256
    /// Open connections beyond this get `503` with `Retry-After` and are closed. Each one costs a thread.
    public var maxConnections = 256
    public var limits = HTTPLimits()
    /// From connection or first byte to the end of the header section: what stops slowloris.
    public var headerReadTimeout: Duration = .seconds(10)
    /// From the end of the header section to the end of the body.
    public var bodyReadTimeout: Duration = .seconds(30)
    /// How long a keep-alive connection may wait for its next request.
    public var idleTimeout: Duration = .seconds(60)
    /// For writing one whole response; a client that stops reading is dropped.
    public var writeTimeout: Duration = .seconds(30)
    /// The `Retry-After` (seconds) sent with the over-capacity 503.
    public var retryAfterSeconds = 1
    public var requestIDHeader = "X-Request-Id"
    public var errorRenderer: any HTTPErrorRenderer = PlainTextErrorRenderer()
    /// Called on the connection's thread once each response is written (including 4xx for unparsable requests,
    /// logged with method and path "-"); keep it fast.
    public var accessLog: (@Sendable (AccessLogEntry) -> Void)?
    /// Called once per completed request, with the route pattern for bounded labels.
    public var metrics: (@Sendable (RequestMetrics) -> Void)?
    /// Called with errors other than `HTTPError` thrown by the responder (they become a bare 500).
    public var errorHook: (@Sendable (any Error, RequestContext) -> Void)?
    /// Stack of each connection thread; parsing is not recursive, so this can be small.
    public var threadStackSize = 512 * 1024

    public init(host: String = "127.0.0.1", port: Int = 0) {
        self.host = host
        self.port = port
    }
}

/// An HTTP/1.1 server on blocking sockets.
///
/// Threads: one accept thread plus one dedicated thread per open connection, capped by `maxConnections`.
/// Those threads do every blocking call (`accept4`, `poll`, `recv`, `send`), each bounded by a deadline, so no
/// cooperative-pool thread ever blocks on the network. A parsed request is handed to the async responder as a
/// `Task` on the cooperative pool; the connection thread parks on a semaphore until the task has its response.
/// This keeps the I/O code straight-line and the timeouts exact, at the price of one thread per connection,
/// which is right for Neuvo's scale (hundreds of connections behind a reverse proxy), not for 10k idle ones.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    let pipeline: HTTPPipeline

    private enum Phase {
        case initial
        case running(listener: Socket)
        case stopping
        case stopped
    }

    private struct State {
        var phase = Phase.initial
        var acceptThreadRunning = false
        var connections: [Int: ConnectionHandle] = [:]
        var nextConnectionID = 0
        var rejecting = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiterID = 0

        var isDrained: Bool { !acceptThreadRunning && connections.isEmpty && rejecting == 0 }
    }

    private let state = Mutex(State())
    /// Over-capacity answers in flight at once; beyond this, excess connections are just closed.
    private static let maxRejecting = 16

    public init(configuration: HTTPServerConfiguration, handler: any HTTPResponder) {
        self.configuration = configuration
        pipeline = HTTPPipeline(
            responder: handler, renderer: configuration.errorRenderer, requestIDHeader: configuration.requestIDHeader,
            accessLog: configuration.accessLog, metrics: configuration.metrics, errorHook: configuration.errorHook)
    }

    /// Binds, listens and starts accepting; returns the bound port.
    public func start() async throws -> Int {
        guard let port = UInt16(exactly: configuration.port) else { throw SocketError("bind", errno: EINVAL) }
        let listener = try Socket.tcp()
        do {
            try listener.setReuseAddress()
            try listener.bind(host: configuration.host, port: port)
            try listener.listen(backlog: configuration.backlog)
            let boundPort = try listener.localPort()
            let started = state.withLock { state -> Bool in
                guard case .initial = state.phase else { return false }
                state.phase = .running(listener: listener)
                state.acceptThreadRunning = true
                return true
            }
            guard started else { throw SocketError("listen", errno: EALREADY) }
            spawn(name: "http-accept") { self.acceptLoop(listener) }
            return boundPort
        } catch {
            listener.close()
            throw error
        }
    }

    /// Open connections, for tests and metrics.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Stops accepting, closes idle keep-alive connections, lets requests in flight finish within `gracePeriod`,
    /// then closes whatever is left (cancelling its handler task).
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        let connections = state.withLock { state -> [ConnectionHandle]? in
            guard case .running(let listener) = state.phase else { return nil }
            state.phase = .stopping
            listener.shutdown()  // wakes the accept thread, which closes the listener
            return Array(state.connections.values)
        }
        guard let connections else { return }
        for connection in connections { connection.drain() }
        await waitUntilDrained(timeout: gracePeriod)
        let remaining = state.withLock { Array($0.connections.values) }
        for connection in remaining { connection.forceClose() }
        await waitUntilDrained(timeout: .seconds(2))
        state.withLock { $0.phase = .stopped }
    }

    private func waitUntilDrained(timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiter = state.withLock { state -> Int? in
                if state.isDrained { return nil }
                state.nextWaiterID += 1
                state.waiters[state.nextWaiterID] = continuation
                return state.nextWaiterID
            }
            guard let waiter else { return continuation.resume() }
            Task {
                try? await Task.sleep(for: timeout)
                state.withLock { $0.waiters.removeValue(forKey: waiter) }?.resume()
            }
        }
    }

    /// Runs `update` under the lock and wakes shutdown waiters if that left nothing running.
    private func updateAndNotify(_ update: (inout State) -> Void) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            update(&state)
            guard state.isDrained else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Accepting

    private func acceptLoop(_ listener: Socket) {
        while true {
            let accepted: (Socket, String)
            do {
                accepted = try listener.accept()
            } catch {
                let stopping = state.withLock { state in
                    if case .running = state.phase { return false }
                    return true
                }
                if stopping { break }
                // EMFILE and friends: back off instead of spinning; ECONNABORTED and EINTR: just retry.
                if error.errno != EINTR && error.errno != ECONNABORTED { usleep(10_000) }
                continue
            }
            let (socket, address) = accepted
            try? socket.setNoDelay()
            enum Decision {
                case serve(ConnectionHandle)
                case reject
                case drop
            }
            let decision = state.withLock { state -> Decision in
                guard case .running = state.phase else { return .drop }
                if state.connections.count >= configuration.maxConnections {
                    guard state.rejecting < HTTPServer.maxRejecting else { return .drop }
                    state.rejecting += 1
                    return .reject
                }
                state.nextConnectionID += 1
                let handle = ConnectionHandle(id: state.nextConnectionID, socket: socket)
                state.connections[handle.id] = handle
                return .serve(handle)
            }
            switch decision {
            case .serve(let handle):
                spawn(name: "http-connection") {
                    HTTPConnection(
                        pipeline: self.pipeline, configuration: self.configuration, handle: handle,
                        remoteAddress: address
                    ).run()
                    handle.close()
                    self.updateAndNotify { $0.connections.removeValue(forKey: handle.id) }
                }
            case .reject:
                spawn(name: "http-reject") {
                    self.rejectOverCapacity(socket, remoteAddress: address)
                    self.updateAndNotify { $0.rejecting -= 1 }
                }
            case .drop:
                socket.close()
            }
        }
        updateAndNotify { state in
            listener.close()
            state.acceptThreadRunning = false
        }
    }

    /// 503 with `Retry-After` and `Connection: close` (RFC 9110 §15.6.4, §10.2.3).
    private func rejectOverCapacity(_ socket: Socket, remoteAddress: String) {
        let start = ContinuousClock.now
        let requestID = HTTPPipeline.generateRequestID()
        let error = HTTPError(
            status: .serviceUnavailable, detail: "too many connections",
            headers: ["Retry-After": String(configuration.retryAfterSeconds)])
        let response = ResponseEncoder.finalize(
            pipeline.renderer.response(for: error, request: nil, requestID: requestID), requestID: requestID,
            requestIDHeader: configuration.requestIDHeader, keepAlive: false, version: .http11)
        try? socket.sendAll(ResponseEncoder.encode(response, omitBody: false), deadline: .now + .seconds(1))
        drainBeforeClose(socket, upTo: .seconds(1))
        socket.close()
        let context = RequestContext(requestID: requestID, remoteAddress: remoteAddress, startTime: start)
        pipeline.report(
            method: "-", path: "-", status: response.status, bytes: response.body.count, context: context,
            duration: start.duration(to: .now))
    }

    private func spawn(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = configuration.threadStackSize
        thread.start()
    }
}

/// Before closing after a final response: half-close, then discard what the client still sends until it closes.
/// Closing with unread input makes the kernel send RST, which can destroy the response before the client reads it.
func drainBeforeClose(_ socket: Socket, upTo limit: Duration) {
    socket.shutdown(Int32(SHUT_WR))
    let deadline = ContinuousClock.now + limit
    var scratch = [UInt8](repeating: 0, count: 4096)
    while ContinuousClock.now < deadline {
        guard case .ready = (try? socket.poll(milliseconds: deadline.millisecondsFromNow)) ?? .timedOut else { break }
        let count = scratch.withUnsafeMutableBytes { (try? socket.receive(into: $0)) ?? 0 }
        if count == 0 { break }
    }
}

/// What the server may do to a connection owned by another thread.
final class ConnectionHandle: Sendable {
    let id: Int
    let socket: Socket

    private struct State {
        var waitingIdle = false
        var draining = false
        var closed = false
        var task: Task<Void, Never>?
    }

    private let state = Mutex(State())

    init(id: Int, socket: Socket) {
        self.id = id
        self.socket = socket
    }

    var isDraining: Bool { state.withLock { $0.draining } }

    /// Marks the connection idle (between requests); false if it should close instead.
    func beginIdleWait() -> Bool {
        state.withLock { state in
            state.waitingIdle = !state.draining
            return !state.draining
        }
    }

    /// The connection has bytes (or was woken); false if a shutdown arrived meanwhile.
    func endIdleWait() -> Bool {
        state.withLock { state in
            state.waitingIdle = false
            return !state.draining
        }
    }

    func setTask(_ task: Task<Void, Never>?) {
        state.withLock { $0.task = task }
    }

    /// Graceful: an idle connection is woken to close now, a busy one closes after its response.
    func drain() {
        state.withLock { state in
            state.draining = true
            if state.waitingIdle && !state.closed { socket.shutdown() }
        }
    }

    /// Past the grace period: fail its I/O and cancel its handler.
    func forceClose() {
        state.withLock { state in
            state.draining = true
            state.task?.cancel()
            if !state.closed { socket.shutdown() }
        }
    }

    /// Closes under the lock, so `drain`/`forceClose` never touch a descriptor number already reused.
    func close() {
        state.withLock { state in
            state.closed = true
            socket.close()
        }
    }
}
