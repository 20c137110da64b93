/// A complete response. The server adds `Content-Length`, `Date`, `Connection` and the request id header.
///
/// A response with a `stream` is written as its chunks come instead (server-sent events): the server frames it with
/// chunked transfer coding and ignores `body`.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// A body that is not complete yet; nil for an ordinary response.
    public var stream: HTTPBodyStream?

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is written chunk by chunk as `stream` yields them.
    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], stream: HTTPBodyStream) {
        self.status = status
        self.headers = headers
        self.body = []
        self.stream = stream
    }

    /// A UTF-8 text response.
    public static func text(_ text: String, status: HTTPStatus = .ok, contentType: String = "text/plain; charset=utf-8")
        -> HTTPResponse
    {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
    }

    /// A response carrying already-encoded JSON.
    public static func json(_ body: [UInt8], status: HTTPStatus = .ok, contentType: String = "application/json")
        -> HTTPResponse
    {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: body)
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// The body of a streamed response: chunks written to the socket as they are yielded, in order.
///
/// The connection stays counted against the server's caps while it streams. The stream ends when `chunks` finishes
/// (the response is then complete), when the client goes away or stops reading (more than `maxPendingBytes` not
/// yet taken), or when the server stops; in the last three cases the sequence is cancelled, so its producer's
/// `onTermination` runs.
public struct HTTPBodyStream: Sendable {
    public let chunks: AsyncStream<[UInt8]>
    /// Written whenever nothing else was for this long (`heartbeatBytes`, an event-stream comment), so that proxies
    /// and the client see a live connection; nil for none.
    public let heartbeatInterval: Duration?
    public let heartbeatBytes: [UInt8]
    /// A client that leaves this much unread is dropped rather than buffered for without bound.
    public let maxPendingBytes: Int

    public init(
        chunks: AsyncStream<[UInt8]>, heartbeatInterval: Duration? = nil, heartbeatBytes: [UInt8] = [],
        maxPendingBytes: Int = 1 << 20
    ) {
        self.chunks = chunks
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatBytes = heartbeatBytes
        self.maxPendingBytes = maxPendingBytes
    }
}
