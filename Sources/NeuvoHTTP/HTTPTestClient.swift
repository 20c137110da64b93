/// Runs a responder in memory, through the same pipeline as the server (request id, error rendering,
/// `Date`, `Content-Length`, access log and metrics hooks), but without sockets or threads.
public struct HTTPTestClient: Sendable {
    let pipeline: HTTPPipeline
    let requestIDHeader: String

    public init(responder: any HTTPResponder, configuration: HTTPServerConfiguration = HTTPServerConfiguration()) {
        requestIDHeader = configuration.requestIDHeader
        pipeline = HTTPPipeline(
            responder: responder, renderer: configuration.errorRenderer, requestIDHeader: configuration.requestIDHeader,
            accessLog: configuration.accessLog, metrics: configuration.metrics, errorHook: configuration.errorHook)
    }

    /// The response as the server would send it (a HEAD response keeps its Content-Length, loses its body).
    public func execute(_ request: HTTPRequest, remoteAddress: String = "127.0.0.1:0") async -> HTTPResponse {
        let start = ContinuousClock.now
        let (response, context) = await pipeline.respond(to: request, remoteAddress: remoteAddress, startTime: start)
        var finalized = ResponseEncoder.finalize(
            response, requestID: context.requestID, requestIDHeader: requestIDHeader, keepAlive: request.keepAlive,
            version: request.version)
        if request.method == .head { finalized.body = [] }
        pipeline.report(
            method: request.method.rawValue, path: request.path, status: finalized.status, bytes: finalized.body.count,
            context: context, duration: start.duration(to: .now))
        return finalized
    }

    public func execute(
        _ method: HTTPMethod, _ target: String, headers: HTTPHeaders = [:], body: [UInt8] = []
    ) async -> HTTPResponse {
        var headers = headers
        if !headers.contains("Host") { headers["Host"] = "localhost" }
        return await execute(HTTPRequest(method: method, target: target, headers: headers, body: body))
    }
}
