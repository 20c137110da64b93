import NeuvoTestSupport
import Testing

@testable import NeuvoHTTP

@Suite("Router, middleware, errors and hooks, in memory")
struct RouterTests {
    static func router() -> Router {
        var router = Router()
        router.get("/v1/notices/{id}") { _, context in .text("notice \(try context.parameter("id"))") }
        router.get("/v1/notices/latest") { _, _ in .text("latest") }
        router.post("/v1/me/arrangements/{id}/accept") { request, context in
            .text("accepted \(try context.parameter("id", as: Int.self)) \(request.bodyText)")
        }
        router.delete("/v1/me/arrangements/{id}") { _, _ in HTTPResponse(status: .noContent, body: Array("x".utf8)) }
        router.get("/files/*/meta") { _, _ in .text("meta") }
        router.get("/boom") { _, _ in throw CancellationError() }
        router.get("/teapot") { _, _ in
            throw HTTPError(status: HTTPStatus(code: 418, reasonPhrase: "I'm a teapot"), detail: "short and stout")
        }
        return router
    }

    @Test func parametersAndLiteralPrecedence() async {
        let client = HTTPTestClient(responder: Self.router())
        #expect(await client.execute(.get, "/v1/notices/42").bodyText == "notice 42")
        #expect(await client.execute(.get, "/v1/notices/a%2Fb").bodyText == "notice a/b")
        #expect(await client.execute(.get, "/v1/notices/latest").bodyText == "latest")
        #expect(await client.execute(.get, "/v1/notices/42/").bodyText == "notice 42")
        #expect(await client.execute(.get, "/files/x/meta").bodyText == "meta")
        let accepted = await client.execute(.post, "/v1/me/arrangements/7/accept", body: Array("yes".utf8))
        #expect(accepted.bodyText == "accepted 7 yes")
        #expect(await client.execute(.post, "/v1/me/arrangements/seven/accept").status == .badRequest)
    }

    enum Caller: RequestContextKey {
        typealias Value = String
    }

    /// Refuses requests without `X-Caller`; hands the caller to the handlers through the typed context.
    struct RequireCaller: HTTPMiddleware {
        func handle(
            _ request: HTTPRequest, context: RequestContext,
            next: @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
        ) async throws -> HTTPResponse {
            guard let caller = request.headers["X-Caller"] else {
                throw HTTPError(status: .unauthorized, detail: "who are you")
            }
            var context = context
            context[Caller.self] = caller
            return try await next(request, context)
        }
    }

    /// A group's middleware is declared once and wraps each of its routes (not the others), after matching.
    @Test func groupsShareMiddlewareAndPassATypedContext() async {
        var router = Router()
        router.group("/v1/admin", middleware: [RequireCaller()]) { admin in
            admin.get { _, context in .text("index for \(context[Caller.self] ?? "?")") }
            admin.post("/reload/{what}") { _, context in
                .text("\(context[Caller.self] ?? "?") reloads \(try context.parameter("what"))")
            }
        }
        router.get("/open") { _, context in .text("open to \(context[Caller.self] ?? "anyone")") }
        let client = HTTPTestClient(responder: router)
        #expect(await client.execute(.get, "/v1/admin").status == .unauthorized)
        #expect(await client.execute(.get, "/v1/admin", headers: ["X-Caller": "ops"]).bodyText == "index for ops")
        let reload = await client.execute(.post, "/v1/admin/reload/catalog", headers: ["X-Caller": "ops"])
        #expect(reload.bodyText == "ops reloads catalog")
        #expect(await client.execute(.get, "/open").bodyText == "open to anyone")
        #expect(await client.execute(.get, "/v1/admin/nothing").status == .notFound)
    }

    @Test func notFoundAndMethodNotAllowed() async {
        let client = HTTPTestClient(responder: Self.router())
        #expect(await client.execute(.get, "/v1/nothing").status == .notFound)
        let wrongMethod = await client.execute(.put, "/v1/notices/1")
        #expect(wrongMethod.status == .methodNotAllowed)
        #expect(wrongMethod.headers["Allow"] == "GET, HEAD")  // RFC 9110 §15.5.6
        #expect(await client.execute(.get, "/v1/me/arrangements/1").headers["Allow"] == "DELETE")
    }

    @Test func headUsesGetWithoutBodyAndNoContentHasNoLength() async {
        let client = HTTPTestClient(responder: Self.router())
        let head = await client.execute(.head, "/v1/notices/42")
        #expect(head.status == .ok)
        #expect(head.headers["Content-Length"] == "9")
        #expect(head.body.isEmpty)
        let deleted = await client.execute(.delete, "/v1/me/arrangements/1")
        #expect(deleted.status == .noContent)
        #expect(deleted.headers["Content-Length"] == nil)  // RFC 9110 §8.6
        #expect(deleted.body.isEmpty)
    }

