/// How much of a request's body may be read, decided from its head alone, before any of the body is read.
public struct BodyAdmission: Sendable {
    /// The most bytes the body may have; a longer `Content-Length` is refused with 413 at once.
    public var maxBytes: Int
    /// Run before reading a body longer than `checkAbove` bytes (or a chunked one): an API key in the headers, for
    /// example, so that an unauthenticated client never makes the server buffer a large body. An error refuses.
    public var check: (@Sendable (HTTPRequestHead) async -> HTTPError?)?
    public var checkAbove: Int

    public init(
        maxBytes: Int, checkAbove: Int = 16 * 1024, check: (@Sendable (HTTPRequestHead) async -> HTTPError?)? = nil
    ) {
        self.maxBytes = maxBytes
        self.checkAbove = checkAbove
        self.check = check
    }

    /// The 413 for a body over `maxBytes` (RFC 9110 §15.5.14).
    static func tooLarge(_ maxBytes: Int) -> HTTPError {
        HTTPError(status: .contentTooLarge, detail: "the body may have at most \(maxBytes) bytes on this route")
    }

    /// Whether `check` must run before the body of `head` is read.
    func needsCheck(_ head: HTTPRequestHead) -> Bool {
        check != nil && (head.contentLength ?? Int.max) > checkAbove
    }
}

/// Decides `BodyAdmission` per request; `Router` is one, from the limits declared with its routes.
public protocol HTTPBodyPolicy: Sendable {
    func admission(for head: HTTPRequestHead) -> BodyAdmission
}

/// Middleware that can also judge a request from its head alone (authentication from headers): a router runs it
/// before reading a large body, as well as around the handler.
public protocol HTTPHeadCheck: Sendable {
    func check(_ head: HTTPRequestHead) async -> HTTPError?
}
