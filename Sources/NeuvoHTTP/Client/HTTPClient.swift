import Foundation
import NeuvoSupport
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where a plain-HTTP client connects: an `http://` URL's host and port.
public struct HTTPOrigin: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// The Host field's value (RFC 9110 §7.2): the port only when it is not the default. Kept, not computed:
    /// every request writes it.
    public let hostField: String

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
        hostField = port == 80 ? host : "\(host):\(port)"
    }

    /// The origin and request target of an `http://` URL (RFC 9110 §4.2.1), or nil for anything else: another
    /// scheme, user information, an IPv6 literal, a bad port.
    public static func parse(_ url: String) -> (origin: HTTPOrigin, target: String)? {
        guard url.utf8.count > 7, url.prefix(7).lowercased() == "http://" else { return nil }
        let rest = url.dropFirst(7)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...].prefix { $0 != "#" })
        if target.isEmpty || target.first == "?" { target = "/" + target }
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains("[") else { return nil }
        var host = Substring(authority)
        var port = 80
        if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else {
                return nil
            }
            port = number
        }
        guard !host.isEmpty,
            host.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F && $0 != "%" })
        else { return nil }
        return (HTTPOrigin(host: host.lowercased(), port: port), target)
    }

    public var description: String { "http://\(hostField)" }
}

/// A request serialised once, on the caller's thread, so the client's thread only writes bytes.
public struct HTTPClientRequest: Sendable {
    let bytes: [UInt8]

    /// `headers` must not name Host, Content-Length, Transfer-Encoding or Connection: the client writes those.
    public init(
        method: String = "POST", target: String, origin: HTTPOrigin, headers: [(String, String)], body: [UInt8]
    ) throws(HTTPClientError) {
        guard !method.isEmpty, method.utf8.allSatisfy(Self.isTokenByte) else {
            throw HTTPClientError(.invalidRequest, "the method \"\(method)\" is not a token")
        }
        guard target.first == "/", target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPClientError(.invalidRequest, "the request target must start with / and be visible ASCII")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + body.count)
        bytes.append(contentsOf: method.utf8)
        bytes.append(0x20)
        bytes.append(contentsOf: target.utf8)
        bytes.append(contentsOf: " HTTP/1.1\r\nhost: ".utf8)
        bytes.append(contentsOf: origin.hostField.utf8)
        bytes.append(contentsOf: "\r\n".utf8)
        for (name, value) in headers {
            // RFC 9110 §5.1 (a token) and §5.5 (no CR, LF or NUL in a value): nothing can split the request.
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                throw HTTPClientError(.invalidRequest, "the header name \"\(name)\" is not a token")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw HTTPClientError(.invalidRequest, "the value of \(name) contains CR, LF or NUL")
            }
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "content-length: ".utf8)
        bytes.append(contentsOf: String(body.count).utf8)
        bytes.append(contentsOf: "\r\n\r\n".utf8)
        bytes.append(contentsOf: body)
        self.bytes = bytes
    }

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }
}

/// Why an exchange failed; `kind` is for callers that classify, `message` for people.
public struct HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case invalidRequest = "invalid request"
        case resolve = "cannot resolve"
        case refused = "connection refused"
        case connectTimeout = "connect timeout"
        case timeout
        case closed = "connection closed"
        case malformed = "malformed response"
        case system = "system error"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// A plain HTTP/1.1 client for one origin: many exchanges at once on one thread of its own, over kept-alive
/// connections and `epoll`, for the webhook path where libcurl's per-transfer setup and `poll` over every
/// connection cost more than the exchange itself. TLS is not here; `https://` stays with libcurl.
///
/// Requests start in the order submitted, at most `concurrency` at a time (never more than `maxConnections`
/// connections) and no faster than the token bucket of the latest submission. No pipelining: one exchange per
/// connection at a time. A request sent on a reused connection that the server had already closed (no byte of
/// answer) is sent once more on a new connection, as browsers and libcurl do; a receiver that deduplicates by an
/// id header (Standard Webhooks' `webhook-id`) sees it once.
public final class HTTPClient: Sendable {
    public let origin: HTTPOrigin
    public let maxConnections: Int
    private let shared: Shared