    @Test func everyResponseHasDateLengthAndRequestID() async {
        let client = HTTPTestClient(responder: Self.router())
        let echoed = await client.execute(.get, "/v1/notices/1", headers: ["X-Request-Id": "req-123_abc"])
        #expect(echoed.headers["X-Request-Id"] == "req-123_abc")
        #expect(echoed.headers["Content-Length"] == "8")
        #expect(echoed.headers["Date"]?.hasSuffix(" GMT") == true)
        let replaced = await client.execute(.get, "/v1/notices/1", headers: ["X-Request-Id": "bad id\u{1}"])
        #expect(replaced.headers["X-Request-Id"]?.utf8.count == 32)
        let tooLong = await client.execute(.get, "/", headers: ["X-Request-Id": String(repeating: "a", count: 200)])
        #expect(tooLong.headers["X-Request-Id"]?.utf8.count == 32)
    }

    struct ProblemRenderer: HTTPErrorRenderer {
        func response(for error: HTTPError, request: HTTPRequest?, requestID: String) -> HTTPResponse {
            var response = HTTPResponse.json(
                Array(#"{"status":\#(error.status.code),"detail":"\#(error.detail ?? "")","id":"\#(requestID)"}"#.utf8),
                status: error.status, contentType: "application/problem+json")
            for field in error.headers { response.headers.add(name: field.name, value: field.value) }
            return response
        }
    }

    @Test func errorsRenderThroughThePluggableRenderer() async throws {
        let errors = Recorder<String>()
        var configuration = HTTPServerConfiguration()
        configuration.errorRenderer = ProblemRenderer()
        configuration.errorHook = { error, context in errors.append("\(type(of: error)) \(context.requestID)") }
        let client = HTTPTestClient(responder: Self.router(), configuration: configuration)
        let teapot = await client.execute(.get, "/teapot", headers: ["X-Request-Id": "r1"])
        #expect(teapot.status.code == 418)
        #expect(teapot.headers["Content-Type"] == "application/problem+json")
        #expect(teapot.bodyText == #"{"status":418,"detail":"short and stout","id":"r1"}"#)
        let boom = await client.execute(.get, "/boom", headers: ["X-Request-Id": "r2"])
        #expect(boom.status == .internalServerError)
        #expect(!boom.bodyText.contains("Cancellation"))  // internal errors are not shown to clients
        #expect(errors.all == ["CancellationError r2"])
        let notAllowed = await client.execute(.put, "/teapot")
        #expect(notAllowed.headers["Allow"] == "GET, HEAD")
    }

    struct Tag: HTTPMiddleware {
        let name: String
        func handle(
            _ request: HTTPRequest, context: RequestContext,
            next: @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
        ) async throws -> HTTPResponse {
            var request = request
            request.headers.add(name: "X-Trail", value: name)
            var response = try await next(request, context)
            response.headers.add(name: "X-Order", value: name)
            return response
        }
    }

    @Test func middlewareRunsInOrderAroundEveryRouteIncluding404() async {
        var router = Router()
        router.add(middleware: Tag(name: "outer"))
        router.add(middleware: Tag(name: "inner"))
        router.get("/trail") { request, _ in .text(request.headers.values(for: "X-Trail").joined(separator: ",")) }
        let client = HTTPTestClient(responder: router)
        let response = await client.execute(.get, "/trail")
        #expect(response.bodyText == "outer,inner")
        #expect(response.headers.values(for: "X-Order") == ["inner", "outer"])
        // The router's 404 is thrown through the middleware, which sees it as an error, not a response.
        #expect(await client.execute(.get, "/missing").status == .notFound)
    }

    @Test func accessLogAndMetricsHooksSeeTheRoutePattern() async {
        let log = Recorder<AccessLogEntry>()
        let metrics = Recorder<RequestMetrics>()
        var configuration = HTTPServerConfiguration()
        configuration.accessLog = { log.append($0) }
        configuration.metrics = { metrics.append($0) }
        let client = HTTPTestClient(responder: Self.router(), configuration: configuration)
        _ = await client.execute(.get, "/v1/notices/99?secret=1", headers: ["X-Request-Id": "abc"])
        _ = await client.execute(.get, "/nowhere")
        #expect(log.all.count == 2)
        let entry = log.all[0]
        #expect(entry.method == "GET")
        #expect(entry.path == "/v1/notices/99")
        #expect(entry.status == 200)
        #expect(entry.bytes == 9)
        #expect(entry.requestID == "abc")
        #expect(entry.remoteAddress == "127.0.0.1:0")
        #expect(metrics.all.map(\.routePattern) == ["/v1/notices/{id}", nil])
        #expect(metrics.all.map(\.status) == [200, 404])
    }

    @Test func headersAreOrderedAndCaseInsensitive() {
        var headers: HTTPHeaders = ["A": "1", "b": "2", "a": "3"]
        #expect(headers["a"] == "1")
        #expect(headers.values(for: "A") == ["1", "3"])
        headers["A"] = "9"
        #expect(Array(headers.map(\.value)) == ["9", "2"])
        headers["B"] = nil
        #expect(headers.count == 1)
        headers.add(name: "Connection", value: "keep-alive, Upgrade")
        #expect(headers.listValues(for: "connection") == ["keep-alive", "Upgrade"])
        #expect(!HTTPHeaders.sameName("[", "{"))  // only letters fold
    }
}
