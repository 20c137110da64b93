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
    /// Open connections beyond this get `503` with `Retry-After` and are closed. An idle connection costs a few
    /// kilobytes (its parser's buffer and state), not a thread.
    public var maxConnections = 256
    /// Open connections one client address may hold (trusted proxies are exempt); beyond it, 503 and close, so
    /// one client cannot take every slot of `maxConnections`.
    public var maxConnectionsPerAddress = 256
    /// Request bodies the server buffers at once, over all connections: a body that would go beyond it gets 503
    /// as soon as its head is read, before any of it is buffered.
    public var maxBufferedRequestBytes = 64 * 1024 * 1024
    /// Reverse proxies whose `X-Forwarded-For` names the client (`RequestContext.clientAddress`).
    public var trustedProxies = TrustedProxies.none
    /// Per-route body limits and checks before a body is read (a `Router`); nil: `limits.maxBodyBytes` for all.
    public var bodyPolicy: (any HTTPBodyPolicy)?
    public var limits = HTTPLimits()
    /// From connection or first byte to the end of the header section: what stops slowloris.
    public var headerReadTimeout: Duration = .seconds(10)
    /// From the end of the header section to the end of the body.
    public var bodyReadTimeout: Duration = .seconds(30)
    /// How long a keep-alive connection may wait for its next request; shorter under pressure (`idleTimeoutNow`).
    public var idleTimeout: Duration = .seconds(60)
    /// The shortest idle timeout, when connections or buffered bytes are at their cap.
    public var minimumIdleTimeout: Duration = .seconds(2)
    /// For writing one whole response; a client that stops reading is dropped.
    public var writeTimeout: Duration = .seconds(30)
    /// The `Retry-After` (seconds) sent with the over-capacity 503.
    public var retryAfterSeconds = 1
    public var requestIDHeader = "X-Request-Id"
    public var errorRenderer: any HTTPErrorRenderer = PlainTextErrorRenderer()
    /// Called on the connection's event-loop thread once each response is written (including 4xx for unparsable
    /// requests, logged with method and path "-"); keep it fast: it delays every connection of that loop.
    public var accessLog: (@Sendable (AccessLogEntry) -> Void)?
    /// Called once per completed request, with the route pattern for bounded labels.
    public var metrics: (@Sendable (RequestMetrics) -> Void)?
    /// Called with errors other than `HTTPError` thrown by the responder (they become a bare 500).
    public var errorHook: (@Sendable (any Error, RequestContext) -> Void)?
    /// Stack of each event-loop thread. Handlers run on these threads (see `handlersRunOnEventLoops`), so it is as
    /// large as a cooperative-pool thread's; untouched pages cost no memory.
    public var threadStackSize = 8 * 1024 * 1024
    /// Event-loop threads, each serving its share of the connections over epoll; by default one per core.
    public var eventLoopCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))
    /// Runs each handler task with its connection's event loop as executor preference (SE-0417): a handler that
    /// does not suspend is served start to finish on the loop thread without a hop, and default actors it awaits
    /// run there too. False runs handlers on the cooperative pool, the loop waking when they finish; consider it
    /// for handlers that compute for long without suspending, which would delay the other connections of their loop.
    public var handlersRunOnEventLoops = true

    public init(host: String = "127.0.0.1", port: Int = 0) {
        self.host = host
        self.port = port
    }
}

/// An HTTP/1.1 server over non-blocking sockets and epoll event loops.
///
/// Threads: one accept thread (blocking `accept4`, woken by `shutdown` on the listener) that hands each connection
/// to one of `eventLoopCount` event-loop threads in turn. A loop owns its connections outright: their read buffers,
/// parser state, pending output and deadlines (header, body, idle, write), which it checks itself (`epoll_wait`
/// sleeps until the nearest one). Each parsed request becomes a handler task whose executor preference is the loop
/// (SE-0417), so a handler that does not suspend runs on the loop thread in the same pass that read its request,
/// and the loop writes the response with a non-blocking `send` (waiting for EPOLLOUT when the socket buffer is full).
/// Requests on one connection are served one at a time, so pipelined requests are answered in order. No
/// cooperative-pool thread ever blocks on the network, and an idle connection costs no thread.
public final class HTTPServer: Sendable {
    public let configuration: HTTPServerConfiguration
    let pipeline: HTTPPipeline

