import Testing

@testable import NeuvoHTTP

@Suite("HTTP/1.1 request parser")
struct ParserTests {
    /// Feeds `chunks` in order and collects every request, or the first error.
    static func parse(_ chunks: [[UInt8]], limits: HTTPLimits = HTTPLimits()) -> Result<[HTTPRequest], HTTPParseError> {
        var parser = HTTPRequestParser(limits: limits)
        var requests: [HTTPRequest] = []
        do {
            for chunk in chunks {
                parser.append(chunk)
                while let request = try parser.next() { requests.append(request) }
            }
            return .success(requests)
        } catch {
            return .failure(error)
        }
    }

    static func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> Result<[HTTPRequest], HTTPParseError> {
        parse([Array(text.utf8)], limits: limits)
    }

    static func error(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
        if case .failure(let error) = parse(text, limits: limits) { return error }
        return nil
    }

    @Test func requestLineHeadersPathAndQuery() throws {
        let requests = try Self.parse(
            "GET /v1/notices/caf%C3%A9%2Fx?q=a+b&lang=fi&empty=&flag HTTP/1.1\r\nHost: example.fi\r\n"
                + "X-Thing:  spaced value \t\r\nx-thing: second\r\n\r\n"
        ).get()
        let request = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(request.method == .get)
        #expect(request.version == .http11)
        #expect(request.path == "/v1/notices/café/x")
        #expect(request.rawPath == "/v1/notices/caf%C3%A9%2Fx")
        #expect(request.queryParameter("q") == "a b")
        #expect(request.queryParameter("lang") == "fi")
        #expect(request.queryParameter("empty") == "")
        #expect(request.queryParameter("flag") == "")
        #expect(request.headers["x-THING"] == "spaced value")  // OWS trimmed, case-insensitive
        #expect(request.headers.values(for: "X-Thing") == ["spaced value", "second"])
        #expect(request.body.isEmpty)
    }

