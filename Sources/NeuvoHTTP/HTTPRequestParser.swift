/// Size limits that keep a client from making the server buffer without bound.
public struct HTTPLimits: Sendable {
    /// Longest request-target; longer gets 414 (RFC 9112 §3 recommends supporting at least 8000 octets).
    public var maxRequestTargetLength: Int
    /// Total bytes of the header section (and of a chunked trailer section); more gets 431 (RFC 6585 §5).
    public var maxHeaderBytes: Int
    /// Number of header fields; more gets 431.
    public var maxHeaderCount: Int
    /// Decoded body bytes; more gets 413 (RFC 9110 §15.5.14).
    public var maxBodyBytes: Int

    public init(
        maxRequestTargetLength: Int = 8192, maxHeaderBytes: Int = 16 * 1024, maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 1024 * 1024
    ) {
        self.maxRequestTargetLength = maxRequestTargetLength
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }

    /// Longer than any method we could implement: 501 (RFC 9112 §3).
    static let maxMethodLength = 32
    /// A chunk-size line with extensions; longer is an attack, not a chunk (RFC 9112 §7.1.1).
    static let maxChunkSizeLine = 1024
}

/// Why a request was refused before reaching a handler; `status` is the response to send.
/// After any of these the connection closes, since the message framing can no longer be trusted.
public enum HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidRequestLine
    case invalidRequestTarget
    case methodTooLong
    case requestTargetTooLong
    case unsupportedVersion
    case invalidLineEnding
    case invalidHeader
    case headersTooLarge
    case missingOrDuplicateHost
    case invalidContentLength
    case conflictingContentLength
    case contentLengthWithTransferEncoding
    case invalidTransferEncoding
    case unsupportedTransferCoding
    case invalidChunkedBody
    case bodyTooLarge
    /// The head was refused before its body was read (the route's policy: 401, 503, ...).
    case refused(status: HTTPStatus, detail: String)

    public var status: HTTPStatus {
        switch self {
        case .methodTooLong, .unsupportedTransferCoding: .notImplemented
        case .requestTargetTooLong: .uriTooLong
        case .unsupportedVersion: .httpVersionNotSupported
        case .headersTooLarge: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .refused(let status, _): status
        default: .badRequest
        }
    }

    public var description: String {
        switch self {
        case .invalidRequestLine: "malformed request line"
        case .invalidRequestTarget: "malformed request target"
        case .methodTooLong: "method not implemented"
        case .requestTargetTooLong: "request target too long"
        case .unsupportedVersion: "HTTP version not supported"
        case .invalidLineEnding: "bare CR or LF"
        case .invalidHeader: "malformed header field"
        case .headersTooLarge: "header section too large"
        case .missingOrDuplicateHost: "exactly one Host header is required"
        case .invalidContentLength: "malformed Content-Length"
        case .conflictingContentLength: "conflicting Content-Length values"
        case .contentLengthWithTransferEncoding: "both Content-Length and Transfer-Encoding"
        case .invalidTransferEncoding: "chunked is not the final transfer coding"
        case .unsupportedTransferCoding: "transfer coding not implemented"
        case .invalidChunkedBody: "malformed chunked body"
        case .bodyTooLarge: "content too large"
        case .refused(_, let detail): detail
        }
    }
}

/// An incremental HTTP/1.1 request parser (RFC 9112): append bytes as they arrive, take complete requests.
///
/// It needs no socket, so it is tested byte by byte. Strict where leniency enables request smuggling:
/// CRLF line endings only, no obs-fold, no whitespace before a colon, exactly one framing.
/// Chunked request bodies are decoded (RFC 9112 §7.1), trailer fields discarded.
public struct HTTPRequestParser: Sendable {
    /// Where the parser is, which decides the read timeout that applies.
    public enum Phase: Sendable, Equatable {
        /// Between requests with nothing buffered.
        case idle
        /// Inside a request line or header section.
        case head
        /// Reading a body.
        case body
    }

    public let limits: HTTPLimits
    /// Whether a head with a body waits in `headAwaitingAdmission` until `admitBody` says how much may be read.
    public let admitsBodies: Bool

    private enum State {
        case requestLine(emptyLines: Int)
        case headers
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
        /// A complete head whose body is not read until the caller admits it.
        case admission
    }

    private var buffer: [UInt8] = []
    /// Start of the unconsumed bytes in `buffer`.
    private var position = 0
    /// How far the current line has been searched for LF, so byte-at-a-time input stays linear.
    private var scanned = 0
    private var state = State.requestLine(emptyLines: 0)
    private var failure: HTTPParseError?

