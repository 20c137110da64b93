@_spi(InMemory) import NeuvoHTTP

/// Runs a responder in memory, through the same pipeline as the server (request id, error rendering,
/// `Date`, `Content-Length`, access log and metrics hooks), but without sockets or threads. Test support only: the
/// product never reaches it.
public struct HTTPTestClient: Sendable {
    let responder: any HTTPResponder
    let configuration: HTTPServerConfiguration

    public init(responder: any HTTPResponder, configuration: HTTPServerConfiguration = HTTPServerConfiguration()) {
        self.responder = responder
        self.configuration = configuration
    }

    /// The response as the server would send it (a HEAD response keeps its Content-Length, loses its body).
    public func execute(_ request: HTTPRequest, remoteAddress: String = "127.0.0.1:0") async -> HTTPResponse {
        await configuration.exchange(request, responder: responder, remoteAddress: remoteAddress)
    }

    public func execute(
        _ method: HTTPMethod, _ target: String, headers: HTTPHeaders = [:], body: [UInt8] = []
    ) async -> HTTPResponse {
        var headers = headers
        if !headers.contains("Host") { headers["Host"] = "localhost" }
        return await execute(HTTPRequest(method: method, target: target, headers: headers, body: body))
    }
}