    struct Job: Sendable {
        let request: HTTPClientRequest
        let timeout: Duration
        var resent = false
        let completion: @Sendable (Result<HTTPClientResponse, HTTPClientError>) -> Void
    }

    fileprivate final class Shared: Sendable {
        let inbox = Mutex(PacedSubmissions<Job>())
        let epoll: Epoll?

        init() { epoll = try? Epoll() }
    }

    /// Answers gathered per wake of the client's thread, like a network card's interrupt moderation: with at least
    /// `inFlight` exchanges under way, the thread waits `window` before it collects what is ready, so that one wake
    /// handles several answers instead of one. Waking once per answer cost more than the answer (a context switch
    /// each, on both sides: the provider then gets its requests one by one too); gathering them raised webhook
    /// delivery by a fifth on the gateway benchmark. An exchange waits at most `window` longer; with fewer in
    /// flight (a paced or quiet channel) nothing waits.
    public struct Coalescing: Sendable {
        public var window: Duration
        public var inFlight: Int

        public init(window: Duration, inFlight: Int) {
            self.window = window
            self.inFlight = inFlight
        }

        public static let standard = Coalescing(window: .microseconds(200), inFlight: 8)
    }

    /// `connectTimeout` bounds establishing a connection; each request's `timeout` bounds its whole exchange.
    /// `coalescing` nil: every answer is collected as soon as it arrives.
    public init(
        origin: HTTPOrigin, maxConnections: Int, connectTimeout: Duration = .seconds(5),
        coalescing: Coalescing? = .standard, name: String
    ) {
        self.origin = origin
        self.maxConnections = max(1, maxConnections)
        shared = Shared()
        guard shared.epoll != nil else { return }  // every request fails instead
        let thread = Thread { [shared, origin, maxConnections = self.maxConnections] in
            var loop = ClientLoop(
                epoll: shared.epoll!, shared: shared, origin: origin, maxConnections: maxConnections,
                connectTimeout: connectTimeout, coalescing: coalescing)
            loop.run()
        }
        thread.name = name
        thread.start()
    }

    // The loop holds `shared`, not the client: closing lets it finish what is queued, then it exits.
    deinit {
        shared.inbox.withLock { $0.closed = true }
        shared.epoll?.wake()
    }

    /// Runs the requests and suspends until every one has an answer or an error, in the order of `requests`.
    /// `ratePerSecond` (nil: unlimited) and `concurrency` (nil: `maxConnections`, never more) apply from now on.
    /// `each` is told of every result as it comes (on the client's thread; keep it short), by request index.
    public func perform(
        _ requests: [HTTPClientRequest], timeout: Duration, ratePerSecond: Double? = nil, concurrency: Int? = nil,
        each: (@Sendable (Int, Result<HTTPClientResponse, HTTPClientError>) -> Void)? = nil
    ) async -> [Result<HTTPClientResponse, HTTPClientError>] {
        guard let epoll = shared.epoll else {
            return requests.map { _ in .failure(HTTPClientError(.system, "epoll is not available")) }
        }
        return await collectResults(count: requests.count) { complete in
            let jobs = requests.enumerated().map { index, request in
                Job(request: request, timeout: timeout) { result in
                    each?(index, result)
                    complete(index, result)
                }
            }
            shared.inbox.withLock {
                $0.jobs.append(contentsOf: jobs)
                $0.ratePerSecond = ratePerSecond
                $0.concurrency = concurrency
            }
            epoll.wake()
        }
    }
}

