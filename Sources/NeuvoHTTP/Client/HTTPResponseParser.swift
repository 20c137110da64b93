/// A response as the client read it: status, header fields, and the body (cut at the parser's body limit).
public struct HTTPClientResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Whether the connection may carry another request (RFC 9112 §9.3): HTTP/1.1 without `Connection: close`,
    /// or HTTP/1.0 with `Connection: keep-alive`, and a body whose end was framed by length or chunks.
    public var keepAlive: Bool

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], keepAlive: Bool = true) {
        self.status = status
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }
}

/// Why a response could not be read.
public struct HTTPResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An incremental HTTP/1.1 response parser (RFC 9112), testable without a socket: feed it bytes as they arrive,
/// call `endOfInput()` when the peer closes, and take the response once `consume` says it is complete.
///
/// Only what a client of POST requests needs: no response to HEAD. Interim 1xx responses (100 Continue, 103)
/// are skipped (RFC 9110 §15.2). The body's length follows RFC 9112 §6.3: none for 204 and 304, chunked when
/// chunked is the final transfer coding, else Content-Length, else until the connection closes.
public struct HTTPResponseParser: Sendable {
    /// Status line plus header fields; a larger head is refused rather than buffered.
    public var headLimit = 16 * 1024
    /// The body kept; the rest is read and dropped (a provider's answer is a short JSON document).
    public var bodyLimit = 64 * 1024

    private enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    private enum State: Equatable {
        case head
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case done
    }

    private var buffer: [UInt8] = []
    /// How much of `buffer` is parsed.
    private var offset = 0
    private var state = State.head
    private var response = HTTPClientResponse(status: 0)

    /// Whether any byte of a response has arrived: a kept-alive connection closed before that may be retried.
    public private(set) var hasStarted = false

    public init() {}

