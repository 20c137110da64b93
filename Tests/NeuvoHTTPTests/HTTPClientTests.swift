import Foundation
import Synchronization
import Testing

@testable import NeuvoHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP server on 127.0.0.1 that answers each request as the test scripts it, on a thread per connection:
/// the client under test meets real sockets, kept-alive connections that close, answers that never come.
final class ScriptedServer: Sendable {
    enum Action: Sendable {
        /// Writes these bytes, then keeps the connection (or closes it when `close`).
        case respond(String, close: Bool = false)
        /// Closes without answering.
        case hangUp
        /// Answers nothing, keeps the connection until the test ends.
        case stall
    }

    struct Seen: Sendable {
        let connection: Int
        let head: String
        let body: String
    }

    let port: Int
    private let listener: Socket
    private let state = Mutex<(seen: [Seen], connections: Int, open: [Int32])>(([], 0, []))
    private let script: @Sendable (_ index: Int, _ seen: Seen) -> Action

    init(_ script: @escaping @Sendable (_ index: Int, _ seen: Seen) -> Action) throws {
        let listener = try Socket.tcp()
        try listener.setReuseAddress()
        try listener.bind(host: "127.0.0.1", port: 0)
        try listener.listen(backlog: 64)
        self.listener = listener
        port = try listener.localPort()
        self.script = script
        Thread { [self] in acceptLoop() }.start()
    }

    var seen: [Seen] { state.withLock { $0.seen } }
    var connections: Int { state.withLock { $0.connections } }
    var origin: HTTPOrigin { HTTPOrigin(host: "127.0.0.1", port: port) }

