import NeuvoConversation
import NeuvoHTTP

/// The API key a request authenticated with, put in the context by `BearerAuthentication.apiKey`.
enum AuthenticatedKey: RequestContextKey {
    typealias Value = APIKeyStore.Key
}

/// The resident bound to the request's session, put in the context by `BearerAuthentication.residentSession`.
enum IdentifiedResident: RequestContextKey {
    typealias Value = String
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

    /// The resident of a route in a `BearerAuthentication.residentSession` group.
    func residentID() throws -> String {
        guard let resident = self[IdentifiedResident.self] else { throw Problem.unauthorized("no session") }
        return resident
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
    /// A resident: the bearer session must be one a notice link opened; anonymous or unknown sessions are refused.
    static func residentSession(_ conversations: ConversationStore) -> Self {
        Self(missing: "send Authorization: Bearer <session_id> of a session opened from a notice link") { token in
            guard let residentID = try await conversations.residentID(of: SessionID(rawValue: token)) else {
                throw Problem.unauthorized("the session is unknown or not identified; open the link in your notice")
            }
            return residentID
        }
    }
}