    // The request being assembled; kept out of `state` so appending to the body never copies it.
    private var method = HTTPMethod.get
    private var target: RequestTarget?
    private var version = HTTPVersion.http11
    private var headers = HTTPHeaders()
    private var headerBytes = 0
    private var body: [UInt8] = []
    private var continueExpected = false
    /// The body limit of the request being read: `limits.maxBodyBytes`, or less once admitted.
    private var bodyLimit: Int
    /// Where `admitBody` resumes: the fixed body or the first chunk size.
    private var admittedState = State.chunkSize
    private var pendingHead: HTTPRequestHead?

    public init(limits: HTTPLimits = HTTPLimits(), admitsBodies: Bool = false) {
        self.limits = limits
        self.admitsBodies = admitsBodies
        bodyLimit = limits.maxBodyBytes
    }

    /// A head whose body has not been read yet, while the parser waits for `admitBody` (only with `admitsBodies`).
    public var headAwaitingAdmission: HTTPRequestHead? { pendingHead }

    /// Lets the waiting body be read, at most `maxBytes` of it (and never more than `limits.maxBodyBytes`);
    /// a declared length beyond that is refused now, before any of the body is read.
    public mutating func admitBody(maxBytes: Int) throws(HTTPParseError) {
        guard case .admission = state, let head = pendingHead else { return }
        bodyLimit = min(maxBytes, limits.maxBodyBytes)
        pendingHead = nil
        if let length = head.contentLength, length > bodyLimit {
            failure = .bodyTooLarge
            throw .bodyTooLarge
        }
        continueExpected = expectsContinue
        state = admittedState
    }

    /// Refuses the waiting head: every later `next()` throws `error`.
    public mutating func refuseBody(_ error: HTTPParseError) {
        pendingHead = nil
        failure = error
    }

    public var phase: Phase {
        switch state {
        case .requestLine(let emptyLines): position == buffer.count && emptyLines == 0 ? .idle : .head
        case .headers: .head
        default: .body
        }
    }

    /// Bytes received but not yet consumed (for example the start of a pipelined request).
    public var bufferedByteCount: Int { buffer.count - position }

