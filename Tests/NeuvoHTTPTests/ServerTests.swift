import Foundation
import NeuvoTestSupport
import Testing

@testable import NeuvoHTTP

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Over real sockets on 127.0.0.1. Serialized: the timing assertions should not compete for two cores.
@Suite("HTTP server over sockets", .serialized)
struct ServerTests {
    static func router(started: Signal? = nil, release: Signal? = nil) -> Router {
        var router = Router()
        router.get("/hello") { _, _ in .text("hello") }
        router.get("/peer") { _, context in .text(context.remoteAddress) }
        router.post("/echo") { request, _ in .text(request.bodyText) }
        router.get("/slow") { _, _ in
            started?.fire()
            await release?.wait()
            return .text("finished")
        }
        return router
    }

    static let get = "GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n"

    /// `server.host` may be a host name or an IPv6 literal, not only an IPv4 literal.
    @Test func listensOnAHostNameAndOnAnIPv6Literal() async throws {
        try await withServer(configured { $0.host = "localhost" }, responder: Self.router()) { _, port in
            let client = try RawClient.connect(port: port)
            try client.send(Self.get)
            #expect(try await client.readResponse().body == "hello")
        }
        for host in ["::1", "[::1]"] {
            try await withServer(configured { $0.host = host }, responder: Self.router()) { _, port in
                let client = try RawClient.connectIPv6(port: port)
                try client.send("GET /peer HTTP/1.1\r\nHost: h\r\n\r\n")
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.body.hasPrefix("[::1]:"))
            }
        }
        let unknown = HTTPServer(
            configuration: HTTPServerConfiguration(host: "no-such-host.invalid", port: 0), handler: Self.router())
        await #expect(throws: SocketError.self) { _ = try await unknown.start() }
    }

    @Test func keepAliveServesTwoRequestsOnOneConnection() async throws {
        try await withServer(responder: Self.router()) { server, port in
            let client = try RawClient.connect(port: port)
            try client.send("GET /peer HTTP/1.1\r\nHost: h\r\n\r\n")
            let first = try await client.readResponse()
            try client.send("GET /peer HTTP/1.1\r\nHost: h\r\n\r\n")
            let second = try await client.readResponse()
            #expect(first.status == 200 && second.status == 200)
            #expect(first.body == second.body)  // same client port: the same connection
            #expect(first.header("Connection") == nil)
            #expect(server.connectionCount == 1)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withServer(responder: Self.router()) { _, port in
            let client = try RawClient.connect(port: port)
            try client.send(Self.get + "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nping" + Self.get)
            #expect(try await client.readResponse().body == "hello")
            #expect(try await client.readResponse().body == "ping")
            #expect(try await client.readResponse().body == "hello")
        }
    }

    @Test func connectionCloseAndHTTP10CloseAfterTheResponse() async throws {
        try await withServer(responder: Self.router()) { _, port in
            for request in [
                "GET /hello HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", "GET /hello HTTP/1.0\r\n\r\n",
            ] {
                let client = try RawClient.connect(port: port)
                try client.send(request)
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.header("Connection") == "close")
                #expect(await client.readUntilClosed().closed)
            }
            // HTTP/1.0 may opt in to persistence.
            let client = try RawClient.connect(port: port)
            try client.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await client.readResponse().header("Connection") == "keep-alive")
            try client.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await client.readResponse().status == 200)
        }
    }

    @Test(
        "Bad requests get their status, then the connection closes",
        arguments: [
            ("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400),
            ("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc", 400),
            ("GET /hello HTTP/1.1\r\nHost : h\r\n\r\n", 400),
            ("GET /hello HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400),
            ("GET /hello HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400),
            ("GET /hello HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", 400),
            ("GET /hello HTTP/1.1\r\n\r\n", 400),
            ("POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
            ("GET /hello HTTP/3.0\r\nHost: h\r\n\r\n", 505),
            ("GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\nHost: h\r\n\r\n", 414),
            ("GET /hello HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "a", count: 600) + "\r\n\r\n", 431),
            ("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", 413),
        ])
    func badRequests(raw: String, status: Int) async throws {
        let limits = HTTPLimits(maxRequestTargetLength: 100, maxHeaderBytes: 512, maxHeaderCount: 10, maxBodyBytes: 100)
        try await withServer(configured { $0.limits = limits }, responder: Self.router()) { _, port in
            let client = try RawClient.connect(port: port)
            try client.send(raw)
            let response = try await client.readResponse()
            #expect(response.status == status)
            #expect(response.header("Connection") == "close")
            #expect(response.header("X-Request-Id")?.isEmpty == false)
            #expect(response.header("Date") != nil)
            #expect(await client.readUntilClosed().closed)
        }
    }

    @Test func chunkedBodyAndExpectContinue() async throws {
        try await withServer(responder: Self.router()) { _, port in
            let client = try RawClient.connect(port: port)
            try client.send(
                "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n0\r\n\r\n")
            #expect(try await client.readResponse().body == "Wiki")
            try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            #expect(try await client.readResponse().status == 100)  // RFC 9110 §10.1.1
            try client.send("later")
            #expect(try await client.readResponse().body == "later")
        }
    }

    @Test func slowHeadersAreCutOffAtTheHeaderTimeout() async throws {
        try await withServer(configured { $0.headerReadTimeout = .milliseconds(300) }, responder: Self.router()) {
            server, port in
            let client = try RawClient.connect(port: port)
            let start = ContinuousClock.now
            try client.send("GET /hello HTTP/1.1\r\nHost: h\r\n")  // half a request, then nothing
            let (text, closed) = await client.readUntilClosed(timeout: .seconds(30))
            #expect(closed)
            #expect(start.duration(to: .now) < .seconds(3))
            #expect(text.hasPrefix("HTTP/1.1 408 "))
            #expect(text.contains("Connection: close"))
        }
    }

    @Test func idleKeepAliveConnectionsAreClosed() async throws {
        try await withServer(configured { $0.idleTimeout = .milliseconds(200) }, responder: Self.router()) { _, port in
            let client = try RawClient.connect(port: port)
            try client.send(Self.get)
            #expect(try await client.readResponse().status == 200)
            let (text, closed) = await client.readUntilClosed(timeout: .seconds(30))
            #expect(closed)
            #expect(text.isEmpty)  // an idle connection is closed without a response
        }
    }

    @Test func connectionsBeyondTheCapGet503() async throws {
        try await withServer(configured { $0.maxConnections = 1 }, responder: Self.router()) { _, port in
            let holder = try RawClient.connect(port: port)
            try holder.send(Self.get)
            #expect(try await holder.readResponse().status == 200)  // now surely accepted and counted
            let rejected = try RawClient.connect(port: port)
            try rejected.send(Self.get)
            let response = try await rejected.readResponse()
            #expect(response.status == 503)
            #expect(response.header("Connection") == "close")
            #expect(response.header("Retry-After") == "1")
            #expect(await rejected.readUntilClosed().closed)
            // The holder is unaffected.
            try holder.send(Self.get)
            #expect(try await holder.readResponse().status == 200)
        }
    }

    @Test func gracefulShutdownFinishesTheRequestInFlightAndClosesIdleOnes() async throws {
        let started = Signal()
        let release = Signal()
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(), handler: Self.router(started: started, release: release))
        let port = try await server.start()
        let idle = try RawClient.connect(port: port)
        try idle.send(Self.get)
        #expect(try await idle.readResponse().status == 200)
        let busy = try RawClient.connect(port: port)
        try busy.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        await started.wait()

        let stopped = Task { await server.shutdown(gracePeriod: .seconds(10)) }
        // The idle keep-alive connection is closed straight away, and no new connections are accepted.
        #expect(await idle.readUntilClosed().closed)
        #expect(throws: TestSocketError.self) { try RawClient.connect(port: port) }
        release.fire()
        let response = try await busy.readResponse()
        #expect(response.status == 200)
        #expect(response.body == "finished")
        #expect(response.header("Connection") == "close")
        await stopped.value
        #expect(server.connectionCount == 0)
    }

    @Test func gracePeriodEndsAStuckHandler() async throws {
        let started = Signal()
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(), handler: Self.router(started: started, release: Signal()))
        let port = try await server.start()
        let busy = try RawClient.connect(port: port)
        try busy.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
        await started.wait()
        let start = ContinuousClock.now
        await server.shutdown(gracePeriod: .milliseconds(200))
        #expect(start.duration(to: .now) < .seconds(5))
        #expect(await busy.readUntilClosed().closed)
    }

    @Test func requestIDIsEchoedOrGeneratedAndHooksFire() async throws {
        let log = Recorder<AccessLogEntry>()
        let metrics = Recorder<RequestMetrics>()
        let configuration = configured {
            $0.accessLog = { log.append($0) }
            $0.metrics = { metrics.append($0) }
        }
        try await withServer(configuration, responder: Self.router()) { _, port in
            let client = try RawClient.connect(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: h\r\nX-Request-Id: trace-42\r\n\r\n")
            #expect(try await client.readResponse().header("X-Request-Id") == "trace-42")
            try client.send("GET /hello HTTP/1.1\r\nHost: h\r\nX-Request-Id: no spaces allowed\r\n\r\n")
            let generated = try await client.readResponse().header("X-Request-Id")
            #expect(generated?.count == 32)
            // The hooks fire after the response is written, so the client may read it first.
            #expect(await eventually { log.all.count == 2 && metrics.all.count == 2 })
            #expect(log.all.map(\.requestID) == ["trace-42", generated])
            #expect(log.all.first?.remoteAddress.hasPrefix("127.0.0.1:") == true)
            #expect(metrics.all.map(\.routePattern) == ["/hello", "/hello"])
        }
    }

    @Test func burstOfConcurrentRequestsWithURLSession() async throws {
        try await withServer(responder: Self.router()) { _, port in
            let session = URLSession(configuration: .ephemeral)
            let url = URL(string: "http://127.0.0.1:\(port)/hello")!
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<64 {
                    group.addTask {
                        let (data, response) = try await session.data(from: url)
                        let http = try #require(response as? HTTPURLResponse)
                        #expect(http.statusCode == 200)
                        #expect(String(decoding: data, as: UTF8.self) == "hello")
                        return http.value(forHTTPHeaderField: "X-Request-Id") ?? ""
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 64)
            session.invalidateAndCancel()
        }
    }

    @Test func startFailsWhenThePortIsTaken() async throws {
        try await withServer(responder: Self.router()) { _, port in
            let second = HTTPServer(configuration: HTTPServerConfiguration(port: port), handler: Self.router())
            await #expect(throws: SocketError.self) { try await second.start() }
        }
    }
}
