import Synchronization

/// Turns a request into a response. Errors thrown become responses via the configured `HTTPErrorRenderer`.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse
}

/// Wraps the rest of the chain: may inspect or replace the request, the response or the error.
public protocol HTTPMiddleware: Sendable {
    func handle(
        _ request: HTTPRequest, context: RequestContext,
        next: @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) async throws -> HTTPResponse
}

/// A responder from a closure.
public struct ClosureResponder: HTTPResponder {
    let body: @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse) {
        self.body = body
    }

    public func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        try await body(request, context)
    }
}

/// Runs `middleware` in order (the first is outermost) around `responder`.
public struct MiddlewareResponder: HTTPResponder {
    let middleware: [any HTTPMiddleware]
    let responder: any HTTPResponder

    public init(middleware: [any HTTPMiddleware], responder: any HTTPResponder) {
        self.middleware = middleware
        self.responder = responder
    }

    public func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        try await run(index: 0, request, context)
    }

    private func run(index: Int, _ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        guard index < middleware.count else { return try await responder.respond(to: request, context: context) }
        return try await middleware[index].handle(request, context: context) { request, context in
            try await run(index: index + 1, request, context)
        }
    }
}

/// What the server knows about a request beyond its bytes.
public struct RequestContext: Sendable {
    /// From a well-formed `X-Request-Id` request header, otherwise generated; echoed in the response.
    public let requestID: String
    /// The peer as "address:port".
    public let remoteAddress: String
    /// The client's address without port: the peer's, or from `X-Forwarded-For` when the peer is a trusted proxy
    /// (`HTTPServerConfiguration.trustedProxies`). What per-client limits count by.
    public let clientAddress: String
    /// When the request head was complete, for durations.
    public let startTime: ContinuousClock.Instant
    /// Parameters captured by the matched route pattern, percent-decoded.
    public internal(set) var pathParameters: [String: String] = [:]
    /// What middleware learnt about the request (an authenticated key, a session), by typed key.
    private var values: [ObjectIdentifier: any Sendable] = [:]

    let matchedRoute: RouteRecorder

    public init(
        requestID: String, remoteAddress: String, clientAddress: String? = nil,
        startTime: ContinuousClock.Instant = .now
    ) {
        self.requestID = requestID
        self.remoteAddress = remoteAddress
        self.clientAddress = clientAddress ?? hostOfRemoteAddress(remoteAddress)
        self.startTime = startTime
        self.matchedRoute = RouteRecorder()
    }

    /// The pattern of the route that handled the request (for metrics), once a router matched one.
    public var routePattern: String? { matchedRoute.pattern.withLock { $0 } }

    /// A path parameter, or 400 if absent.
    public func parameter(_ name: String) throws(HTTPError) -> String {
        guard let value = pathParameters[name] else {
            throw HTTPError(status: .badRequest, detail: "missing path parameter \(name)")
        }
        return value
    }

    /// A value middleware stored for the handlers after it (nil when none did).
    public subscript<Key: RequestContextKey>(_ key: Key.Type) -> Key.Value? {
        get { values[ObjectIdentifier(key)] as? Key.Value }
        set { values[ObjectIdentifier(key)] = newValue }
    }

    /// A path parameter converted to `T`, or 400 if it does not convert.
    public func parameter<T: LosslessStringConvertible>(_ name: String, as type: T.Type) throws(HTTPError) -> T {
        guard let value = T(try parameter(name)) else {
            throw HTTPError(status: .badRequest, detail: "invalid path parameter \(name)")
        }
        return value
    }
}

/// Names a typed value in a `RequestContext`: `enum AuthenticatedKey: RequestContextKey { typealias Value = Key }`.
public protocol RequestContextKey {
    associatedtype Value: Sendable
}

/// Shared by every copy of one request's context, so the router can report its match to the server.
final class RouteRecorder: Sendable {
    let pattern = Mutex<String?>(nil)
}
