/// Routes by method and path pattern: literal segments, `{name}` parameters and `*` for any one segment.
///
/// A more literal route wins (`/v1/notices/latest` over `/v1/notices/{id}`). An unknown path is 404; a known
/// path without the method is 405 with `Allow` (RFC 9110 §15.5.6). HEAD falls back to GET (RFC 9110 §9.3.2).
/// Empty segments are ignored, so a trailing slash does not matter. Router middleware runs before matching,
/// so it also sees 404 and 405.
///
/// Each route may declare its largest body (`maxBodyBytes`, else `defaultMaxBodyBytes`); as the server's
/// `HTTPBodyPolicy` the router refuses a longer `Content-Length` with 413 before reading it, and runs its group's
/// `HTTPHeadCheck` middleware (an API key) before reading a large body.
public struct Router: HTTPResponder, HTTPBodyPolicy {
    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case wildcard
    }

    private struct Route: Sendable {
        let method: HTTPMethod
        let pattern: String
        let segments: [Segment]
        let responder: any HTTPResponder
        let maxBodyBytes: Int?
        let headChecks: [any HTTPHeadCheck]
    }

    private var routes: [Route] = []
    /// Indices into `routes` by segment count and first segment (nil: a parameter or wildcard first), ascending: a
    /// path is matched against the few routes that can match it, not all of them (the API has over a hundred, and
    /// every request is matched twice: for its body's admission and for its handler).
    private var candidates: [Int: [String?: [Int]]] = [:]
    private var middleware: [any HTTPMiddleware] = []
    /// The body limit of routes that declare none, and of requests no route matches.
    public var defaultMaxBodyBytes: Int

    public init(defaultMaxBodyBytes: Int = 1024 * 1024) {
        self.defaultMaxBodyBytes = defaultMaxBodyBytes
    }

    /// Adds middleware around every route, in order (the first added is outermost).
    public mutating func add(middleware: any HTTPMiddleware) {
        self.middleware.append(middleware)
    }

    public mutating func on(
        _ method: HTTPMethod, _ pattern: String, maxBodyBytes: Int? = nil, headChecks: [any HTTPHeadCheck] = [],
        use responder: any HTTPResponder
    ) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            if part == "*" { return .wildcard }
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
        let first: String? =
            if case .literal(let literal) = segments.first { literal } else { nil }
        candidates[segments.count, default: [:]][first, default: []].append(routes.count)
        routes.append(
            Route(
                method: method, pattern: pattern, segments: segments, responder: responder, maxBodyBytes: maxBodyBytes,
                headChecks: headChecks))
    }

    /// The routes that can match a path of these segments, in the order they were added.
    private func candidates(for path: [String]) -> [Int] {
        guard let bySegment = candidates[path.count] else { return [] }
        let literal = path.first.flatMap { bySegment[$0] } ?? []
        let open = bySegment[nil] ?? []
        if open.isEmpty { return literal }
        if literal.isEmpty { return open }
        return (literal + open).sorted()
    }

    public mutating func on(
        _ method: HTTPMethod, _ pattern: String, maxBodyBytes: Int? = nil,
        handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) {
        on(method, pattern, maxBodyBytes: maxBodyBytes, use: ClosureResponder(handler))
    }

    public mutating func get(
        _ pattern: String, handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) { on(.get, pattern, handler: handler) }

    public mutating func post(
        _ pattern: String, maxBodyBytes: Int? = nil,
        handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) { on(.post, pattern, maxBodyBytes: maxBodyBytes, handler: handler) }

    public mutating func put(
        _ pattern: String, handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) { on(.put, pattern, handler: handler) }

    public mutating func patch(
        _ pattern: String, handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) { on(.patch, pattern, handler: handler) }

    public mutating func delete(
        _ pattern: String, handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) { on(.delete, pattern, handler: handler) }

    /// Routes under `prefix` that share `middleware` (the first is outermost), declared once for the group: for
    /// example authentication and the scope a group of endpoints needs. The middleware runs once a route of the
    /// group matched, so unknown paths stay 404 and unauthorized requests never reach a handler.
    public mutating func group(
        _ prefix: String, middleware: [any HTTPMiddleware] = [], _ build: (inout RouteGroup) -> Void
    ) {
        var group = RouteGroup(prefix: prefix, middleware: middleware)
        build(&group)
        let headChecks = middleware.compactMap { $0 as? any HTTPHeadCheck }
        for route in group.routes {
            on(
                route.method, route.pattern, maxBodyBytes: route.maxBodyBytes, headChecks: headChecks,
                use: route.responder)
        }
    }

    public func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        if middleware.isEmpty { return try await route(request, context) }
        let inner = ClosureResponder { request, context in try await route(request, context) }
        return try await MiddlewareResponder(middleware: middleware, responder: inner).respond(
            to: request, context: context)
    }

    private func route(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let best = try find(request.method, rawPath: request.rawPath, displayPath: request.path)
        context.matchedRoute.pattern.withLock { $0 = best.route.pattern }
        var context = context
        context.pathParameters = best.parameters
        return try await best.route.responder.respond(to: request, context: context)
    }

    /// The route's declared limit, and its group's head checks; a path no route serves gets the default limit
    /// (the request is refused with 404 or 405 once read).
    public func admission(for head: HTTPRequestHead) -> BodyAdmission {
        guard let route = try? find(head.method, rawPath: head.rawPath, displayPath: head.rawPath).route else {
            return BodyAdmission(maxBytes: defaultMaxBodyBytes)
        }
        var admission = BodyAdmission(maxBytes: route.maxBodyBytes ?? defaultMaxBodyBytes)
        let checks = route.headChecks
        if !checks.isEmpty {
            admission.check = { @Sendable (head: HTTPRequestHead) async -> HTTPError? in
                for check in checks {
                    if let error = await check.check(head) { return error }
                }
                return nil
            }
        }
        return admission
    }

    private func find(_ method: HTTPMethod, rawPath: String, displayPath: String) throws(HTTPError) -> (
        route: Route, parameters: [String: String]
    ) {
        var path: [String] = []
        for part in rawPath.split(separator: "/") {
            guard let decoded = percentDecode(part) else {
                throw HTTPError(status: .badRequest, detail: "the path has a percent-encoded part that is not UTF-8")
            }
            path.append(decoded)
        }
        var best: (index: Int, rank: [Int], parameters: [String: String])?
        var allowed = Set<String>()
        for index in candidates(for: path) {
            guard let (rank, parameters) = match(routes[index].segments, path) else { continue }
            let routeMethod = routes[index].method
            allowed.insert(routeMethod.rawValue)
            guard routeMethod == method || (method == .head && routeMethod == .get) else {
                continue
            }
            // An explicit HEAD route beats the GET fallback at equal rank.
            if let current = best {
                let higher = current.rank.lexicographicallyPrecedes(rank)
                let exactAtSameRank =
                    rank == current.rank && routeMethod == method && routes[current.index].method != method
                guard higher || exactAtSameRank else { continue }
            }
            best = (index, rank, parameters)
        }
        guard let best else {
            if allowed.isEmpty { throw HTTPError(status: .notFound, detail: "no resource at \(displayPath)") }
            if allowed.contains("GET") { allowed.insert("HEAD") }
            let methods = allowed.sorted().joined(separator: ", ")
            throw HTTPError(
                status: .methodNotAllowed, detail: "\(displayPath) accepts \(methods)", headers: ["Allow": methods])
        }
        return (routes[best.index], best.parameters)
    }

    /// The per-segment rank (2 literal, 1 parameter or wildcard) and the captured parameters, if `path` matches.
    private func match(_ segments: [Segment], _ path: [String]) -> ([Int], [String: String])? {
        guard segments.count == path.count else { return nil }
        var rank: [Int] = []
        var parameters: [String: String] = [:]
        for (segment, value) in zip(segments, path) {
            switch segment {
            case .literal(let literal):
                guard literal == value else { return nil }
                rank.append(2)
            case .parameter(let name):
                parameters[name] = value
                rank.append(1)
            case .wildcard:
                rank.append(1)
            }
        }
        return (rank, parameters)
    }
}

