import Foundation
import NeuvoTestSupport
import Testing

@testable import NeuvoHTTP

/// Per-client caps, body limits from the head, the buffered-bytes cap and idle timeouts under pressure: what one
/// abusive client did to the server before (issue 15), each reproduced over real sockets.
@Suite("Client limits over sockets", .serialized)
struct ClientLimitTests {
    struct DenyWithoutKey: HTTPHeadCheck, HTTPMiddleware {
        let checked: Recorder<String>

        func check(_ head: HTTPRequestHead) async -> HTTPError? {
            checked.append(head.rawPath)
            return head.headers["Authorization"] == "Bearer good" ? nil : HTTPError(status: .unauthorized)
        }

        func handle(
            _ request: HTTPRequest, context: RequestContext,
            next: @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
        ) async throws -> HTTPResponse {
            guard request.headers["Authorization"] == "Bearer good" else { throw HTTPError(status: .unauthorized) }
            return try await next(request, context)
        }
    }

    static func router(checked: Recorder<String> = Recorder()) -> Router {
        var router = Router(defaultMaxBodyBytes: 64 * 1024)
        router.get("/hello") { _, _ in .text("hello") }
        router.get("/client") { _, context in .text(context.clientAddress) }
        router.post("/chat", maxBodyBytes: 16 * 1024) { request, _ in .text("\(request.body.count)") }
        router.group("/bulk", middleware: [DenyWithoutKey(checked: checked)]) { bulk in
            bulk.post("", maxBodyBytes: 1024 * 1024) { request, _ in .text("\(request.body.count)") }
        }
        return router
    }

    static func limited(_ change: (inout HTTPServerConfiguration) -> Void = { _ in }) -> (
        HTTPServerConfiguration, Router
    ) {
        let router = router()
        return (
            configured {
                $0.bodyPolicy = router
                change(&$0)
            }, router
        )
    }

    /// One address holding 2,000 connections no longer locks everyone else out.
    @Test func anotherAddressIsServedWhileOneHoldsTwoThousandConnections() async throws {
        let (configuration, router) = Self.limited {
            $0.maxConnections = 4096
            $0.maxConnectionsPerAddress = 256
            // In the full parallel suite on a loaded machine, opening and counting 2,000 connections can outlast the
            // first request's 10 s and the idle 60 s: the flood's connections must stay open until the test uses them.
            $0.headerReadTimeout = .seconds(600)
            $0.idleTimeout = .seconds(600)
        }
        try await withServer(configuration, responder: router) { server, port in
            // No child process may be launched while thousands of descriptors are open (see `ProcessLaunch`): the
            // whole flood runs on one thread under the launch lock, and the lock is released only when every
            // descriptor it opened is closed and the server has closed its side too.
            let outcome = await onThread {
                ProcessLaunch.excludingLaunches { () -> FloodOutcome in
                    var outcome = FloodOutcome()
                    var flood = (0..<2000).compactMap { _ in try? RawClient.connect(port: port) }
                    outcome.opened = flood.count
                    let deadline = ContinuousClock.now + .seconds(120)
                    while server.connectionCount < 256 && ContinuousClock.now < deadline { usleep(2_000) }
                    outcome.accepted = server.connectionCount
                    if let neighbour = try? RawClient.connect(port: port, from: "127.0.0.2") {
                        try? neighbour.send(ServerTests.get)
                        outcome.neighbour = neighbour.readResponseBlocking()
                        outcome.countWithNeighbour = server.connectionCount
                    }
                    // The first address itself was refused beyond its cap, politely while few refusals are in
                    // flight: the 503 is written as the connection is accepted, so it is read without sending (a
                    // request sent after the server closed would draw a reset that can discard the answer).
                    if flood.count == 2000 {
                        outcome.refused = flood[256].readResponseBlocking()
                        try? flood[0].send(ServerTests.get)
                        outcome.first = flood[0].readResponseBlocking()
                    }
                    flood.removeAll()
                    let closing = ContinuousClock.now + .seconds(120)
                    while server.connectionCount > 0 && ContinuousClock.now < closing { usleep(2_000) }
                    outcome.left = server.connectionCount
                    return outcome
                }
            }
            #expect(outcome.opened == 2000)
            #expect(outcome.accepted >= 256, "the first address's connections were not all accepted")
            #expect(try outcome.neighbour?.get().status == 200)
            #expect(outcome.countWithNeighbour == 256 + 1)
            let refused = try #require(outcome.refused).get()
            #expect(refused.status == 503)
            #expect(refused.body.contains("too many connections from your address"))
            #expect(try outcome.first?.get().status == 200)
            #expect(outcome.left == 0, "the server still held the flood's connections")
        }
    }

