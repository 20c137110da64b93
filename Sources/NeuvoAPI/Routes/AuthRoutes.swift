import Foundation
import NeuvoArrangements
import NeuvoConversation
import NeuvoCore
import NeuvoCrypto
import NeuvoHTTP
import NeuvoSupport

/// Strong identification through the city's OpenID provider: `GET /auth/login?return=/path` sends the browser to
/// the provider, `GET /auth/callback` comes back with a code, exchanged on the back channel for an ID token whose
/// signature and claims are checked; the resident found by `oidc.resident_claim` gets a `strong` session.
extension APIRoutes {
    /// `return` must be a path on this origin: "/..." but not "//host" or "/\host" (browsers read both as another
    /// host), and only visible ASCII. Anything else would make Neuvo an open redirector.
    static func sameOriginPath(_ value: String?) -> String? {
        guard let value else { return "/" }
        guard value.hasPrefix("/"), !value.hasPrefix("//"), !value.hasPrefix("/\\"), value.count <= 512,
            value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" })
        else { return nil }
        return value
    }

    static func redirectURI(_ app: NeuvoApplication) -> String {
        app.configuration.publicBaseURL().absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            + "/auth/callback"
    }

    static func login(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        guard let returnPath = sameOriginPath(request.queryParameter("return")) else {
            throw Problem.validation("return must be a path on this site, such as /")
        }
        return try await beginLogin(app, returnPath: returnPath)
    }

    /// Staff sign in at the same provider; the callback sees the return path under `/staff/` and signs a staff member
    /// in by the roles claim instead of identifying a resident.
    static func staffLogin(_ app: NeuvoApplication) async throws -> HTTPResponse {
        try await beginLogin(app, returnPath: "/staff/")
    }

    static func beginLogin(_ app: NeuvoApplication, returnPath: String) async throws -> HTTPResponse {
        let language = Language(rawValue: app.configuration.defaultLanguage) ?? .fi
        guard let party = app.openID else {
            return try page(
                app, .serviceUnavailable, language, title: "identify.unavailable.title",
                text: "identify.unavailable.text", home: true)
        }
        let state = Base64URL.encode(SecureRandom.bytes(32))
        let nonce = Base64URL.encode(SecureRandom.bytes(32))
        let verifier = Base64URL.encode(SecureRandom.bytes(32))
        // RFC 7636 §4.2: S256, the challenge is base64url(SHA-256(verifier)).
        let challenge = Base64URL.encode(SHA256.hash(Array(verifier.utf8)))
        let location: String
        do {
            location = try await party.authorizationURL(
                state: state, nonce: nonce, challenge: challenge, redirectURI: redirectURI(app),
                acrValues: app.configuration.oidcSensitiveACR)
        } catch {
            app.logger.error("oidc.discovery_failed", ["reason": .string(error.description)])
            return try page(
                app, .serviceUnavailable, language, title: "identify.unavailable.title",
                text: "identify.unavailable.text", home: true)
        }
        try await app.logins.begin(
            state: state, login: .init(nonce: nonce, verifier: verifier, returnPath: returnPath), now: app.clock.now())
        var response = HTTPResponse(status: .found)
        response.headers["Location"] = location
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    }

    /// A staff member signed in at the provider: their roles are the configured claim's (comma- or space-separated
    /// names); without one, no session. The member is found again by issuer and subject, with the provider's current
    /// roles and name.
    static func staffSignedIn(
        _ app: NeuvoApplication, _ claims: IDTokenClaims, address: String,
        refuse: (String, HTTPStatus, String) throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        let roles = StaffRole.parse(claims.textClaims[app.configuration.staffRolesClaim] ?? "")
        guard !roles.isEmpty else {
            try await app.staff.audit(
                member: nil, action: "signin.oidc", detail: "refused: no staff role in the ID token", address: address,
                status: 403, now: app.clock.now())
            return try refuse(
                "no role in the \(app.configuration.staffRolesClaim) claim", .forbidden, "identify.failed.text")
        }
        let name = String((claims.textClaims["name"] ?? claims.subject).prefix(100))
        let (session, member) = try await app.staff.signIn(
            subject: (try await app.openID?.metadata().issuer ?? "") + " " + claims.subject, name: name, roles: roles,
            now: app.clock.now())
        return try await StaffAuthentication.signedIn(
            app, member: member, session: session, method: "oidc", detail: "signed in through the city's provider",
            address: address)
    }

    static func callback(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let address = context.clientAddress
        let language = Language(rawValue: app.configuration.defaultLanguage) ?? .fi
        func refuse(_ reason: String, status: HTTPStatus = .unauthorized, text: String = "identify.failed.text")
            throws -> HTTPResponse
        {
            app.logger.notice("oidc.login_refused", ["reason": .string(reason)])
            return try page(app, status, language, title: "identify.failed.title", text: text, home: true)
        }
        guard let party = app.openID else {
            return try page(
                app, .serviceUnavailable, language, title: "identify.unavailable.title",
                text: "identify.unavailable.text", home: true)
        }
        let now = app.clock.now()
        // The state is taken first and once: a replayed or forged callback finds no login, whatever else it has.
        guard let state = request.queryParameter("state"), !state.isEmpty, state.count <= 200,
            let login = try await app.logins.take(state: state, now: now)
        else { return try refuse("unknown, used or expired state") }
        if let error = request.queryParameter("error") {
            return try refuse("the provider answered \(error.prefix(64))")
        }
        guard let code = request.queryParameter("code"), !code.isEmpty, code.count <= 2_000 else {
            return try refuse("no code")
        }
        let claims: IDTokenClaims
        do {
            let idToken = try await party.exchange(code: code, verifier: login.verifier, redirectURI: redirectURI(app))
            let verified = try await party.verify(idToken, now: now)
            claims = try IDTokenClaims.validate(
                verified.payload,
                expecting: IDTokenExpectations(
                    issuer: try await party.metadata().issuer, clientID: party.clientID, nonce: login.nonce, now: now))
        } catch let error as OpenIDError {
            return try refuse(error.description)
        } catch let error as IDTokenError {
            return try refuse(error.description)
        }
        if login.returnPath.hasPrefix("/staff/") {
            return try await staffSignedIn(app, claims, address: address, refuse: refuse)
        }
        guard claims.assurance(sensitiveACR: app.configuration.oidcSensitiveACR) == .strong else {
            return try refuse("acr \(claims.acr ?? "none") is not strong", status: .forbidden)
        }
        guard let identity = claims.textClaims[app.configuration.oidcResidentClaim] else {
            return try refuse("no \(app.configuration.oidcResidentClaim) claim")
        }
        let candidates = app.identities.candidates(identity)
        guard let resident = try await app.gateway.arrangements.resident(identity: candidates) else {
            return try refuse(
                "no resident with this identity", status: .forbidden, text: "identify.unknown.text")
        }
        // A hash under the previous key (a rotation) is rewritten under the current one.
        if resident.identity != candidates[0], candidates.count > 1 {
            try await app.gateway.arrangements.setIdentity(candidates[0], of: resident.id)
        }
        let reply = try await app.engine.start(
            residentID: resident.id, arrangementID: nil, assurance: .strong, language: resident.locale)
        app.logger.info("oidc.login", ["assurance": .string("strong")])
        return sessionRedirect(to: login.returnPath, session: reply.sessionID)
    }
}
