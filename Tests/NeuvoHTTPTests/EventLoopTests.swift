import Foundation
import NeuvoTestSupport
import Testing

@testable import NeuvoHTTP

/// The event loops over real sockets: many connections per loop, handlers that suspend, slow readers, deep
/// pipelines. Part of the serialized `ServerTests` suite: the timing assertions should not compete for two cores.
extension ServerTests {
    static let bigBody = [UInt8](repeating: UInt8(ascii: "x"), count: 32 * 1024 * 1024)

    static func loopRouter(started: Signal? = nil, release: Signal? = nil) -> Router {
        var router = Router()
        router.get("/hello") { _, _ in .text("hello") }
        router.get("/peer") { _, context in .text(context.remoteAddress) }
        router.post("/echo") { request, _ in .text(request.bodyText) }
        router.get("/big") { _, _ in HTTPResponse(body: Self.bigBody) }
        router.get("/nap/{n}") { _, context in
            // Suspends, so later pipelined requests must wait for it; a short nap, different per request.
            let n = try context.parameter("n", as: Int.self)
            try await Task.sleep(for: .milliseconds(n % 3))
            return .text("nap \(n)")
        }
        router.get("/slow") { _, _ in
            started?.fire()
            await release?.wait()
            return .text("finished")
        }
        return router
    }