    /// What the flood saw, carried out of its thread.
    struct FloodOutcome: Sendable {
        var opened = 0
        var accepted = 0
        var countWithNeighbour = 0
        var neighbour: Result<RawResponse, TestSocketError>?
        var refused: Result<RawResponse, TestSocketError>?
        var first: Result<RawResponse, TestSocketError>?
        var left = -1
    }

    @Test func aTrustedProxyIsExemptFromTheAddressCapAndNamesTheClient() async throws {
        let (configuration, router) = Self.limited {
            $0.maxConnectionsPerAddress = 2
            $0.trustedProxies = TrustedProxies(parsing: "127.0.0.1")!
        }
        try await withServer(configuration, responder: router) { _, port in
            let clients = try (0..<4).map { _ in try RawClient.connect(port: port) }
            for client in clients {
                try client.send("GET /client HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.9, 127.0.0.1\r\n\r\n")
                #expect(try await client.readResponse().body == "203.0.113.9")
            }
        }
        // Without trust, the header is the client's own claim and is ignored.
        let (untrusting, plain) = Self.limited()
        try await withServer(untrusting, responder: plain) { _, port in
            let client = try RawClient.connect(port: port)
            try client.send("GET /client HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n")
            #expect(try await client.readResponse().body == "127.0.0.1")
        }
    }

