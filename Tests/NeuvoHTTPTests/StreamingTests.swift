import Foundation
import NeuvoTestSupport
import Synchronization
import Testing

@testable import NeuvoHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// Streamed responses (server-sent events) over real sockets: chunks go out as they come, a client that leaves ends
/// the producer, idle streams get heartbeats, and shutdown ends them.
@Suite("Streamed responses", .serialized)
struct StreamingTests {
    /// The producer side of one streamed response, handed to the test by the route.
    final class Feed: Sendable {
        let continuation = Mutex<AsyncStream<[UInt8]>.Continuation?>(nil)
        let opened = Signal()
        let terminated = Signal()

        func yield(_ text: String) { _ = continuation.withLock { $0?.yield(Array(text.utf8)) } }
        func finish() { continuation.withLock { $0?.finish() } }
    }

    static func router(_ feed: Feed, heartbeat: Duration? = nil) -> Router {
        var router = Router()
        router.get("/events") { _, _ in
            let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
            continuation.onTermination = { _ in feed.terminated.fire() }
            feed.continuation.withLock { $0 = continuation }
            feed.opened.fire()
            return HTTPResponse(
                headers: ["Content-Type": "text/event-stream"],
                stream: HTTPBodyStream(
                    chunks: stream, heartbeatInterval: heartbeat, heartbeatBytes: Array(": keep-alive\n\n".utf8)))
        }
        router.get("/hello") { _, _ in .text("hello") }
        return router
    }

    @Test func chunksAreWrittenAsTheyComeAndTheConnectionIsReusedAfterTheEnd() async throws {
        let feed = Feed()
        try await withServer(responder: Self.router(feed)) { server, port in
            let client = try RawClient.connect(port: port)
            try client.send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n")
            await feed.opened.wait()
            feed.yield("data: one\n\n")
            let first = await client.readUntil("data: one\n\n\r\n")
            #expect(first.found)
            #expect(first.text.contains("Transfer-Encoding: chunked"))
            #expect(!first.text.contains("Content-Length"))
            #expect(first.text.contains("\r\nb\r\ndata: one\n\n\r\n"))
            // The second chunk is not there before it is yielded: the first was not held back for it.
            feed.yield("data: two\n\n")
            feed.finish()
            let rest = await client.readUntil("0\r\n\r\n")
            #expect(rest.found && rest.text.contains("data: two"))
            try client.send(ServerTests.get)
            #expect(try await client.readResponse().body == "hello")
            #expect(server.connectionCount == 1)
        }
    }

    @Test func aClientThatLeavesEndsTheProducerAndIsNoLongerCounted() async throws {
        let feed = Feed()
        try await withServer(responder: Self.router(feed)) { server, port in
            let client = try RawClient.connect(port: port)
            try client.send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n")
            await feed.opened.wait()
            #expect(await client.readUntil("\r\n\r\n").found)
            #expect(server.connectionCount == 1)
            _ = Glibc.shutdown(client.fd, Int32(SHUT_RDWR))
            await feed.terminated.wait()
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func anIdleStreamGetsHeartbeats() async throws {
        let feed = Feed()
        try await withServer(responder: Self.router(feed, heartbeat: .milliseconds(100))) { _, port in
            let client = try RawClient.connect(port: port)
            try client.send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n")
            await feed.opened.wait()
            let beats = await client.readUntil(": keep-alive\n\n\r\ne\r\n: keep-alive", timeout: .seconds(10))
            #expect(beats.found)
        }
    }

    @Test func shutdownEndsAStreamWithItsLastChunk() async throws {
        let feed = Feed()
        let server = HTTPServer(configuration: HTTPServerConfiguration(), handler: Self.router(feed))
        let port = try await server.start()
        let client = try RawClient.connect(port: port)
        try client.send("GET /events HTTP/1.1\r\nHost: h\r\n\r\n")
        await feed.opened.wait()
        #expect(await client.readUntil("\r\n\r\n").found)
        await server.shutdown(gracePeriod: .seconds(5))
        await feed.terminated.wait()
        let end = await client.readUntilClosed(timeout: .seconds(10))
        #expect(end.closed)
        #expect(end.text.hasSuffix("0\r\n\r\n"))
    }
}