    /// Ready for the next response on the same connection, keeping the buffer's memory.
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        offset = 0
        state = .head
        response = HTTPClientResponse(status: 0)
        hasStarted = false
    }

    /// Feeds bytes; true once the response is complete (bytes past it are an error: we never pipeline).
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(HTTPResponseError) -> Bool {
        guard state != .done else {
            if bytes.isEmpty { return true }
            throw HTTPResponseError("the server sent data after the end of its response")
        }
        if !bytes.isEmpty { hasStarted = true }
        buffer.append(contentsOf: bytes)
        try advance()
        if state == .done && offset < buffer.count {
            throw HTTPResponseError("the server sent data after the end of its response")
        }
        compact()
        return state == .done
    }

    /// Convenience for tests and small inputs.
    public mutating func consume(_ bytes: [UInt8]) throws(HTTPResponseError) -> Bool {
        var result: Result<Bool, HTTPResponseError> = .success(false)
        bytes.withUnsafeBytes { raw in
            do throws(HTTPResponseError) { result = .success(try consume(raw)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// The peer closed the connection: completes a body delimited by the close, fails anything unfinished.
    public mutating func endOfInput() throws(HTTPResponseError) {
        switch state {
        case .done: return
        case .untilClose:
            response.keepAlive = false
            state = .done
        case .head where buffer.isEmpty:
            throw HTTPResponseError("the server closed the connection without answering")
        default:
            throw HTTPResponseError("the server closed the connection in the middle of its response")
        }
    }

    /// The complete response; valid once `consume` returned true or `endOfInput` succeeded.
    public var finished: HTTPClientResponse? { state == .done ? response : nil }

    private mutating func compact() {
        if offset > 4096 || (offset > 0 && offset == buffer.count) {
            buffer.removeFirst(offset)
            offset = 0
        }
    }

    private mutating func keep(_ count: Int) {
        let room = bodyLimit - response.body.count
        if room > 0 { response.body.append(contentsOf: buffer[offset..<offset + min(room, count)]) }
        offset += count
    }

    private mutating func advance() throws(HTTPResponseError) {
        while true {
            switch state {
            case .done: return
            case .head:
                guard let end = lineBreakPair(from: offset) else {
                    if buffer.count - offset > headLimit {
                        throw HTTPResponseError("the response head is larger than \(headLimit) bytes")
                    }
                    return
                }
                try parseHead(buffer[offset..<end])
                offset = end + 4
            case .body(let remaining):
                let count = min(remaining, buffer.count - offset)
                keep(count)
                if count == remaining { state = .done } else { state = .body(remaining: remaining - count) }
                if count == 0 { return }
            case .untilClose:
                keep(buffer.count - offset)
                return
            case .chunkSize:
                guard let end = lineEnd(from: offset) else {
                    if buffer.count - offset > 1024 { throw HTTPResponseError("a chunk-size line is too long") }
                    return
                }
                let size = try Self.chunkSize(buffer[offset..<end])
                offset = end + 2
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let count = min(remaining, buffer.count - offset)
                keep(count)
                if count == remaining {
                    state = .chunkDataEnd
                } else {
                    state = .chunkData(remaining: remaining - count)
                }
                if count == 0 { return }
            case .chunkDataEnd:
                guard buffer.count - offset >= 2 else { return }
                guard buffer[offset] == 0x0D, buffer[offset + 1] == 0x0A else {
                    throw HTTPResponseError("a chunk does not end with CRLF")
                }
                offset += 2
                state = .chunkSize
            case .trailers:
                // RFC 9112 §7.1.2: trailer fields end with an empty line; their values are not kept.
                guard let end = lineEnd(from: offset) else {
                    if buffer.count - offset > headLimit { throw HTTPResponseError("the trailer section is too large") }
                    return
                }
                let empty = end == offset
                offset = end + 2
                if empty { state = .done }
            }
        }
    }

    private func lineEnd(from start: Int) -> Int? {
        var index = start
        while index + 1 < buffer.count {
            if buffer[index] == 0x0D && buffer[index + 1] == 0x0A { return index }
            index += 1
        }
        return nil
    }

    /// The index of the CRLF CRLF that ends the head.
    private func lineBreakPair(from start: Int) -> Int? {
        var index = start
        while index + 3 < buffer.count {
            if buffer[index + 3] == 0x0A && buffer[index + 2] == 0x0D && buffer[index + 1] == 0x0A
                && buffer[index] == 0x0D
            {
                return index
            }
            index += 1
        }
        return nil
    }

    private static let versionPrefix = Array("HTTP/1.".utf8)
    private static let contentLengthName = Array("content-length".utf8)

    /// The head's lines in place (no array of lines): each ends at LF, a CR before it is dropped.
    private static func line(in head: ArraySlice<UInt8>, from start: Int) -> (line: ArraySlice<UInt8>, next: Int) {
        var end = start
        while end < head.endIndex && head[end] != 0x0A { end += 1 }
        let contentEnd = end > start && head[end - 1] == 0x0D ? end - 1 : end
        return (head[start..<contentEnd], end + 1)
    }

    /// ASCII case-insensitive: is `name` equal to `lowercase`?
    private static func isName(_ name: ArraySlice<UInt8>, _ lowercase: [UInt8]) -> Bool {
        name.count == lowercase.count
            && zip(name, lowercase).allSatisfy { ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }
    }

    private mutating func parseHead(_ head: ArraySlice<UInt8>) throws(HTTPResponseError) {
        guard !head.isEmpty else { throw HTTPResponseError("empty response head") }
        let (statusLine, start) = Self.line(in: head, from: head.startIndex)
        // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
        guard statusLine.count >= 12, statusLine.starts(with: Self.versionPrefix),
            let minor = statusLine.dropFirst(7).first, minor == 0x30 || minor == 0x31,
            statusLine[statusLine.startIndex + 8] == 0x20
        else {
            throw HTTPResponseError("not an HTTP/1.x status line: \(Self.excerpt(statusLine))")
        }
        let codeBytes = statusLine.dropFirst(9).prefix(3)
        guard codeBytes.count == 3, codeBytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            statusLine.count == 12 || statusLine[statusLine.startIndex + 12] == 0x20
        else { throw HTTPResponseError("the status code is not three digits: \(Self.excerpt(statusLine))") }
        let status = codeBytes.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard status >= 100 else { throw HTTPResponseError("status \(status) is not a valid status code") }

        var headers = HTTPHeaders()
        // The common answer's framing, read from the bytes: exactly one Content-Length of digits only. Anything
        // else (a list, repeats, Transfer-Encoding) goes through the general rules below.
        var plainLength: Int?
        var contentLengthFields = 0
        var cursor = start
        while cursor <= head.endIndex {
            let line: ArraySlice<UInt8>
            (line, cursor) = Self.line(in: head, from: cursor)
            // RFC 9112 §5.1: no whitespace between the name and the colon; §5.2: obs-fold is refused here.
            guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex,
                line[line.startIndex] != 0x20, line[line.startIndex] != 0x09,
                line[colon - 1] != 0x20, line[colon - 1] != 0x09
            else { throw HTTPResponseError("malformed header field: \(Self.excerpt(line))") }
            var value = line[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
            guard !value.contains(0) else { throw HTTPResponseError("a header field contains NUL") }
            if Self.isName(line[..<colon], Self.contentLengthName) {
                contentLengthFields += 1
                if value.count <= 15, !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    plainLength = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                }
            }
            headers.add(
                name: String(decoding: line[..<colon], as: UTF8.self), value: String(decoding: value, as: UTF8.self))
        }
        if contentLengthFields != 1 { plainLength = nil }

        if status < 200 {
            // An interim response (RFC 9110 §15.2): the final one follows on the same connection.
            return
        }
        let isHTTP10 = minor == 0x30
        let tokens = headers.listValues(for: "connection").map { $0.lowercased() }
        var keepAlive = isHTTP10 ? tokens.contains("keep-alive") : !tokens.contains("close")

        let framing: Framing
        if status == 204 || status == 304 {
            framing = .none
        } else if headers.contains("transfer-encoding") {
            // RFC 9112 §6.3 (4): chunked must be the final coding; otherwise the body runs to the close.
            framing =
                headers.listValues(for: "transfer-encoding").last?.lowercased() == "chunked" ? .chunked : .untilClose
        } else if let plainLength {
            framing = .length(plainLength)
        } else if headers.contains("content-length") {
            // RFC 9112 §6.3 (5): several differing or invalid values are unrecoverable.
            let values = Set(headers.listValues(for: "content-length"))
            guard values.count == 1, let text = values.first, text.count <= 15,
                text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(text)
            else { throw HTTPResponseError("invalid Content-Length: \(values.sorted().joined(separator: ", "))") }
            framing = .length(length)
        } else {
            framing = .untilClose
        }
        if framing == .untilClose { keepAlive = false }
        response = HTTPClientResponse(status: status, headers: headers, body: [], keepAlive: keepAlive)
        switch framing {
        case .none, .length(0): state = .done
        case .length(let count): state = .body(remaining: count)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
    }

    /// RFC 9112 §7.1: chunk-size = 1*HEXDIG, then optional extensions after ";" (ignored).
    private static func chunkSize(_ line: ArraySlice<UInt8>) throws(HTTPResponseError) -> Int {
        let digits = line.prefix { $0 != 0x3B && $0 != 0x20 && $0 != 0x09 }
        guard !digits.isEmpty, digits.count <= 15 else {
            throw HTTPResponseError("invalid chunk size: \(excerpt(line))")
        }
        var size = 0
        for byte in digits {
            let value: Int
            switch byte {
            case 0x30...0x39: value = Int(byte - 0x30)
            case 0x41...0x46: value = Int(byte - 0x41 + 10)
            case 0x61...0x66: value = Int(byte - 0x61 + 10)
            default: throw HTTPResponseError("invalid chunk size: \(excerpt(line))")
            }
            size = size * 16 + value
        }
        return size
    }

    private static func excerpt(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.prefix(80).map { $0 >= 0x20 && $0 < 0x7F ? $0 : 0x3F }, as: UTF8.self)
    }
}