    func stop() {
        listener.shutdown()
        state.withLock { state in
            for fd in state.open { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while let (socket, _) = try? listener.accept() {
            let number = state.withLock { state in
                state.connections += 1
                state.open.append(socket.descriptor)
                return state.connections
            }
            Thread { [self] in serve(socket, number: number) }.start()
        }
        listener.close()
    }

    private func serve(_ socket: Socket, number: Int) {
        // Blocking reads on this thread (the accepted socket is non-blocking).
        _ = fcntl(socket.descriptor, F_SETFL, 0)
        // Forgotten and closed under the lock: `stop` must never shut down a descriptor number that another
        // test's socket has been given since.
        defer {
            state.withLock { state in
                state.open.removeAll { $0 == socket.descriptor }
                socket.close()
            }
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // One request: the head, then Content-Length bytes.
            while true {
                if let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                    let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                    let length =
                        head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                    if buffer.count - end.upperBound >= length {
                        let body = String(decoding: buffer[end.upperBound..<end.upperBound + length], as: UTF8.self)
                        buffer.removeFirst(end.upperBound + length)
                        let seen = Seen(connection: number, head: head, body: body)
                        let index = state.withLock { state in
                            state.seen.append(seen)
                            return state.seen.count - 1
                        }
                        switch script(index, seen) {
                        case .respond(let text, let close):
                            let bytes = Array(text.utf8)
                            _ = bytes.withUnsafeBytes {
                                Glibc.send(socket.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                            }
                            if close { return }
                        case .hangUp: return
                        case .stall:
                            while chunk.withUnsafeMutableBytes({ recv(socket.descriptor, $0.baseAddress, $0.count, 0) })
                                > 0
                            {}
                            return
                        }
                        break
                    }
                }
                let count = chunk.withUnsafeMutableBytes { recv(socket.descriptor, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return }
                buffer.append(contentsOf: chunk[..<count])
            }
        }
    }
}

@Suite struct HTTPClientTests {
    static let accepted =
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"id\":42}"

    func requests(_ count: Int, origin: HTTPOrigin) throws -> [HTTPClientRequest] {
        try (0..<count).map { index in
            try HTTPClientRequest(
                target: "/hook?n=\(index)", origin: origin, headers: [("webhook-id", "msg_\(index)")],
                body: Array("{\"n\":\(index)}".utf8))
        }
    }

    /// Answers gathered per wake (forced here from one exchange in flight) or collected as they come: the same.
    static let coalescings: [HTTPClient.Coalescing?] = [
        nil, HTTPClient.Coalescing(window: .microseconds(300), inFlight: 1),
    ]

    @Test(arguments: coalescings)
    func manyRequestsShareAFewKeptAliveConnections(coalescing: HTTPClient.Coalescing?) async throws {
        let server = try ScriptedServer { _, _ in .respond(Self.accepted) }
        defer { server.stop() }
        let client = HTTPClient(
            origin: server.origin, maxConnections: 3, coalescing: coalescing, name: "test-client")
        let results = await client.perform(try requests(60, origin: server.origin), timeout: .seconds(10))
        #expect(results.count == 60)
        for result in results {
            let response = try result.get()
            #expect(response.status == 202)
            #expect(String(decoding: response.body, as: UTF8.self) == "{\"id\":42}")
        }
        #expect(server.connections <= 3)
        let seen = server.seen
        #expect(Set(seen.map(\.body)) == Set((0..<60).map { "{\"n\":\($0)}" }))
        let first = try #require(seen.first { $0.body == "{\"n\":0}" })
        #expect(first.head.hasPrefix("POST /hook?n=0 HTTP/1.1\r\nhost: 127.0.0.1:\(server.port)\r\n"))
        #expect(first.head.contains("webhook-id: msg_0\r\ncontent-length: 7"))
        // A second batch reuses the same connections.
        _ = await client.perform(try requests(10, origin: server.origin), timeout: .seconds(10))
        #expect(server.connections <= 3)
    }

    @Test func requestsStartInOrderWithinTheConcurrency() async throws {
        let server = try ScriptedServer { _, _ in .respond(Self.accepted) }
        defer { server.stop() }
        let client = HTTPClient(origin: server.origin, maxConnections: 8, name: "test-client")
        _ = await client.perform(try requests(20, origin: server.origin), timeout: .seconds(10), concurrency: 1)
        #expect(server.connections == 1)
        #expect(server.seen.map(\.body) == (0..<20).map { "{\"n\":\($0)}" })
    }

    @Test func chunkedAndCloseDelimitedAnswersAreRead() async throws {
        let server = try ScriptedServer { index, _ in
            index == 0
                ? .respond(
                    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nslo\r\n6\r\nw down\r\n0\r\n\r\n"
                )
                : .respond("HTTP/1.0 503 Service Unavailable\r\n\r\nbusy", close: true)
        }
        defer { server.stop() }
        let client = HTTPClient(origin: server.origin, maxConnections: 1, name: "test-client")
        let results = await client.perform(try requests(2, origin: server.origin), timeout: .seconds(10))
        let first = try results[0].get()
        #expect(first.status == 429)
        #expect(first.headers["retry-after"] == "7")
        #expect(String(decoding: first.body, as: UTF8.self) == "slow down")
        let second = try results[1].get()
        #expect(second.status == 503)
        #expect(String(decoding: second.body, as: UTF8.self) == "busy")
        #expect(server.connections == 1)
    }

    @Test func aConnectionTheServerClosedIsReplacedAndTheRequestSentOnce() async throws {
        // The server answers, then drops every connection after its first exchange without saying so: the next
        // request on it finds it closed and goes out again on a new one.
        let server = try ScriptedServer { _, _ in .respond(Self.accepted, close: true) }
        defer { server.stop() }
        let client = HTTPClient(origin: server.origin, maxConnections: 1, name: "test-client")
        for round in 0..<5 {
            let results = await client.perform(try requests(1, origin: server.origin), timeout: .seconds(10))
            #expect(try results[0].get().status == 202, "round \(round)")
        }
        #expect(server.seen.count == 5)
        #expect(server.connections == 5)
    }

    @Test func aKeptAliveConnectionDroppedUnderARequestIsRetriedOnceOnANewOne() async throws {
        // Each connection answers its first request and hangs up on the second, as a server that timed the
        // connection out at that moment would: the client sends that request again, once, on a new connection.
        let perConnection = Mutex<[Int: Int]>([:])
        let server = try ScriptedServer { _, seen in
            let count = perConnection.withLock { counts in
                counts[seen.connection, default: 0] += 1
                return counts[seen.connection]!
            }
            return count == 1 ? .respond(Self.accepted) : .hangUp
        }
        defer { server.stop() }
        let client = HTTPClient(origin: server.origin, maxConnections: 1, name: "test-client")
        for round in 0..<3 {
            let results = await client.perform(try requests(1, origin: server.origin), timeout: .seconds(10))
            #expect(try results[0].get().status == 202, "round \(round)")
        }
        #expect(server.connections == 3)
        #expect(server.seen.count == 5)
    }

    @Test func aServerThatHangsUpWithoutAnsweringIsAnErrorNotALoop() async throws {
        let server = try ScriptedServer { _, _ in .hangUp }
        defer { server.stop() }
        let client = HTTPClient(origin: server.origin, maxConnections: 2, name: "test-client")
        let results = await client.perform(try requests(3, origin: server.origin), timeout: .seconds(10))
        for result in results {
            #expect(throws: HTTPClientError.self) { try result.get() }
            if case .failure(let error) = result { #expect(error.kind == .closed) }
        }
        // A fresh connection that closes is not retried: three requests, three sends.
        #expect(server.seen.count == 3)
    }

    @Test func aCutAnswerIsNotResent() async throws {
        let server = try ScriptedServer { _, _ in
            .respond("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\npartial", close: true)
        }
        defer { server.stop() }
        let client = HTTPClient(origin: server.origin, maxConnections: 1, name: "test-client")
        let results = await client.perform(try requests(1, origin: server.origin), timeout: .seconds(10))
        guard case .failure(let error) = results[0] else {
            Issue.record("accepted a cut answer")
            return
        }
        #expect(error.kind == .closed)
        #expect(error.message.contains("in the middle of its response"))
        #expect(server.seen.count == 1)
    }

    @Test func aMalformedAnswerSaysWhatWasWrong() async throws {
        let server = try ScriptedServer { _, _ in .respond("HTTP/1.1 OK\r\n\r\n") }
        defer { server.stop() }
        let client = HTTPClient(origin: server.origin, maxConnections: 1, name: "test-client")
        let results = await client.perform(try requests(1, origin: server.origin), timeout: .seconds(10))
        guard case .failure(let error) = results[0] else {
            Issue.record("accepted a malformed answer")
            return
        }
        #expect(error.kind == .malformed)
        #expect(error.message.contains("not an HTTP/1.x status line: HTTP/1.1 OK"))
    }

    @Test(arguments: coalescings)
    func aSilentServerTimesOutAndTheOthersStillComplete(coalescing: HTTPClient.Coalescing?) async throws {
        let server = try ScriptedServer { _, seen in seen.body.contains("\"n\":0") ? .stall : .respond(Self.accepted) }
        defer { server.stop() }
        let client = HTTPClient(
            origin: server.origin, maxConnections: 2, coalescing: coalescing, name: "test-client")
        let started = ContinuousClock.now
        let results = await client.perform(try requests(5, origin: server.origin), timeout: .milliseconds(300))
        let elapsed = ContinuousClock.now - started
        guard case .failure(let error) = results[0] else {
            Issue.record("a stalled request succeeded")
            return
        }
        #expect(error.kind == .timeout)
        for result in results.dropFirst() { #expect(try result.get().status == 202) }
        // Not early; how late depends on the machine's load, so no upper bound (the request would otherwise
        // wait forever: the server never answers).
        #expect(elapsed >= .milliseconds(300))
    }

    @Test func aRefusedConnectionIsReportedAsSuch() async throws {
        // A port that was just ours and is closed now refuses.
        let socket = try Socket.tcp()
        try socket.bind(host: "127.0.0.1", port: 0)
        let port = try socket.localPort()
        socket.close()
        let origin = HTTPOrigin(host: "127.0.0.1", port: port)
        let client = HTTPClient(origin: origin, maxConnections: 2, name: "test-client")
        let results = await client.perform(try requests(2, origin: origin), timeout: .seconds(5))
        for result in results {
            guard case .failure(let error) = result else {
                Issue.record("connected to a closed port")
                return
            }
            #expect(error.kind == .refused)
            #expect(error.message.contains("port \(port)"))
        }
    }

    @Test func anUnresolvableHostIsReportedAsSuch() async throws {
        let origin = HTTPOrigin(host: "no-such-host.invalid", port: 80)
        let client = HTTPClient(origin: origin, maxConnections: 1, name: "test-client")
        let results = await client.perform(try requests(1, origin: origin), timeout: .seconds(5))
        guard case .failure(let error) = results[0] else {
            Issue.record("resolved .invalid")
            return
        }
        #expect(error.kind == .resolve)
    }

    @Test func theRateSpacesRequestStarts() async throws {
        let server = try ScriptedServer { _, _ in .respond(Self.accepted) }
        defer { server.stop() }
        let client = HTTPClient(origin: server.origin, maxConnections: 4, name: "test-client")
        let started = ContinuousClock.now
        // 20 per second with bursts of 2: 12 requests need at least half a second.
        let results = await client.perform(
            try requests(12, origin: server.origin), timeout: .seconds(10), ratePerSecond: 20)
        #expect(results.allSatisfy { (try? $0.get().status) == 202 })
        #expect(ContinuousClock.now - started >= .milliseconds(450))
    }
}
