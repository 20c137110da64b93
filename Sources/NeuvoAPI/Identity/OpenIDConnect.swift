import Foundation
import NeuvoCrypto
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport
import Synchronization

/// Why a login did not identify the resident; `description` is for logs and the page, never holds a token.
public struct OpenIDError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// The relying party of the city's OpenID provider (OpenID Connect Core 1.0, authorization code flow with PKCE,
/// RFC 7636): discovery from the issuer, the authorization request, the back-channel code exchange over libcurl,
/// and the ID token's signature against the provider's keys, fetched once and fetched again when a token names a
/// key not seen yet (the provider rotated), at most once a minute.
public final class OpenIDRelyingParty: Sendable {
    struct Metadata: Sendable {
        let issuer: String
        let authorizationEndpoint: String
        let tokenEndpoint: String
        let jwksURI: String
        let postAuthentication: Bool
    }

    struct Cache: Sendable {
        var metadata: Metadata?
        var keys: JSONWebKeySet?
        var keysFetched: Date?
    }

    public let issuer: String
    public let clientID: String
    let clientSecret: String?
    let fetch: CurlFetch
    let cache = Mutex(Cache())

    public init(issuer: URL, clientID: String, clientSecret: String?) {
        self.issuer =
            issuer.absoluteString.hasSuffix("/") ? String(issuer.absoluteString.dropLast()) : issuer.absoluteString
        self.clientID = clientID
        self.clientSecret = clientSecret
        fetch = CurlFetch(name: "neuvo-oidc")
    }

    /// `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4), cached once read. Its `issuer` must
    /// be the configured one (§4.3), or every token it vouches for could come from elsewhere.
    func metadata() async throws(OpenIDError) -> Metadata {
        if let known = cache.withLock({ $0.metadata }) { return known }
        let document = try await json(issuer + "/.well-known/openid-configuration")
        func field(_ name: String) throws(OpenIDError) -> String {
            guard case .string(let value) = document[name], !value.isEmpty else {
                throw OpenIDError("the provider's discovery document has no \(name)")
            }
            return value
        }
        let discovered = try field("issuer")
        guard (discovered.hasSuffix("/") ? String(discovered.dropLast()) : discovered) == issuer else {
            throw OpenIDError("the provider's discovery document names another issuer")
        }
        var methods: [String] = []
        if case .array(let listed) = document["token_endpoint_auth_methods_supported"] {
            methods = listed.compactMap { if case .string(let name) = $0 { name } else { nil } }
        }
        let metadata = Metadata(
            issuer: discovered, authorizationEndpoint: try field("authorization_endpoint"),
            tokenEndpoint: try field("token_endpoint"), jwksURI: try field("jwks_uri"),
            postAuthentication: methods.contains("client_secret_post") || !methods.contains("client_secret_basic"))
        cache.withLock { $0.metadata = metadata }
        return metadata
    }

    /// The provider's keys: cached; fetched again when `refresh` and the last fetch is a minute old.
    func keys(refresh: Bool, now: Date) async throws(OpenIDError) -> JSONWebKeySet {
        let cached = cache.withLock { ($0.keys, $0.keysFetched) }
        if let keys = cached.0, !refresh || (cached.1.map { now.timeIntervalSince($0) < 60 } ?? false) {
            return keys
        }
        let metadata = try await metadata()
        let response = try await get(metadata.jwksURI)
        do {
            let keys = try JSONWebKeySet(json: response)
            cache.withLock {
                $0.keys = keys
                $0.keysFetched = now
            }
            return keys
        } catch {
            throw OpenIDError("the provider's key set is not valid: \(error)")
        }
    }