    private enum Phase {
        case initial
        case running(listener: Socket, loops: [EventLoop])
        case stopping(loops: [EventLoop])
        case stopped
    }

    private struct State {
        var phase = Phase.initial
        var acceptThreadRunning = false
        var connections = 0
        /// Open connections by client address (not counting trusted proxies).
        var connectionsByAddress: [String: Int] = [:]
        var nextConnectionID = 0
        var rejecting = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiterID = 0

        var isDrained: Bool { !acceptThreadRunning && connections == 0 && rejecting == 0 }
    }

    private let state = Mutex(State())
    /// Set by `shutdown` before any loop hears of it, so that no response written after shutdown began offers
    /// keep-alive, whichever loop writes it and whenever that loop gets its `.drain`.
    private let stopping = Atomic<Bool>(false)
    /// Mirrors `State.connections` for the loops, which read it without the lock.
    private let openConnections = Atomic<Int>(0)
    /// Body bytes reserved by requests being read or handled (`reserveBodyBytes`).
    private let bufferedBytes = Atomic<Int>(0)

    /// Whether `shutdown` has begun.
    var isStopping: Bool { stopping.load(ordering: .acquiring) }
    /// Over-capacity answers in flight at once; beyond this, excess connections are just closed.
    private static let maxRejecting = 16

    public init(configuration: HTTPServerConfiguration, handler: any HTTPResponder) {
        self.configuration = configuration
        pipeline = HTTPPipeline(
            responder: handler, renderer: configuration.errorRenderer, requestIDHeader: configuration.requestIDHeader,
            accessLog: configuration.accessLog, metrics: configuration.metrics, errorHook: configuration.errorHook,
            trustedProxies: configuration.trustedProxies)
    }

    /// Binds, listens and starts accepting; returns the bound port.
    public func start() async throws -> Int {
        guard let port = UInt16(exactly: configuration.port) else { throw SocketError("bind", errno: EINVAL) }
        let listener = try Socket.bound(host: configuration.host, port: port)
        var loops: [EventLoop] = []
        do {
            try listener.listen(backlog: configuration.backlog)
            let boundPort = try listener.localPort()
            for _ in 0..<max(1, configuration.eventLoopCount) {
                loops.append(
                    try EventLoop { [weak self] rejected, address in
                        self?.connectionClosed(rejected: rejected, address: address)
                    })
            }
            let started = state.withLock { state -> Bool in
                guard case .initial = state.phase else { return false }
                state.phase = .running(listener: listener, loops: loops)
                state.acceptThreadRunning = true
                return true
            }
            guard started else { throw SocketError("listen", errno: EALREADY) }
            for (index, loop) in loops.enumerated() {
                spawn(name: "http-loop-\(index)") { LoopRunner(loop: loop, server: self).run() }
            }
            let accepting = loops
            spawn(name: "http-accept") { self.acceptLoop(listener, loops: accepting) }
            return boundPort
        } catch {
            for loop in loops { loop.epoll.close() }
            listener.close()
            throw error
        }
    }

    /// Open connections, for tests and metrics.
    public var connectionCount: Int { state.withLock { $0.connections } }

    /// Stops accepting, closes idle keep-alive connections, lets requests in flight finish within `gracePeriod`,
    /// then closes whatever is left (cancelling its handler task).
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        let loops = state.withLock { state -> [EventLoop]? in
            guard case .running(let listener, let loops) = state.phase else { return nil }
            state.phase = .stopping(loops: loops)
            listener.shutdown()  // wakes the accept thread, which closes the listener
            return loops
        }
        guard let loops else { return }
        stopping.store(true, ordering: .releasing)
        for loop in loops { loop.post(.drain) }
        await waitUntilDrained(timeout: gracePeriod)
        for loop in loops { loop.post(.forceClose) }
        await waitUntilDrained(timeout: .seconds(2))
        for loop in loops { loop.post(.stop) }
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

