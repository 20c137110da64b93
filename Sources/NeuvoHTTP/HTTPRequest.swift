/// A complete request: head and a fully buffered body.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as received (RFC 9112 §3.2).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]

    /// The path before percent-decoding, as routing splits it: a decoded "%2F" must not become a separator.
    public private(set) var rawPath: String
    /// The percent-decoded path.
    public private(set) var path: String
    /// The raw query (after "?"), if any.
    public private(set) var query: String?
    /// Decoded query parameters in order; "+" means space, as in HTML form encoding.
    public private(set) var queryItems: [(name: String, value: String)]

    /// Builds a request; a target with invalid percent-encoding keeps the undecoded text (the parser rejects it).
    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http11, headers: HTTPHeaders = [:],
        body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        let parts = (try? RequestTarget(target)) ?? RequestTarget(lenient: target)
        rawPath = parts.rawPath
        path = parts.path
        query = parts.query
        queryItems = parts.queryItems
    }

    init(method: HTTPMethod, target: RequestTarget, version: HTTPVersion, headers: HTTPHeaders, body: [UInt8]) {
        self.method = method
        self.target = target.raw
        self.version = version
        self.headers = headers
        self.body = body
        rawPath = target.rawPath
        path = target.path
        query = target.query
        queryItems = target.queryItems
    }

    /// The first value of query parameter `name`.
    public func queryParameter(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Whether the connection stays open after this exchange (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let options = headers.listValues(for: "Connection").map { $0.lowercased() }
        if options.contains("close") { return false }
        if version == .http11 { return true }
        return version == .http10 && options.contains("keep-alive")
    }
}

/// A parsed request-target: origin-form, absolute-form or "*" (RFC 9112 §3.2).
struct RequestTarget {
    let raw: String
    let rawPath: String
    let path: String
    let query: String?
    let queryItems: [(name: String, value: String)]

    struct Invalid: Error {}

    init(_ raw: String) throws(Invalid) {
        self.raw = raw
        var pathAndQuery = Substring(raw)
        if raw == "*" {
            // asterisk-form, only meaningful for OPTIONS (RFC 9112 §3.2.4).
        } else if raw.hasPrefix("/") {
            // origin-form (RFC 9112 §3.2.1).
        } else if let scheme = raw.range(of: "://"), ["http", "https"].contains(raw[..<scheme.lowerBound].lowercased())
        {
            // absolute-form (RFC 9112 §3.2.2): keep only path and query; the authority is not routed on.
            let afterAuthority = raw[scheme.upperBound...]
            guard let slash = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }) else {
                pathAndQuery = "/"
                rawPath = "/"
                path = "/"
                query = nil
                queryItems = []
                return
            }
            pathAndQuery = afterAuthority[slash...]
            if pathAndQuery.hasPrefix("?") { pathAndQuery = "/" + pathAndQuery }
        } else {
            throw Invalid()
        }
        let questionMark = pathAndQuery.firstIndex(of: "?")
        rawPath = String(pathAndQuery[..<(questionMark ?? pathAndQuery.endIndex)])
        guard let decoded = percentDecode(rawPath) else { throw Invalid() }
        path = decoded
        if let questionMark {
            let rawQuery = pathAndQuery[pathAndQuery.index(after: questionMark)...]
            query = String(rawQuery)
            var items: [(name: String, value: String)] = []
            for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
                let equals = pair.firstIndex(of: "=")
                let name = pair[..<(equals ?? pair.endIndex)]
                let value = equals.map { pair[pair.index(after: $0)...] } ?? ""
                guard let name = percentDecode(name, plusIsSpace: true),
                    let value = percentDecode(value, plusIsSpace: true)
                else { throw Invalid() }
                items.append((name, value))
            }
            queryItems = items
        } else {
            query = nil
            queryItems = []
        }
    }

    /// For hand-built test requests with broken escapes: no decoding at all.
    init(lenient raw: String) {
        self.raw = raw
        let questionMark = raw.firstIndex(of: "?")
        rawPath = String(raw[..<(questionMark ?? raw.endIndex)])
        path = rawPath
        query = questionMark.map { String(raw[raw.index(after: $0)...]) }
        queryItems = []
    }
}

/// Decodes %XX escapes (RFC 3986 §2.1); nil for a malformed escape or bytes that are not UTF-8.
func percentDecode(_ text: some StringProtocol, plusIsSpace: Bool = false) -> String? {
    let utf8 = text.utf8
    guard utf8.contains(UInt8(ascii: "%")) || (plusIsSpace && utf8.contains(UInt8(ascii: "+"))) else {
        return String(text)
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(utf8.count)
    var iterator = utf8.makeIterator()
    while let byte = iterator.next() {
        switch byte {
        case UInt8(ascii: "%"):
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        case UInt8(ascii: "+") where plusIsSpace:
            bytes.append(UInt8(ascii: " "))
        default:
            bytes.append(byte)
        }
    }
    return String(validating: bytes, as: UTF8.self)
}

func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// A request's head before its body is read: what a `HTTPBodyPolicy` decides on.
public struct HTTPRequestHead: Sendable {
    public let method: HTTPMethod
    public let version: HTTPVersion
    public let headers: HTTPHeaders
    /// The path before percent-decoding, as routing splits it.
    public let rawPath: String
    /// The declared `Content-Length`; nil for a chunked body, whose size is known only once read.
    public let contentLength: Int?

    public init(
        method: HTTPMethod, rawPath: String, version: HTTPVersion = .http11, headers: HTTPHeaders = [:],
        contentLength: Int?
    ) {
        self.method = method
        self.rawPath = rawPath
        self.version = version
        self.headers = headers
        self.contentLength = contentLength
    }

    init(method: HTTPMethod, target: RequestTarget, version: HTTPVersion, headers: HTTPHeaders, contentLength: Int?) {
        self.init(
            method: method, rawPath: target.rawPath, version: version, headers: headers, contentLength: contentLength)
    }
}