/// The routes of `Router.group`: each gets the group's prefix and is wrapped in its middleware.
public struct RouteGroup {
    let prefix: String
    let middleware: [any HTTPMiddleware]
    var routes: [(method: HTTPMethod, pattern: String, maxBodyBytes: Int?, responder: any HTTPResponder)] = []

    public typealias Handler = @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse

    public mutating func on(
        _ method: HTTPMethod, _ pattern: String, maxBodyBytes: Int? = nil, handler: @escaping Handler
    ) {
        let responder: any HTTPResponder =
            middleware.isEmpty
            ? ClosureResponder(handler)
            : MiddlewareResponder(middleware: middleware, responder: ClosureResponder(handler))
        routes.append((method, prefix + pattern, maxBodyBytes, responder))
    }

    public mutating func get(_ pattern: String = "", handler: @escaping Handler) { on(.get, pattern, handler: handler) }
    public mutating func post(_ pattern: String = "", maxBodyBytes: Int? = nil, handler: @escaping Handler) {
        on(.post, pattern, maxBodyBytes: maxBodyBytes, handler: handler)
    }
    public mutating func put(_ pattern: String = "", maxBodyBytes: Int? = nil, handler: @escaping Handler) {
        on(.put, pattern, maxBodyBytes: maxBodyBytes, handler: handler)
    }
    public mutating func delete(_ pattern: String = "", handler: @escaping Handler) {
        on(.delete, pattern, handler: handler)
    }
}