    /// Where the resident's browser goes to identify.
    func authorizationURL(state: String, nonce: String, challenge: String, redirectURI: String, acrValues: [String])
        async throws(OpenIDError) -> String
    {
        let metadata = try await metadata()
        var query = [
            ("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI), ("scope", "openid"),
            ("state", state), ("nonce", nonce), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
        if !acrValues.isEmpty { query.append(("acr_values", acrValues.joined(separator: " "))) }
        let separator = metadata.authorizationEndpoint.contains("?") ? "&" : "?"
        return metadata.authorizationEndpoint + separator + Self.form(query)
    }

    /// The back channel (§3.1.3.1): the code and the PKCE verifier for the ID token.
    func exchange(code: String, verifier: String, redirectURI: String) async throws(OpenIDError) -> String {
        let metadata = try await metadata()
        var fields = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("code_verifier", verifier),
        ]
        var headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        if metadata.postAuthentication {
            fields.append(("client_id", clientID))
            if let clientSecret { fields.append(("client_secret", clientSecret)) }
        } else {
            // RFC 6749 §2.3.1: the id and secret form-encoded, then Basic.
            let pair = Self.encode(clientID) + ":" + Self.encode(clientSecret ?? "")
            headers.append(("Authorization", "Basic " + Data(pair.utf8).base64EncodedString()))
        }
        let response: CurlFetch.Response
        do {
            response = try await fetch.fetch(
                url: metadata.tokenEndpoint, headers: headers, body: Array(Self.form(fields).utf8))
        } catch {
            throw OpenIDError("the provider's token endpoint cannot be reached: \(error)")
        }
        guard response.status == 200 else {
            throw OpenIDError("the provider refused the code (HTTP \(response.status))")
        }
        guard let text = String(validating: response.body, as: UTF8.self), let node = try? JSONDocument.parse(text),
            let token = node["id_token"]?.stringValue
        else { throw OpenIDError("the provider's token response has no id_token") }
        return token
    }

    /// The ID token's signature (RS256, PS256 or ES256, the provider's keys only); a key id not in the cached set fetches
    /// the set again once.
    func verify(_ idToken: String, now: Date) async throws(OpenIDError) -> VerifiedJWS {
        let allowed: Set<JWSAlgorithm> = [.rs256, .ps256, .es256]
        var keys = try await keys(refresh: false, now: now)
        do {
            return try JWS.verify(idToken, keys: keys, allowed: allowed)
        } catch .noMatchingKey {
            keys = try await self.keys(refresh: true, now: now)
        } catch {
            throw OpenIDError("the ID token's signature is not valid: \(error)")
        }
        do {
            return try JWS.verify(idToken, keys: keys, allowed: allowed)
        } catch {
            throw OpenIDError("the ID token's signature is not valid: \(error)")
        }
    }

    func get(_ url: String) async throws(OpenIDError) -> [UInt8] {
        do {
            let response = try await fetch.fetch(url: url, headers: [("Accept", "application/json")])
            guard response.status == 200 else { throw OpenIDError("\(url) answered HTTP \(response.status)") }
            return response.body
        } catch let error as OpenIDError {
            throw error
        } catch {
            throw OpenIDError("\(url) cannot be reached: \(error)")
        }
    }

    func json(_ url: String) async throws(OpenIDError) -> [String: JSONValue] {
        let body = try await get(url)
        guard let text = String(validating: body, as: UTF8.self), let node = try? JSONDocument.parse(text),
            case .object(let object) = node.plain
        else { throw OpenIDError("\(url) is not a JSON object") }
        return object
    }

    /// application/x-www-form-urlencoded (the WHATWG URL standard's form serializer).
    static func form(_ fields: [(String, String)]) -> String {
        fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(
            of: "%20", with: "+")
    }
}

/// Logins under way: what the callback needs (the nonce, the PKCE verifier, where to return), under the SHA-256 of
/// the `state`. Taken once: a replayed `state` finds nothing. Ten minutes to come back.
public struct OpenIDLogins: Sendable {
    public struct Login: Sendable {
        public let nonce: String
        public let verifier: String
        public let returnPath: String
    }

    public let database: Database
    public static let lifetime: TimeInterval = 600

    public init(database: Database) {
        self.database = database
    }

    static func key(_ state: String) -> String { Hex.encode(SHA256.hash(Array(state.utf8))) }

    public func begin(state: String, login: Login, now: Date) async throws {
        try await database.write { connection in
            try connection.execute(
                "DELETE FROM oidc_logins WHERE created_at < ?", now.addingTimeInterval(-Self.lifetime))
            try connection.execute(
                "INSERT INTO oidc_logins (state_sha256, nonce, verifier, return_path, created_at) VALUES (?, ?, ?, ?, ?)",
                Self.key(state), login.nonce, login.verifier, login.returnPath, now)
        }
    }

    /// The login of `state`, removed as it is read; nil when unknown, used or too old.
    public func take(state: String, now: Date) async throws -> Login? {
        try await database.write { connection in
            guard
                let row = try connection.queryOne(
                    "DELETE FROM oidc_logins WHERE state_sha256 = ? RETURNING nonce, verifier, return_path, created_at",
                    Self.key(state))
            else { return nil }
            let created: Date = try row.get("created_at")
            guard now.timeIntervalSince(created) <= Self.lifetime else { return nil }
            return Login(
                nonce: try row.get("nonce"), verifier: try row.get("verifier"), returnPath: try row.get("return_path"))
        }
    }
}