    public mutating func append(_ bytes: some Collection<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    /// True once per request whose head asked for `Expect: 100-continue` before sending its body
    /// (RFC 9110 §10.1.1); the caller then sends an interim 100 response.
    public mutating func takeContinueExpectation() -> Bool {
        defer { continueExpected = false }
        return continueExpected
    }

    /// The next complete request, nil if more bytes are needed, or the reason to refuse the connection.
    public mutating func next() throws(HTTPParseError) -> HTTPRequest? {
        if let failure { throw failure }
        do {
            let request = try parse()
            compact()
            return request
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func parse() throws(HTTPParseError) -> HTTPRequest? {
        while true {
            switch state {
            case .requestLine(let emptyLines):
                guard let line = try nextLine(orThrow: .invalidLineEnding) else {
                    try checkPartialRequestLine()
                    return nil
                }
                if line.isEmpty {
                    // RFC 9112 §2.2: ignore empty lines before the request-line, but not forever.
                    guard emptyLines < 8 else { throw .invalidRequestLine }
                    state = .requestLine(emptyLines: emptyLines + 1)
                    continue
                }
                try parseRequestLine(line)
                state = .headers
            case .headers:
                guard let line = try nextLine(orThrow: .invalidLineEnding) else {
                    if headerBytes + (buffer.count - position) > limits.maxHeaderBytes { throw .headersTooLarge }
                    return nil
                }
                headerBytes += line.count + 2
                if headerBytes > limits.maxHeaderBytes { throw .headersTooLarge }
                if line.isEmpty {
                    if let request = try finishHead() { return request }
                    continue
                }
                let (name, value) = try parseField(line)
                guard headers.count < limits.maxHeaderCount else { throw .headersTooLarge }
                headers.add(name: name, value: value)
            case .fixedBody(let remaining):
                let count = min(remaining, buffer.count - position)
                guard count > 0 else { return nil }
                body.append(contentsOf: buffer[position..<position + count])
                position += count
                scanned = position
                if remaining == count { return finishRequest() }
                state = .fixedBody(remaining: remaining - count)
            case .chunkSize:
                guard let line = try nextLine(orThrow: .invalidChunkedBody) else {
                    if buffer.count - position > HTTPLimits.maxChunkSizeLine { throw .invalidChunkedBody }
                    return nil
                }
                let size = try parseChunkSize(line)
                state = size == 0 ? .trailers(bytes: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let count = min(remaining, buffer.count - position)
                guard count > 0 else { return nil }
                body.append(contentsOf: buffer[position..<position + count])
                position += count
                scanned = position
                state = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)
            case .chunkDataEnd:
                guard buffer.count - position >= 2 else { return nil }
                guard buffer[position] == cr, buffer[position + 1] == lf else { throw .invalidChunkedBody }
                position += 2
                scanned = position
                state = .chunkSize
            case .admission:
                return nil
            case .trailers(let bytes):
                guard let line = try nextLine(orThrow: .invalidChunkedBody) else {
                    if bytes + (buffer.count - position) > limits.maxHeaderBytes { throw .headersTooLarge }
                    return nil
                }
                if line.isEmpty {
                    // RFC 9112 §7.1.3: the decoded message is framed by length, no longer chunked.
                    headers.remove("Transfer-Encoding")
                    headers["Content-Length"] = String(body.count)
                    return finishRequest()
                }
                let total = bytes + line.count + 2
                if total > limits.maxHeaderBytes { throw .headersTooLarge }
                _ = try parseField(line)  // RFC 9112 §7.1.2: trailer fields may be discarded; still checked.
                state = .trailers(bytes: total)
            }
        }
    }

    // MARK: Lines

    private let cr = UInt8(ascii: "\r")
    private let lf = UInt8(ascii: "\n")

    /// The next CRLF-terminated line without its CRLF, or nil if none is complete yet.
    private mutating func nextLine(orThrow error: HTTPParseError) throws(HTTPParseError) -> ArraySlice<UInt8>? {
        guard let newline = buffer[scanned...].firstIndex(of: lf) else {
            scanned = buffer.count
            return nil
        }
        // RFC 9112 §2.2: a bare CR must be rejected; we also refuse a bare LF as terminator (allowed, not required).
        guard newline > position, buffer[newline - 1] == cr else { throw error }
        let line = buffer[position..<newline - 1]
        if line.contains(cr) { throw error }
        position = newline + 1
        scanned = position
        return line
    }

    private mutating func checkPartialRequestLine() throws(HTTPParseError) {
        let partial = buffer[position...]
        let methodEnd = partial.firstIndex(of: UInt8(ascii: " "))
        let methodLength = (methodEnd ?? partial.endIndex) - partial.startIndex
        if methodLength > HTTPLimits.maxMethodLength { throw .methodTooLong }
        // Method, target and "HTTP/1.1" with its spaces.
        if partial.count > HTTPLimits.maxMethodLength + limits.maxRequestTargetLength + 10 {
            throw .requestTargetTooLong
        }
    }

    // MARK: Request line (RFC 9112 §3)

    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) {
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .invalidRequestLine }
        let (methodBytes, targetBytes, versionBytes) = (parts[0], parts[1], parts[2])
        if methodBytes.count > HTTPLimits.maxMethodLength { throw .methodTooLong }
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(isTokenByte) else { throw .invalidRequestLine }
        if targetBytes.count > limits.maxRequestTargetLength { throw .requestTargetTooLong }
        // Visible ASCII only; a space inside the target already failed the three-part split.
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidRequestTarget
        }
        version = try parseVersion(versionBytes)
        method = HTTPMethod(String(decoding: methodBytes, as: UTF8.self))
        do {
            target = try RequestTarget(String(decoding: targetBytes, as: UTF8.self))
        } catch {
            throw .invalidRequestTarget
        }
        if target?.raw == "*" && method != .options { throw .invalidRequestTarget }
    }

