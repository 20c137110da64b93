import NeuvoConversation
import NeuvoHTTP
import NeuvoSupport

/// The API key a request authenticated with, put in the context by `BearerAuthentication.apiKey`.
enum AuthenticatedKey: RequestContextKey {
    typealias Value = APIKeyStore.Key
}

/// The identified session of the request, put in the context by `BearerAuthentication.residentSession`.
enum IdentifiedResident: RequestContextKey {
    typealias Value = IdentifiedSession
}

extension HTTPRequest {
    /// The token of `Authorization: Bearer <token>` (the scheme is case-insensitive), or nil.
    var bearerToken: String? {
        guard let header = headers["Authorization"], header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}

extension RequestContext {
    /// The API key of a route in a `BearerAuthentication.apiKey` group.
    func apiKey() throws -> APIKeyStore.Key {
        guard let key = self[AuthenticatedKey.self] else { throw Problem.unauthorized("no API key") }
        return key
    }

    /// The session of a route in a `BearerAuthentication.residentSession` group.
    func session() throws -> IdentifiedSession {
        guard let session = self[IdentifiedResident.self] else { throw Problem.unauthorized("no session") }
        return session
    }
}

/// A bearer token turned into a typed value in the request context, or 401 before any handler runs.
struct BearerAuthentication<Key: RequestContextKey>: HTTPMiddleware {
    /// What to send, for the 401 of a request without a token.
    let missing: String
    /// The token's value, or a problem (401 unknown, 403 not allowed).
    let authenticate: @Sendable (String) async throws -> Key.Value

    func handle(
        _ request: HTTPRequest, context: RequestContext,
        next: @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        guard let token = request.bearerToken else { throw Problem.unauthorized(missing) }
        var context = context
        context[Key.self] = try await authenticate(token)
        return try await next(request, context)
    }
}

extension BearerAuthentication where Key == AuthenticatedKey {
    /// City systems and staff: a known, unrevoked API key that has `scope` (or `admin`), declared once per group.
    static func apiKey(_ keys: APIKeyStore, scope: APIScope) -> Self {
        Self(missing: "send Authorization: Bearer <API key> (create one with neuvo keys create)") { token in
            guard let key = try await keys.authenticate(token) else {
                throw Problem.unauthorized("the API key is unknown or revoked")
            }
            guard key.scopes.contains(scope) || key.scopes.contains(.admin) else {
                throw Problem.forbidden("the API key lacks the scope \(scope.rawValue)")
            }
            return key
        }
    }
}

extension BearerAuthentication where Key == IdentifiedResident {
    /// A resident: the bearer session must be an identified one (a redeemed link or a strong identification),
    /// within its absolute expiry and idle limit (`ConversationStore.check`, the one check); otherwise 401.
    static func residentSession(_ conversations: ConversationStore, clock: any WallClock) -> Self {
        Self(missing: "send Authorization: Bearer <session_id> of an identified session") { token in
            switch try await conversations.check(SessionID(rawValue: token), now: clock.now()) {
            case .valid(let session): return session
            case .expired: throw Problem.sessionExpired()
            case .unknown:
                throw Problem.unauthorized("the session is unknown or not identified; open the link in your notice")
            }
        }
    }
}

extension Problem {
    /// 401 for a session past its expiry: the client starts over (the widget says so politely).
    static func sessionExpired() -> HTTPError {
        error(
            .unauthorized, "session-expired", "The session has expired",
            "the session has ended (it was idle too long or reached its maximum age); start again",
            headers: ["WWW-Authenticate": "Bearer error=\"invalid_token\""])
    }
}
