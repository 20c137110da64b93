import Testing

@testable import NeuvoHTTP

@Suite struct ResponseParserTests {
    /// Parses `text` fed in pieces of `step` bytes; the response once complete (at the end of input if `closes`).
    func parse(_ text: String, step: Int = .max, closes: Bool = false) throws(HTTPResponseError) -> HTTPClientResponse?
    {
        var parser = HTTPResponseParser()
        let bytes = Array(text.utf8)
        var index = 0
        var done = false
        while index < bytes.count {
            let end = min(bytes.count, index + step)
            done = try parser.consume(Array(bytes[index..<end]))
            index = end
            if done && index < bytes.count { Issue.record("complete before the end of input") }
        }
        if closes && !done { try parser.endOfInput() }
        return parser.finished
    }

    @Test(arguments: [1, 2, 7, .max])
    func contentLengthBodyInAnyPieces(step: Int) throws {
        let response = try #require(
            try parse(
                "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"id\":42}",
                step: step))
        #expect(response.status == 202)
        #expect(response.headers["content-type"] == "application/json")
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"id\":42}")
        #expect(response.keepAlive)
    }

    @Test(arguments: [1, 3, .max])
    func chunkedBodyWithExtensionsAndTrailers(step: Int) throws {
        let text =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
            + "4;note=x\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n"
        let response = try #require(try parse(text, step: step))
        #expect(String(decoding: response.body, as: UTF8.self) == "Wikipedia in\r\n\r\nchunks.")
        #expect(response.keepAlive)
    }

    @Test func interimResponsesAreSkipped() throws {
        let response = try #require(
            try parse(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
            ))
        #expect(response.status == 201)
        #expect(!response.headers.contains("link"))
    }

    @Test func noBodyFor204And304WhateverTheHeadersSay() throws {
        #expect(try parse("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n")?.body == [])
        #expect(try parse("HTTP/1.1 304 Not Modified\r\n\r\n")?.status == 304)
    }

    @Test func bodyUntilCloseEndsTheConnection() throws {
        let text = "HTTP/1.1 500 Internal Server Error\r\n\r\nit broke"
        #expect(try parse(text) == nil)
        let response = try #require(try parse(text, closes: true))
        #expect(String(decoding: response.body, as: UTF8.self) == "it broke")
        #expect(!response.keepAlive)
    }

    @Test func connectionHeaderAndVersionDecideReuse() throws {
        #expect(try parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")?.keepAlive == false)
        #expect(
            try parse("HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 0\r\n\r\n")?.keepAlive == false)
        #expect(try parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")?.keepAlive == false)
        #expect(try parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")?.keepAlive == true)
        // A non-chunked transfer coding runs to the close: never reusable.
        #expect(try parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx", closes: true)?.keepAlive == false)
    }

    @Test func identicalRepeatedContentLengthsAreOneLength() throws {
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok")?.body.count == 2)
    }

    /// A kept-alive connection's parser is reset, not replaced: nothing of one answer reaches the next.
    @Test func aResetParserReadsTheNextAnswerAfresh() throws {
        var parser = HTTPResponseParser()
        let first = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n2\r\nok\r\n0\r\n\r\n"
        #expect(try parser.consume(Array(first.utf8)))
        #expect(parser.finished?.headers["x-a"] == "1")
        parser.reset()
        #expect(!parser.hasStarted)
        #expect(parser.finished == nil)
        #expect(try !parser.consume(Array("HTTP/1.1 202 Accepted\r\nContent-Le".utf8)))
        #expect(parser.hasStarted)
        #expect(try parser.consume(Array("ngth: 3\r\n\r\nyes".utf8)))
        let second = try #require(parser.finished)
        #expect(second.status == 202)
        #expect(second.headers["x-a"] == nil)
        #expect(String(decoding: second.body, as: UTF8.self) == "yes")
    }

    /// The usual answer's Content-Length is read straight from the bytes: the exact name in any case, nothing else.
    @Test func contentLengthIsMatchedByNameInAnyCaseAndNothingElse() throws {
        #expect(try parse("HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 2\r\n\r\nok")?.body.count == 2)
        // "content\rlength" is another field: without a length the body runs to the close.
        let other = try #require(try parse("HTTP/1.1 200 OK\r\ncontent\rlength: 2\r\n\r\nokay", closes: true))
        #expect(other.body.count == 4)
        #expect(!other.keepAlive)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", "invalid Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", "invalid Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", "invalid Content-Length"),
        ("HTTP/2 200 OK\r\n\r\n", "not an HTTP/1.x status line"),
        ("SMTP 220 hello\r\n\r\n", "not an HTTP/1.x status line"),
        ("HTTP/1.1 2000 OK\r\n\r\n", "three digits"),
        ("HTTP/1.1 099 Low\r\n\r\n", "not a valid status code"),
        ("HTTP/1.1 200 OK\r\nBad Name : x\r\n\r\n", "malformed header field"),
        ("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n", "malformed header field"),
        ("HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", "malformed header field"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid chunk size"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n", "does not end with CRLF"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokextra", "after the end"),
    ])
    func malformedResponsesAreRefusedWithTheReason(text: String, reason: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted: \(text.debugDescription)")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }

    @Test func aHugeHeadIsRefusedRatherThanBuffered() {
        var parser = HTTPResponseParser()
        let line = Array("X-Filler: \(String(repeating: "a", count: 1000))\r\n".utf8)
        #expect(throws: HTTPResponseError.self) {
            _ = try parser.consume(Array("HTTP/1.1 200 OK\r\n".utf8))
            for _ in 0..<20 { _ = try parser.consume(line) }
        }
    }

    @Test func theBodyIsCutAtTheLimitButReadToTheEnd() throws {
        var parser = HTTPResponseParser()
        parser.bodyLimit = 10
        let done = try parser.consume(
            Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n\(String(repeating: "b", count: 100))".utf8))
        #expect(done)
        #expect(parser.finished?.body.count == 10)
    }

    @Test func closingEarlyIsAnErrorThatSaysWhetherAnythingCame() throws {
        var silent = HTTPResponseParser()
        #expect(throws: HTTPResponseError("the server closed the connection without answering")) {
            try silent.endOfInput()
        }
        #expect(!silent.hasStarted)
        var cut = HTTPResponseParser()
        _ = try cut.consume(Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab".utf8))
        #expect(cut.hasStarted)
        #expect(throws: HTTPResponseError.self) { try cut.endOfInput() }
    }

    @Test func originsAndTargetsOfURLs() {
        #expect(
            HTTPOrigin.parse("http://127.0.0.1:8080/sms?x=1#frag")?.origin == HTTPOrigin(host: "127.0.0.1", port: 8080))
        #expect(HTTPOrigin.parse("http://127.0.0.1:8080/sms?x=1#frag")?.target == "/sms?x=1")
        #expect(HTTPOrigin.parse("HTTP://Gateway.Example")?.target == "/")
        #expect(HTTPOrigin.parse("http://gateway.example?x")?.target == "/?x")
        #expect(HTTPOrigin.parse("http://gateway.example")?.origin.hostField == "gateway.example")
        #expect(HTTPOrigin.parse("http://gateway.example:81/")?.origin.hostField == "gateway.example:81")
        for bad in [
            "https://a/", "http://", "http://user@a/", "http://[::1]:80/", "http://a:0/", "http://a:99999/",
            "http://a:x/", "http://a b/", "ftp://a/",
        ] {
            #expect(HTTPOrigin.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func requestsAreSerialisedOnceAndRefuseSplitting() throws {
        let origin = HTTPOrigin(host: "127.0.0.1", port: 9000)
        let request = try HTTPClientRequest(
            target: "/sms", origin: origin, headers: [("webhook-id", "n1")], body: Array("{}".utf8))
        #expect(
            String(decoding: request.bytes, as: UTF8.self)
                == "POST /sms HTTP/1.1\r\nhost: 127.0.0.1:9000\r\nwebhook-id: n1\r\ncontent-length: 2\r\n\r\n{}")
        #expect(throws: HTTPClientError.self) {
            try HTTPClientRequest(target: "/", origin: origin, headers: [("x", "a\r\nInjected: 1")], body: [])
        }
        #expect(throws: HTTPClientError.self) {
            try HTTPClientRequest(target: "/", origin: origin, headers: [("bad name", "x")], body: [])
        }
        #expect(throws: HTTPClientError.self) {
            try HTTPClientRequest(target: "/a b", origin: origin, headers: [], body: [])
        }
    }
}