    private func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        // HTTP-version = "HTTP" "/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive.
        let digits = Array(bytes)
        guard digits.count == 8, digits[..<5].elementsEqual("HTTP/".utf8), digits[6] == UInt8(ascii: "."),
            let major = digitValue(digits[5]), let minor = digitValue(digits[7])
        else { throw .invalidRequestLine }
        guard major == 1 else { throw .unsupportedVersion }
        // RFC 9110 §6.2: a higher 1.x minor version is handled as the highest we implement.
        return minor == 0 ? .http10 : .http11
    }

    // MARK: Fields (RFC 9112 §5, RFC 9110 §5.5)

    private func parseField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String) {
        // A line starting with whitespace is obs-fold (RFC 9112 §5.2), which we reject.
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
            throw .invalidHeader
        }
        let name = line[..<colon]
        // RFC 9112 §5.1: no whitespace between name and colon; the token check catches it.
        guard name.allSatisfy(isTokenByte) else { throw .invalidHeader }
        var value = line[(colon + 1)...]
        // RFC 9110 §5.5: CR, LF and NUL are never valid; other controls are not field-vchars either.
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { throw .invalidHeader }
        while let first = value.first, first == 0x20 || first == 0x09 { value.removeFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    // MARK: Framing (RFC 9112 §6)

    private mutating func finishHead() throws(HTTPParseError) -> HTTPRequest? {
        // RFC 9112 §3.2: an HTTP/1.1 request needs exactly one Host; never more than one.
        let hosts = headers.values(for: "Host").count
        if hosts > 1 || (version == .http11 && hosts == 0) { throw .missingOrDuplicateHost }

        let transferCodings = headers.listValues(for: "Transfer-Encoding").map { $0.lowercased() }
        let contentLengths = headers.listValues(for: "Content-Length")
        if headers.contains("Transfer-Encoding") {
            // RFC 9112 §6.1: both headers are a smuggling attempt; §6.3 item 4 and §6.1: chunked must be final.
            if headers.contains("Content-Length") { throw .contentLengthWithTransferEncoding }
            if version == .http10 { throw .invalidTransferEncoding }
            guard transferCodings.last == "chunked", transferCodings.filter({ $0 == "chunked" }).count == 1 else {
                throw .invalidTransferEncoding
            }
            // Other codings (gzip, ...) we do not implement: 501 (RFC 9112 §6.1).
            if transferCodings.count > 1 { throw .unsupportedTransferCoding }
            awaitBody(.chunkSize, contentLength: nil)
            return nil
        }
        var length = 0
        if headers.contains("Content-Length") {
            // RFC 9110 §8.6 and RFC 9112 §6.3 item 5: 1*DIGIT; a list of identical values counts as one.
            guard let first = contentLengths.first,
                contentLengths.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { digitValue($0) != nil } })
            else { throw .invalidContentLength }
            guard contentLengths.allSatisfy({ $0 == first }) else { throw .conflictingContentLength }
            guard let value = Int(first), value <= limits.maxBodyBytes else { throw .bodyTooLarge }
            length = value
        }
        if length == 0 { return finishRequest() }
        awaitBody(.fixedBody(remaining: length), contentLength: length)
        return nil
    }

    /// Goes on to the body, or with `admitsBodies` stops before it until the caller admits it (RFC 9110 §10.1.1:
    /// a refused body is never asked for with 100 Continue).
    private mutating func awaitBody(_ next: State, contentLength: Int?) {
        guard admitsBodies else {
            continueExpected = expectsContinue
            state = next
            return
        }
        admittedState = next
        state = .admission
        pendingHead = HTTPRequestHead(
            method: method, target: target!, version: version, headers: headers, contentLength: contentLength)
    }

    private var expectsContinue: Bool {
        version == .http11 && headers.listValues(for: "Expect").contains { $0.lowercased() == "100-continue" }
    }

    private func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        // chunk = chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1); extensions are ignored (§7.1.1).
        var size = 0
        var index = line.startIndex
        while index < line.endIndex, let digit = hexValue(line[index]) {
            size = size &* 16 &+ Int(digit)
            if size > bodyLimit { throw .bodyTooLarge }
            index += 1
        }
        guard index > line.startIndex else { throw .invalidChunkedBody }
        let rest = line[index...].drop { $0 == 0x20 || $0 == 0x09 }
        guard rest.isEmpty || rest.first == UInt8(ascii: ";") else { throw .invalidChunkedBody }
        guard rest.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { throw .invalidChunkedBody }
        if body.count + size > bodyLimit { throw .bodyTooLarge }
        return size
    }

    private mutating func finishRequest() -> HTTPRequest {
        let request = HTTPRequest(method: method, target: target!, version: version, headers: headers, body: body)
        state = .requestLine(emptyLines: 0)
        target = nil
        headers = HTTPHeaders()
        headerBytes = 0
        body = []
        continueExpected = false
        bodyLimit = limits.maxBodyBytes
        return request
    }

    /// Drops consumed bytes once they dominate the buffer, keeping appends amortized linear.
    private mutating func compact() {
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if position > 4096 && position > buffer.count / 2 {
            buffer.removeFirst(position)
        } else {
            return
        }
        scanned -= position
        position = 0
    }
}

/// tchar (RFC 9110 §5.6.2).
private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"):
        true
    default:
        "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

private func digitValue(_ byte: UInt8) -> Int? {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
}