    /// Every route read up to 1 MiB; now the route's limit is checked from Content-Length before any body byte.
    @Test func aBodyOverTheRoutesLimitIsRefusedFromItsHead() async throws {
        let (configuration, router) = Self.limited()
        try await withServer(configuration, responder: router) { server, port in
            let client = try RawClient.connect(port: port)
            // No body is sent at all: the 413 comes from the head alone.
            try client.send("POST /chat HTTP/1.1\r\nHost: h\r\nContent-Length: \(16 * 1024 + 1)\r\n\r\n")
            let response = try await client.readResponse(timeout: .seconds(5))
            #expect(response.status == 413)
            #expect(server.bufferedRequestBytes == 0)
            let fits = try RawClient.connect(port: port)
            try fits.send("POST /chat HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
            #expect(try await fits.readResponse().body == "5")
            // A chunked body is held to the same limit as it arrives.
            let chunked = try RawClient.connect(port: port)
            let chunk = String(repeating: "x", count: 10 * 1024)
            try chunked.send(
                "POST /chat HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2800\r\n\(chunk)\r\n2800\r\n\(chunk)\r\n"
            )
            #expect(try await chunked.readResponse().status == 413)
            // An Expect: 100-continue body that is too large is refused instead of invited (RFC 9110 §10.1.1).
            let expecting = try RawClient.connect(port: port)
            try expecting.send(
                "POST /chat HTTP/1.1\r\nHost: h\r\nContent-Length: 20000\r\nExpect: 100-continue\r\n\r\n")
            #expect(try await expecting.readResponse().status == 413)
        }
    }

    @Test func anUnauthenticatedLargeBodyIsRefusedBeforeItIsRead() async throws {
        let checked = Recorder<String>()
        let router = Self.router(checked: checked)
        try await withServer(configured { $0.bodyPolicy = router }, responder: router) { server, port in
            let client = try RawClient.connect(port: port)
            try client.send("POST /bulk HTTP/1.1\r\nHost: h\r\nContent-Length: 900000\r\n\r\n")
            #expect(try await client.readResponse(timeout: .seconds(5)).status == 401)
            #expect(checked.all == ["/bulk"])
            try await waitUntil("the reservation is released") { server.bufferedRequestBytes == 0 }
            let keyed = try RawClient.connect(port: port)
            let body = String(repeating: "a", count: 900_000)
            try keyed.send(
                "POST /bulk HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer good\r\nContent-Length: 900000\r\n\r\n\(body)")
            #expect(try await keyed.readResponse().body == "900000")
            // A small body is read straight away; the middleware still checks it.
            let small = try RawClient.connect(port: port)
            try small.send("POST /bulk HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi")
            #expect(try await small.readResponse().status == 401)
            #expect(checked.all.count == 2)
        }
    }

    /// 300 connections each holding a 1 MiB − 1 body raised RSS by 450 MB; now bodies beyond the global cap get 503
    /// as soon as their heads arrive.
    @Test func bodiesBeyondTheBufferedBytesCapGet503Early() async throws {
        let (configuration, router) = Self.limited { $0.maxBufferedRequestBytes = 90 * 1024 }
        try await withServer(configuration, responder: router) { server, port in
            var holders: [RawClient] = []
            for _ in 0..<2 {
                let holder = try RawClient.connect(port: port)
                try holder.send("POST /echo-nothing HTTP/1.1\r\nHost: h\r\nContent-Length: 40000\r\n\r\nstart")
                holders.append(holder)
            }
            try await waitUntil("two bodies are reserved") { server.bufferedRequestBytes == 80000 }
            let third = try RawClient.connect(port: port)
            try third.send("POST /chat HTTP/1.1\r\nHost: h\r\nContent-Length: 16000\r\n\r\n")
            let response = try await third.readResponse(timeout: .seconds(5))
            #expect(response.status == 503)
            #expect(response.header("Retry-After") == "1")
            // Closing a holder frees its share.
            holders.removeFirst()
            try await waitUntil("the closed holder's bytes are released") { server.bufferedRequestBytes == 40000 }
            let fourth = try RawClient.connect(port: port)
            try fourth.send("POST /chat HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
            #expect(try await fourth.readResponse().status == 200)
        }
    }

    @Test func idleConnectionsAreClosedSoonerUnderPressure() async throws {
        let (configuration, router) = Self.limited {
            $0.maxConnections = 2
            $0.idleTimeout = .seconds(600)
            $0.minimumIdleTimeout = .milliseconds(100)
        }
        try await withServer(configuration, responder: router) { server, port in
            let first = try RawClient.connect(port: port)
            try first.send(ServerTests.get)
            #expect(try await first.readResponse().status == 200)
            #expect(server.idleTimeoutNow == .seconds(600))  // half the cap: no pressure yet
            let second = try RawClient.connect(port: port)
            try second.send(ServerTests.get)
            #expect(try await second.readResponse().status == 200)
            // At the cap, an idle connection gets the minimum and is closed long before ten minutes.
            #expect(await second.readUntilClosed(timeout: .seconds(30)).closed)
        }
    }

    @Test func trustedProxyListsParseAndMatch() {
        let proxies = TrustedProxies(parsing: "10.0.0.1, 10.8.0.0/16, ::1, fd00::/8")!
        #expect(proxies.contains("10.0.0.1"))
        #expect(!proxies.contains("10.0.0.2"))
        #expect(proxies.contains("10.8.200.3"))
        #expect(!proxies.contains("10.9.0.1"))
        #expect(proxies.contains("::1"))
        #expect(proxies.contains("fd12::5"))
        #expect(!proxies.contains("not an address"))
        #expect(TrustedProxies(parsing: "10.0.0.1/33") == nil)
        #expect(TrustedProxies(parsing: "example.org") == nil)
        // Found by FuzzRateLimits: inet_pton stopped at a NUL, so "::0\0junk" passed as an address and came back
        // whole as the client's.
        #expect(TrustedProxies(parsing: "::0\u{0}junk") == nil)
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["::0\u{0}0.20 junk"]) == "10.0.0.1")
        // The rightmost untrusted entry; a malformed entry stops the walk at the proxy itself.
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["1.2.3.4, 5.6.7.8, 10.8.0.9"]) == "5.6.7.8")
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: ["1.2.3.4, junk"]) == "10.0.0.1")
        #expect(proxies.clientAddress(peer: "192.0.2.1", forwardedFor: ["1.2.3.4"]) == "192.0.2.1")
        #expect(proxies.clientAddress(peer: "10.0.0.1", forwardedFor: []) == "10.0.0.1")
        #expect(hostOfRemoteAddress("[::1]:8080") == "::1")
        #expect(hostOfRemoteAddress("127.0.0.2:5000") == "127.0.0.2")
    }
}
