/// An error that is a response: thrown by handlers, middleware and the router.
/// `type`, `title` and `detail` follow RFC 9457 so a renderer can produce `application/problem+json`.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPStatus
    /// A URI reference identifying the problem type; nil means "about:blank".
    public var type: String?
    public var title: String?
    /// Shown to the client; must never contain secrets or personal data.
    public var detail: String?
    /// Extra response headers, such as `Allow` for 405 or `Retry-After` for 503.
    public var headers: HTTPHeaders

    public init(
        status: HTTPStatus, type: String? = nil, title: String? = nil, detail: String? = nil,
        headers: HTTPHeaders = [:]
    ) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.headers = headers
    }

    public var description: String { "HTTPError(\(status)\(detail.map { ": \($0)" } ?? ""))" }
}

/// Renders errors as responses. `request` is nil when the request could not be parsed.
public protocol HTTPErrorRenderer: Sendable {
    func response(for error: HTTPError, request: HTTPRequest?, requestID: String) -> HTTPResponse
}

/// The default: a short plain-text body.
public struct PlainTextErrorRenderer: HTTPErrorRenderer {
    public init() {}

    public func response(for error: HTTPError, request: HTTPRequest?, requestID: String) -> HTTPResponse {
        var text = error.title ?? error.status.reasonPhrase
        if let detail = error.detail { text += ": \(detail)" }
        var response = HTTPResponse.text(text + "\n", status: error.status)
        for field in error.headers { response.headers.add(name: field.name, value: field.value) }
        return response
    }
}