    /// A loop closed a connection it was given.
    func connectionClosed(rejected: Bool, address: String?) {
        updateAndNotify { state in
            if rejected {
                state.rejecting -= 1
            } else {
                state.connections -= 1
                openConnections.store(state.connections, ordering: .relaxed)
                if let address, let count = state.connectionsByAddress[address] {
                    state.connectionsByAddress[address] = count > 1 ? count - 1 : nil
                }
            }
        }
    }

    /// Bytes of request bodies buffered now, for tests and metrics.
    public var bufferedRequestBytes: Int { bufferedBytes.load(ordering: .relaxed) }

    /// Reserves room for a body of `count` bytes under `maxBufferedRequestBytes`; false when it would not fit.
    func reserveBodyBytes(_ count: Int) -> Bool {
        var current = bufferedBytes.load(ordering: .relaxed)
        while true {
            guard current + count <= configuration.maxBufferedRequestBytes else { return false }
            let (exchanged, original) = bufferedBytes.compareExchange(
                expected: current, desired: current + count, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    func releaseBodyBytes(_ count: Int) {
        if count > 0 { bufferedBytes.subtract(count, ordering: .relaxed) }
    }

    /// The idle timeout for a connection going idle now: the configured one while connections and buffered bytes
    /// are below half their caps, shrinking linearly to `minimumIdleTimeout` at the caps, so that idle keep-alive
    /// connections make room for new clients when room is short.
    var idleTimeoutNow: Duration {
        let connectionLoad =
            Double(openConnections.load(ordering: .relaxed)) / Double(max(1, configuration.maxConnections))
        let byteLoad =
            Double(bufferedBytes.load(ordering: .relaxed)) / Double(max(1, configuration.maxBufferedRequestBytes))
        let load = max(connectionLoad, byteLoad)
        guard load > 0.5 else { return configuration.idleTimeout }
        let fraction = max(0, min(1, (1 - load) * 2))
        let minimum = configuration.minimumIdleTimeout
        return max(minimum, minimum + (configuration.idleTimeout - minimum) * fraction)
    }

    // MARK: Accepting

    private func acceptLoop(_ listener: Socket, loops: [EventLoop]) {
        var next = 0
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
                case serve(Int)
                case reject(Int, String)
                case drop
            }
            // A trusted proxy carries many clients: only the global cap applies to it.
            let host = hostOfRemoteAddress(address)
            let counted = configuration.trustedProxies.contains(host) ? nil : host
            let decision = state.withLock { state -> Decision in
                guard case .running = state.phase else { return .drop }
                state.nextConnectionID += 1
                let fromAddress = counted.map { state.connectionsByAddress[$0, default: 0] } ?? 0
                let overAddressCap = fromAddress >= configuration.maxConnectionsPerAddress
                if state.connections >= configuration.maxConnections || overAddressCap {
                    guard state.rejecting < HTTPServer.maxRejecting else { return .drop }
                    state.rejecting += 1
                    return .reject(
                        state.nextConnectionID,
                        overAddressCap ? "too many connections from your address" : "too many connections")
                }
                state.connections += 1
                openConnections.store(state.connections, ordering: .relaxed)
                if let counted { state.connectionsByAddress[counted] = fromAddress + 1 }
                return .serve(state.nextConnectionID)
            }
            let loop = loops[next % loops.count]
            switch decision {
            case .serve(let id):
                next &+= 1
                loop.post(.serve(socket, id: id, remoteAddress: address, countedAddress: counted))
            case .reject(let id, let reason):
                loop.post(.reject(socket, id: id, remoteAddress: address, reason: reason))
            case .drop:
                socket.close()
            }
        }
        updateAndNotify { state in
            listener.close()
            state.acceptThreadRunning = false
        }
    }

    private func spawn(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.stackSize = configuration.threadStackSize
        thread.start()
    }
}