    @Test func absoluteFormTargetRoutesOnItsPath() throws {
        let request = try #require(
            try Self.parse("GET http://example.fi/a/b?x=1 HTTP/1.1\r\nHost: example.fi\r\n\r\n").get().first)
        #expect(request.path == "/a/b")
        #expect(request.queryParameter("x") == "1")
    }

    static let pipelined =
        "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        + "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\n"
        + "\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n"

    static func checkPipelined(_ requests: [HTTPRequest]) {
        #expect(requests.map(\.path) == ["/a", "/b", "/c"])
        #expect(requests.map(\.bodyText) == ["hello", "abc0123456789", ""])
        // RFC 9112 §7.1.3: the decoded message is length-framed.
        #expect(requests[1].headers["Transfer-Encoding"] == nil)
        #expect(requests[1].headers["Content-Length"] == "13")
    }

    @Test func pipelinedRequestsInOneBuffer() throws {
        let requests = try Self.parse(Self.pipelined).get()
        try #require(requests.count == 3)
        Self.checkPipelined(requests)
    }

    @Test func splitAtEveryByteBoundary() throws {
        let bytes = Array(Self.pipelined.utf8)
        for split in 0...bytes.count {
            let requests = try Self.parse([Array(bytes[..<split]), Array(bytes[split...])]).get()
            try #require(requests.count == 3, "split at \(split)")
            Self.checkPipelined(requests)
        }
        let oneByOne = try Self.parse(bytes.map { [$0] }).get()
        try #require(oneByOne.count == 3)
        Self.checkPipelined(oneByOne)
    }

    @Test func phaseFollowsTheRequest() throws {
        var parser = HTTPRequestParser()
        #expect(parser.phase == .idle)
        parser.append(Array("POST / HTTP/1.1\r\nHost: h\r\n".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.phase == .head)
        parser.append(Array("Content-Length: 2\r\nExpect: 100-continue\r\n\r\n".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.phase == .body)
        let first = parser.takeContinueExpectation()
        let second = parser.takeContinueExpectation()
        #expect(first && !second)
        parser.append(Array("hi".utf8))
        #expect(try parser.next()?.bodyText == "hi")
        #expect(parser.phase == .idle)
    }

    /// With `admitsBodies`, nothing of a body is read (and no 100 Continue offered) until the caller admits it.
    @Test func bodiesWaitForAdmission() throws {
        var parser = HTTPRequestParser(admitsBodies: true)
        parser.append(
            Array("POST /chat HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhel".utf8))
        #expect(try parser.next() == nil)
        let invited = parser.takeContinueExpectation()
        #expect(!invited)
        let head = try #require(parser.headAwaitingAdmission)
        #expect(head.rawPath == "/chat" && head.contentLength == 5)
        #expect(parser.phase == .body)
        #expect(throws: HTTPParseError.bodyTooLarge) { try parser.admitBody(maxBytes: 4) }
        #expect(throws: HTTPParseError.bodyTooLarge) { try parser.next() }

        var admitted = HTTPRequestParser(admitsBodies: true)
        admitted.append(Array("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n".utf8))
        #expect(try admitted.next() == nil)
        #expect(admitted.headAwaitingAdmission?.contentLength == nil)
        try admitted.admitBody(maxBytes: 4)
        #expect(try admitted.next() == nil)
        admitted.append(Array("2\r\nde\r\n0\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.bodyTooLarge) { try admitted.next() }  // 5 decoded bytes over 4

        var refused = HTTPRequestParser(admitsBodies: true)
        refused.append(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\n".utf8))
        #expect(try refused.next() == nil)
        refused.refuseBody(.refused(status: .unauthorized, detail: "no key"))
        #expect(throws: HTTPParseError.refused(status: .unauthorized, detail: "no key")) { try refused.next() }
    }

    @Test(
        "Malformed or ambiguous requests are refused",
        arguments: [
            // RFC 9112 §6.1: both framings at once is a smuggling vector.
            ("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", HTTPParseError.contentLengthWithTransferEncoding),
            // RFC 9112 §6.3 item 5: differing lengths.
            ("Content-Length: 3\r\nContent-Length: 4\r\n", .conflictingContentLength),
            ("Content-Length: 3, 4\r\n", .conflictingContentLength),
            ("Content-Length: -1\r\n", .invalidContentLength),
            ("Content-Length: 0x10\r\n", .invalidContentLength),
            ("Content-Length: \r\n", .invalidContentLength),
            // RFC 9112 §5.1: no whitespace between field name and colon.
            ("Content-Length : 3\r\n", .invalidHeader),
            // RFC 9112 §5.2: obs-fold.
            ("X-A: one\r\n two\r\n", .invalidHeader),
            // RFC 9112 §2.2 and RFC 9110 §5.5: bare CR, NUL.
            ("X-A: one\rtwo\r\n", .invalidLineEnding),
            ("X-A: one\u{0}two\r\n", .invalidHeader),
            ("X-A: one\ntwo\r\n", .invalidLineEnding),
            (": empty-name\r\n", .invalidHeader),
            ("X(A): 1\r\n", .invalidHeader),
            // RFC 9112 §6.3 item 4 and §6.1.
            ("Transfer-Encoding: gzip\r\n", .invalidTransferEncoding),
            ("Transfer-Encoding: chunked, chunked\r\n", .invalidTransferEncoding),
            ("Transfer-Encoding: gzip, chunked\r\n", .unsupportedTransferCoding),
            // RFC 9112 §3.2: one Host only.
            ("Host: other\r\n", .missingOrDuplicateHost),
        ])
    func invalidHeaders(extra: String, expected: HTTPParseError) {
        let error = Self.error("POST / HTTP/1.1\r\nHost: h\r\n\(extra)\r\nabc")
        #expect(error == expected)
        #expect(error?.status.code == (expected.status.code))
    }

    @Test func errorStatusesMatchTheRFCs() {
        #expect(HTTPParseError.contentLengthWithTransferEncoding.status == .badRequest)
        #expect(HTTPParseError.unsupportedTransferCoding.status == .notImplemented)
        #expect(HTTPParseError.requestTargetTooLong.status == .uriTooLong)
        #expect(HTTPParseError.headersTooLarge.status == .requestHeaderFieldsTooLarge)
        #expect(HTTPParseError.bodyTooLarge.status == .contentTooLarge)
        #expect(HTTPParseError.unsupportedVersion.status == .httpVersionNotSupported)
    }

    @Test(
        "Malformed request lines are refused",
        arguments: [
            ("GET / HTTP/1.1\r\n\r\n", HTTPParseError.missingOrDuplicateHost),
            ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget),
            ("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", .invalidRequestLine),
            ("GET /\r\nHost: h\r\n\r\n", .invalidRequestLine),
            ("GET / http/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine),
            ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", .unsupportedVersion),
            ("G@T / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine),
            ("GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget),
            ("GET /%C3 HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget),
            ("GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget),
            ("GET * HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget),
            ("GET /\u{7F} HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestTarget),
            ("GET / HTTP/1.1\nHost: h\n\n", .invalidLineEnding),
            ("GET / HTTP/1.1\r\n Host: h\r\n\r\n", .invalidHeader),
            (String(repeating: "X", count: 40) + " / HTTP/1.1\r\nHost: h\r\n\r\n", .methodTooLong),
            ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .invalidTransferEncoding),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", .invalidChunkedBody),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", .invalidChunkedBody),
        ])
    func invalidRequestLines(raw: String, expected: HTTPParseError) {
        #expect(Self.error(raw) == expected)
    }

    @Test func http10NeedsNoHostAndOptionsMayTargetAsterisk() throws {
        #expect(try Self.parse("GET / HTTP/1.0\r\n\r\n").get().count == 1)
        #expect(try Self.parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").get().first?.path == "*")
    }

    @Test func identicalContentLengthsCountAsOne() throws {
        let request = try Self.parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc").get()
        #expect(request.first?.bodyText == "abc")
    }

    @Test func limits() {
        let limits = HTTPLimits(maxRequestTargetLength: 64, maxHeaderBytes: 256, maxHeaderCount: 5, maxBodyBytes: 10)
        let longTarget = "/" + String(repeating: "a", count: 64)
        // 414 once the line is complete, and also while it is still arriving (no CRLF yet).
        #expect(Self.error("GET \(longTarget) HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits) == .requestTargetTooLong)
        #expect(Self.error("GET \(longTarget + longTarget)", limits: limits) == .requestTargetTooLong)
        #expect(Self.error("GET \(String(longTarget.dropLast())) HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits) == nil)
        // 431 for total size, for size while still arriving, and for count.
        let big = "X-Big: \(String(repeating: "b", count: 300))\r\n"
        #expect(Self.error("GET / HTTP/1.1\r\nHost: h\r\n\(big)\r\n", limits: limits) == .headersTooLarge)
        #expect(Self.error("GET / HTTP/1.1\r\nHost: h\r\n\(big)", limits: limits) == .headersTooLarge)
        let many = (1...5).map { "X-\($0): v\r\n" }.joined()
        #expect(Self.error("GET / HTTP/1.1\r\nHost: h\r\n\(many)\r\n", limits: limits) == .headersTooLarge)
        // 413 from Content-Length before any body arrives, and from a chunked body as it grows.
        #expect(Self.error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits) == .bodyTooLarge)
        #expect(
            Self.error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", limits: limits)
                == .bodyTooLarge)
        let chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n"
        #expect(Self.error(chunked, limits: limits) == .bodyTooLarge)
        #expect(Self.error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits) == nil)
    }

    @Test func errorsAreSticky() {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/9.9\r\n".utf8))
        #expect(throws: HTTPParseError.unsupportedVersion) { try parser.next() }
        parser.append(Array("Host: h\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.unsupportedVersion) { try parser.next() }
    }

    @Test func persistenceFollowsRFC9112Section9() throws {
        func keepAlive(_ version: String, _ connection: String?) throws -> Bool {
            let header = connection.map { "Connection: \($0)\r\n" } ?? ""
            return try #require(try Self.parse("GET / \(version)\r\nHost: h\r\n\(header)\r\n").get().first).keepAlive
        }
        #expect(try keepAlive("HTTP/1.1", nil))
        #expect(try !keepAlive("HTTP/1.1", "close"))
        #expect(try !keepAlive("HTTP/1.1", "Upgrade, Close"))
        #expect(try !keepAlive("HTTP/1.0", nil))
        #expect(try keepAlive("HTTP/1.0", "keep-alive"))
    }
}