    @Test func manyConnectionsShareOneLoop() async throws {
        // Timeouts far beyond the test: on a loaded machine 200 sequential reads can take longer than the default
        // header or idle timeout, which would close connections this test is not about. The cap is raised too:
        // 200 of the default 256 is "pressure", which shortens the idle timeout (to about 4 minutes here).
        let configuration = configured {
            $0.eventLoopCount = 1
            $0.maxConnections = 4096
            $0.headerReadTimeout = .seconds(600)
            $0.idleTimeout = .seconds(600)
        }
        try await withServer(configuration, responder: Self.loopRouter()) { server, port in
            let clients = try (0..<200).map { _ in try RawClient.connect(port: port) }
            var peers: [String] = []
            for round in 0..<3 {
                // Every connection has a request in flight at once, then each reads its own answer.
                for client in clients { try client.send("GET /peer HTTP/1.1\r\nHost: h\r\n\r\n") }
                var answers: [String] = []
                for client in clients {
                    let response = try await client.readResponse()
                    #expect(response.status == 200)
                    answers.append(response.body)
                }
                if round == 0 { peers = answers } else { #expect(answers == peers) }
            }
            #expect(Set(peers).count == 200)  // no answer went to another connection
            #expect(server.connectionCount == 200)
        }
    }

    @Test func aSuspendedHandlerDoesNotHoldUpItsLoop() async throws {
        let started = Signal()
        let release = Signal()
        try await withServer(
            configured { $0.eventLoopCount = 1 }, responder: Self.loopRouter(started: started, release: release)
        ) { _, port in
            let busy = try RawClient.connect(port: port)
            try busy.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
            await started.wait()
            let other = try RawClient.connect(port: port)
            for _ in 0..<3 {
                try other.send("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n")
                #expect(try await other.readResponse(timeout: .seconds(5)).body == "hello")
            }
            release.fire()
            #expect(try await busy.readResponse().body == "finished")
        }
    }

    @Test func aClientThatStopsReadingIsDroppedAtTheWriteTimeoutWithoutStallingOthers() async throws {
        let log = Recorder<AccessLogEntry>()
        let configuration = configured {
            $0.eventLoopCount = 1
            $0.writeTimeout = .milliseconds(300)
            $0.accessLog = { log.append($0) }
        }
        try await withServer(configuration, responder: Self.loopRouter()) { server, port in
            let stalled = try RawClient.connect(port: port)
            try stalled.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n")  // 32 MB, far beyond the socket buffers
            let other = try RawClient.connect(port: port)
            try other.send("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try await other.readResponse(timeout: .seconds(5)).body == "hello")
            let start = ContinuousClock.now
            #expect(await eventually { server.connectionCount == 1 })  // the stalled one is gone
            #expect(start.duration(to: .now) < .seconds(3))
            #expect(await eventually { log.all.contains { $0.path == "/big" } })
            // The other connection is still served.
            try other.send("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try await other.readResponse().body == "hello")
        }
    }

    @Test func aLargeResponseReachesAClientThatReadsIt() async throws {
        try await withServer(configured { $0.eventLoopCount = 1 }, responder: Self.loopRouter()) { _, port in
            let client = try RawClient.connect(port: port)
            try client.send("GET /big HTTP/1.1\r\nHost: h\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.body.utf8.count == Self.bigBody.count)
            try client.send("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try await client.readResponse().body == "hello")
        }
    }

    @Test(arguments: [true, false])
    func aDeepPipelineIsAnsweredInOrder(handlersRunOnEventLoops: Bool) async throws {
        let configuration = configured {
            $0.eventLoopCount = 1
            $0.handlersRunOnEventLoops = handlersRunOnEventLoops
        }
        try await withServer(configuration, responder: Self.loopRouter()) { _, port in
            let client = try RawClient.connect(port: port)
            var requests = ""
            var expected: [String] = []
            for n in 0..<60 {
                switch n % 3 {
                case 0:
                    requests += "GET /nap/\(n) HTTP/1.1\r\nHost: h\r\n\r\n"
                    expected.append("nap \(n)")
                case 1:
                    requests += "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: \("\(n)".utf8.count)\r\n\r\n\(n)"
                    expected.append("\(n)")
                default:
                    requests += "GET /hello HTTP/1.1\r\nHost: h\r\n\r\n"
                    expected.append("hello")
                }
            }
            try client.send(requests)  // all at once: one read gets several requests
            var bodies: [String] = []
            for _ in expected { bodies.append(try await client.readResponse().body) }
            #expect(bodies == expected)
        }
    }

    @Test func aBodyLargerThanTheReadBufferArrivesWhole() async throws {
        try await withServer(responder: Self.loopRouter()) { _, port in
            let client = try RawClient.connect(port: port)
            let body = String((0..<300_000).map { _ in "abcdefghij".randomElement()! })
            try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
            #expect(try await client.readResponse().body == body)
        }
    }

    @Test func aStalledBodyIsCutOffAtTheBodyTimeout() async throws {
        try await withServer(configured { $0.bodyReadTimeout = .milliseconds(300) }, responder: Self.loopRouter()) {
            _, port in
            let client = try RawClient.connect(port: port)
            let start = ContinuousClock.now
            try client.send("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
            let (text, closed) = await client.readUntilClosed(timeout: .seconds(30))
            #expect(closed)
            #expect(start.duration(to: .now) < .seconds(3))
            #expect(text.hasPrefix("HTTP/1.1 408 "))
        }
    }

    @Test func aClientThatLeavesDuringItsRequestIsForgotten() async throws {
        let started = Signal()
        let release = Signal()
        try await withServer(responder: Self.loopRouter(started: started, release: release)) { server, port in
            do {
                let client = try RawClient.connect(port: port)
                try client.send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
                await started.wait()
            }  // closed here, while its handler waits
            release.fire()
            #expect(await eventually { server.connectionCount == 0 })
            let client = try RawClient.connect(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try await client.readResponse().body == "hello")
        }
    }

    @Test func connectionsAreSpreadOverTheLoopsAndAllClosedOnShutdown() async throws {
        let server = HTTPServer(configuration: configured { $0.eventLoopCount = 3 }, handler: Self.loopRouter())
        let port = try await server.start()
        let clients = try (0..<9).map { _ in try RawClient.connect(port: port) }
        for client in clients {
            try client.send("GET /hello HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(try await client.readResponse().body == "hello")
        }
        #expect(server.connectionCount == 9)
        await server.shutdown(gracePeriod: .seconds(5))
        #expect(server.connectionCount == 0)
        for client in clients { #expect(await client.readUntilClosed(timeout: .seconds(5)).closed) }
    }
}