/// The client thread's state; never leaves that thread.
private struct ClientLoop {
    /// A class: the loop updates it in place on every event (a struct in the dictionary was copied each time).
    final class Connection {
        let socket: Socket
        var connected = false
        /// Has completed an exchange: a close before any answer may mean the server dropped it while idle.
        var reused = false
        var job: HTTPClient.Job?
        var written = 0
        var parser = HTTPResponseParser()
        var deadline = ContinuousClock.Instant.now
        var connectDeadline = ContinuousClock.Instant.now

        /// The deadline that applies now: connecting, the sooner of the two.
        var currentDeadline: ContinuousClock.Instant { connected ? deadline : min(deadline, connectDeadline) }

        init(socket: Socket) { self.socket = socket }
    }

    let epoll: Epoll
    let shared: HTTPClient.Shared
    let origin: HTTPOrigin
    let connectTimeout: Duration
    let coalescing: HTTPClient.Coalescing?
    var queue: PacedQueue<HTTPClient.Job>
    /// Jobs to send again at once (their connection was found closed), ahead of `waiting` and the rate.
    var resends: [HTTPClient.Job] = []
    var connections: [UInt64: Connection] = [:]
    var idle: [UInt64] = []
    var busy = 0
    var nextToken: UInt64 = 1
    /// No exchange or connection attempt times out before this: a lower bound kept up as deadlines are set, so the
    /// loop looks at every connection only once one may have passed, not on every wake.
    var nextDeadline = ClientLoop.farAhead()
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)

    init(
        epoll: Epoll, shared: HTTPClient.Shared, origin: HTTPOrigin, maxConnections: Int,
        connectTimeout: Duration, coalescing: HTTPClient.Coalescing?
    ) {
        self.epoll = epoll
        self.shared = shared
        self.origin = origin
        self.connectTimeout = connectTimeout
        self.coalescing = coalescing
        queue = PacedQueue(maxConcurrent: maxConnections)
    }

    mutating func run() {
        let events = Epoll.allocateEvents(capacity: 128)
        defer {
            events.deallocate()
            readBuffer.deallocate()
            for (_, connection) in connections { connection.socket.close() }
            epoll.close()
        }
        var ready: [(UInt64, UInt32)] = []
        while true {
            let closed = takeInbox()
            if closed && queue.isEmpty && resends.isEmpty && busy == 0 { return }
            let tokenWait = startJobs()
            let now = ContinuousClock.now
            if now >= nextDeadline {
                expire(now)
                nextDeadline = earliestDeadline()
            }
            var wake = min(now + .seconds(1), nextDeadline)
            if let tokenWait { wake = min(wake, now + tokenWait) }
            ready.removeAll(keepingCapacity: true)
            if let coalescing, busy >= coalescing.inFlight { Self.pause(coalescing.window) }
            epoll.wait(into: events, milliseconds: max(1, wake.millisecondsFromNow)) { ready.append(($0, $1)) }
            for (token, mask) in ready {
                if token == Epoll.wakeToken { epoll.acknowledgeWake() } else { handle(token, mask) }
            }
        }
    }

    /// Moves submitted jobs into the queue; true once the client is closed.
    mutating func takeInbox() -> Bool {
        var submissions = takeSubmissions(shared.inbox)
        return queue.take(from: &submissions)
    }

    /// Starts what the concurrency and the rate allow; returns how long until the next token when that is what
    /// holds a job back.
    mutating func startJobs() -> Duration? {
        while true {
            let job: HTTPClient.Job
            if !resends.isEmpty && busy < queue.concurrency {
                job = resends.removeFirst()
            } else {
                switch queue.next(running: busy) {
                case .start(let next): job = next
                case .wait(let wait): return wait
                case .none: return nil
                }
            }
            guard let token = takeConnection(for: job) else { continue }
            assign(job, to: token)
        }
    }

    /// An idle kept-alive connection, or a new one; nil when connecting failed (the job has been answered).
    mutating func takeConnection(for job: HTTPClient.Job) -> UInt64? {
        if let token = idle.popLast() { return token }
        let address: sockaddr_in
        switch Self.resolve(origin) {
        case .success(let resolved): address = resolved
        case .failure(let error):
            job.completion(.failure(error))
            return nil
        }
        switch Socket.connectNonBlocking(to: address) {
        case .failure(let error):
            job.completion(.failure(Self.connectError(error, origin: origin)))
            return nil
        case .success(let (socket, connected)):
            let token = nextToken
            nextToken += 1
            do {
                try epoll.register(socket, token: token)
            } catch {
                socket.close()
                job.completion(.failure(HTTPClientError(.system, "\(error)")))
                return nil
            }
            let connection = Connection(socket: socket)
            connection.connected = connected
            connection.connectDeadline = .now + connectTimeout
            nextDeadline = min(nextDeadline, connection.connectDeadline)
            connections[token] = connection
            return token
        }
    }

    mutating func assign(_ job: HTTPClient.Job, to token: UInt64) {
        guard let connection = connections[token] else { return }
        busy += 1
        connection.job = job
        connection.written = 0
        connection.parser.reset()
        connection.deadline = .now + job.timeout
        nextDeadline = min(nextDeadline, connection.deadline)
        if connection.connected { flush(token) }
    }

    mutating func handle(_ token: UInt64, _ mask: UInt32) {
        guard let connection = connections[token] else { return }
        guard connection.job != nil else {
            // An idle connection has nothing to say: this is the server closing it (or junk). Drop it.
            if mask & (Epoll.readable | Epoll.readHangUp | Epoll.hangUp | Epoll.error) != 0 { discard(token) }
            return
        }
        if !connection.connected {
            guard mask & (Epoll.writable | Epoll.error | Epoll.hangUp) != 0 else { return }
            let code = connection.socket.pendingError()
            guard code == 0 else {
                return fail(token, Self.connectError(SocketError("connect", errno: code), origin: origin))
            }
            connection.connected = true
            flush(token)
            return
        }
        if mask & Epoll.writable != 0 { flush(token) }
        if mask & (Epoll.readable | Epoll.readHangUp | Epoll.hangUp | Epoll.error) != 0 { receive(token) }
        // The answer and the server's close came in one event: the connection cannot carry another request, and
        // edge-triggered epoll would not report the close again.
        if mask & (Epoll.readHangUp | Epoll.hangUp | Epoll.error) != 0, connections[token]?.job == nil {
            discard(token)
        }
    }

    /// Writes what is left of the request.
    mutating func flush(_ token: UInt64) {
        guard let connection = connections[token], let job = connection.job else { return }
        let bytes = job.request.bytes
        var written = connection.written
        while written < bytes.count {
            let sent = bytes.withUnsafeBytes {
                connection.socket.sendNow(UnsafeRawBufferPointer(rebasing: $0[written...]))
            }
            guard let sent else { break }  // the send buffer is full: the next writable edge continues
            guard sent >= 0 else { return closedEarly(token) }
            written += sent
        }
        connection.written = written
    }

    /// Reads until the socket is drained, feeding the parser.
    mutating func receive(_ token: UInt64) {
        while let connection = connections[token], connection.job != nil {
            guard let count = connection.socket.receiveNow(into: readBuffer) else { return }
            if count < 0 { return closedEarly(token) }
            if count == 0 {
                do throws(HTTPResponseError) {
                    try connection.parser.endOfInput()
                } catch {
                    return connection.parser.hasStarted
                        ? fail(token, HTTPClientError(.closed, "\(origin): \(error)")) : closedEarly(token)
                }
                return complete(token)
            }
            do throws(HTTPResponseError) {
                if try connection.parser.consume(UnsafeRawBufferPointer(rebasing: readBuffer[..<count])) {
                    return complete(token)
                }
            } catch {
                return fail(token, HTTPClientError(.malformed, "\(origin) answered with \(error)"))
            }
        }
    }

    /// The connection ended before any answer: resend once on a new connection if it was a kept-alive one the
    /// server may have closed while it was idle; otherwise that is the outcome.
    mutating func closedEarly(_ token: UInt64) {
        guard let connection = connections[token], var job = connection.job else { return discard(token) }
        if connection.reused && !connection.parser.hasStarted && !job.resent {
            job.resent = true
            connection.job = nil
            busy -= 1
            discard(token)
            resends.append(job)
            return
        }
        fail(token, HTTPClientError(.closed, "\(origin) closed the connection without answering"))
    }

    mutating func complete(_ token: UInt64) {
        guard let connection = connections[token], let job = connection.job, let response = connection.parser.finished
        else { return }
        busy -= 1
        connection.job = nil
        connection.reused = true
        // An answer before the whole request was written (an early 413, say) leaves the rest unsent: that
        // connection cannot be reused.
        if response.keepAlive && connection.written == job.request.bytes.count {
            idle.append(token)
        } else {
            discard(token)
        }
        job.completion(.success(response))
    }

    mutating func fail(_ token: UInt64, _ error: HTTPClientError) {
        guard let connection = connections[token], let job = connection.job else { return discard(token) }
        busy -= 1
        connection.job = nil
        discard(token)
        job.completion(.failure(error))
    }

    /// Closes and forgets a connection (closing also removes it from epoll).
    mutating func discard(_ token: UInt64) {
        guard let connection = connections.removeValue(forKey: token) else { return }
        if let index = idle.firstIndex(of: token) { idle.remove(at: index) }
        connection.socket.close()
    }

    /// The earliest deadline of the exchanges and connection attempts under way (far ahead when there are none).
    func earliestDeadline() -> ContinuousClock.Instant {
        connections.values.lazy.filter { $0.job != nil }.map(\.currentDeadline).min() ?? Self.farAhead()
    }

    static func farAhead() -> ContinuousClock.Instant { .now + .seconds(3600) }

    static func pause(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// Fails exchanges past their deadline.
    mutating func expire(_ now: ContinuousClock.Instant) {
        var late: [(UInt64, HTTPClientError)] = []
        for (token, connection) in connections where connection.job != nil {
            if !connection.connected && connection.connectDeadline <= now {
                late.append(
                    (
                        token,
                        HTTPClientError(.connectTimeout, "connecting to \(origin) timed out after \(connectTimeout)")
                    ))
            } else if connection.deadline <= now {
                late.append(
                    (
                        token,
                        HTTPClientError(
                            .timeout, "timed out: \(origin) did not answer within \(connection.job!.timeout)")
                    ))
            }
        }
        for (token, error) in late { fail(token, error) }
    }

    static func connectError(_ error: SocketError, origin: HTTPOrigin) -> HTTPClientError {
        HTTPClientError(
            error.errno == ECONNREFUSED ? .refused : .system,
            "failed to connect to \(origin.host) port \(origin.port): \(String(cString: strerror(error.errno)))")
    }

    /// IPv4 only, like the server's sockets: a literal at once, a name through getaddrinfo (blocking, once per new
    /// connection; connections are long-lived).
    static func resolve(_ origin: HTTPOrigin) -> Result<sockaddr_in, HTTPClientError> {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(origin.port).bigEndian
        if inet_pton(AF_INET, origin.host, &address.sin_addr) == 1 { return .success(address) }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(origin.host, nil, &hints, &list)
        defer { if list != nil { freeaddrinfo(list) } }
        guard code == 0, let first = list, let found = first.pointee.ai_addr else {
            let reason = code == 0 ? "no IPv4 address" : String(cString: gai_strerror(code))
            return .failure(HTTPClientError(.resolve, "cannot resolve \(origin.host): \(reason)"))
        }
        found.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address.sin_addr = $0.pointee.sin_addr }
        return .success(address)
    }
}
