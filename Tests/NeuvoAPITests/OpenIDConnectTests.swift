import Foundation
import NeuvoArrangements
import NeuvoCrypto
import NeuvoHTTP
import NeuvoNotifications
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoAPI

/// Runs a command and returns its standard output (the tests' own helper processes: openssl, the login driver).
func run(_ arguments: [String], in folder: URL? = nil) throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = folder }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try ProcessLaunch.run(process)
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

/// Against a real OpenID provider (django-oidc-provider, Tests/Peers/oidc) on 127.0.0.1: the login, and each way
/// a callback is refused that a real provider can be made to produce.
@Suite(.enabled(if: Peers.oidcAvailable, "needs python3 with Django and django-oidc-provider: \(Peers.oidcPipLine)"))
struct OpenIDProviderTests {
    static let acr = "http://ftn.ficora.fi/2017/loa3"

    /// Every log line of the test's application.
    let logs = LogSecrecyTests.Lines()

    func start(idTokenSeconds: Int = 600) async throws -> (PeerProcess, TemporaryFolder, TestAPI) {
        let folder = try TemporaryFolder()
        let provider = try await PeerProcess.start(
            "provider.py", folder: folder, in: Peers.oidcFolder, timeout: .seconds(90)
        ) { port in
            [
                String(port), folder.url.path, "https://neuvo.example/auth/callback", "--id-token-seconds",
                String(idTokenSeconds),
            ]
        }
        // The provider signs with the real time: Neuvo's clock starts there too.
        let api = try await TestAPI.make(
            logs: LogSink(format: .json, minimumLevel: .debug) { [logs] in logs.append($0) }, now: Date()
        ) { configuration in
            configuration.oidcIssuer = URL(string: "http://127.0.0.1:\(provider.port)/openid")
            configuration.oidcClientID = "neuvo"
            configuration.oidcClientSecret = "neuvo-secret"
            configuration.oidcResidentClaim = "hetu"
            configuration.oidcSensitiveACR = [Self.acr]
        }
        // The test user of the provider is resident R1, known by their personal identity code.
        var resident = try #require(try await api.app.gateway.arrangements.resident("R1"))
        resident.identity = api.app.identities.stored("131052-308T")
        try await api.app.gateway.arrangements.upsert(resident, now: api.clock.now())
        return (provider, folder, api)
    }

    /// `GET /auth/login`, then the provider's login form filled in as a browser would: the callback's path and
    /// query (the provider's redirect, not yet followed).
    func identify(_ api: TestAPI, returnPath: String = "/", providerLog: URL? = nil) async throws -> String {
        let started = await api.request(.get, "/auth/login?return=\(returnPath)")
        #expect(started.status == .found)
        let authorization = try #require(started.headers["Location"])
        #expect(authorization.contains("code_challenge_method=S256") && authorization.contains("nonce="))
        let login = try run(["python3", Peers.oidcFolder.appendingPathComponent("login.py").path, authorization])
        #expect(login.status == 0, "\(login.errors)")
        if login.status != 0, let folder = providerLog {
            print(try String(contentsOf: folder.appendingPathComponent("provider.py.stderr"), encoding: .utf8))
        }
        let callback = login.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(callback.hasPrefix("https://neuvo.example/auth/callback?"))
        // The provider issued the token at the real time, however long the login took on a loaded machine.
        api.clock.set(Date())
        return String(callback.dropFirst("https://neuvo.example".count))
    }

    @Test func aRealProviderIdentifiesTheResidentStrongly() async throws {
        let (provider, folder, api) = try await start()
        defer { provider.stop() }
        let health = try await api.app.intake.arrange(
            ArrangementRequest(
                resident: "R1", kind: "health_checkup",
                details: ["unit": "Kallion terveysasema", "time": "2027-02-01T09:00"]))
        let callback = try await identify(api, returnPath: "/palvelut", providerLog: folder.url)
        let landed = await api.request(.get, callback)
        #expect(landed.status.code == 303, "\(landed.bodyText)")
        let location = try #require(landed.headers["Location"])
        #expect(location.hasPrefix("/palvelut#session="))
        let session = String(location.split(separator: "=").last ?? "")
        let mine = await api.request(.get, "/v1/me/arrangements", bearer: session)
        #expect(object(mine)["assurance"] as? String == "strong")
        #expect(mine.bodyText.contains("Kallion terveysasema"), "a strong identification sees the details")
        let accepted = await api.request(.post, "/v1/me/arrangements/\(health.arrangementID)/accept", bearer: session)
        #expect(accepted.status == .ok)

        // The same callback again (a replayed state): nothing.
        let replayed = await api.request(.get, callback)
        #expect(replayed.status == .unauthorized && replayed.headers["Location"] == nil)

        // A code from one login delivered with another login's state: refused (the provider checks the PKCE
        // verifier of the other login against this code's challenge).
        let first = try await identify(api)
        let other = await api.request(.get, "/auth/login?return=/")
        let otherState = try #require(
            URLComponents(string: other.headers["Location"] ?? "")?.queryItems?.first { $0.name == "state" }?.value)
        var swapped = try #require(URLComponents(string: "https://neuvo.example" + first))
        swapped.queryItems = swapped.queryItems?.map {
            $0.name == "state" ? URLQueryItem(name: "state", value: otherState) : $0
        }
        let mixed = await api.request(.get, try #require(swapped.percentEncodedQuery.map { "/auth/callback?" + $0 }))
        #expect(mixed.status == .unauthorized && mixed.headers["Location"] == nil)

        // What was logged: that logins happened and why some were refused; never a code, a state, a session, the
        // identity number or its hash.
        let logged = logs.all
        #expect(logged.contains("oidc.login") && logged.contains("oidc.login_refused"))
        let code = URLComponents(string: "https://neuvo.example" + callback)?.queryItems?.first { $0.name == "code" }
        for secret in [
            "131052-308T", api.app.identities.stored("131052-308T"), session, code?.value ?? "-", otherState,
        ] {
            #expect(!logged.contains(secret), "the log holds \(secret)")
        }
    }

    /// Staff sign in to the console at the same provider, with the roles its `neuvo_roles` claim lists; a resident's
    /// login there opens no console.
    @Test func staffSignInWithTheRolesTheProviderGivesAndResidentsGetNoStaffSession() async throws {
        let (provider, folder, api) = try await start()
        defer { provider.stop() }
        func signIn(_ user: String) async throws -> HTTPResponse {
            let started = await api.request(.get, "/staff/auth/login")
            #expect(started.status == .found)
            let authorization = try #require(started.headers["Location"])
            let login = try run([
                "python3", Peers.oidcFolder.appendingPathComponent("login.py").path, authorization, user,
                "correct horse battery staple",
            ])
            #expect(login.status == 0, "\(login.errors)")
            if login.status != 0 {
                print(try String(contentsOf: folder.url.appendingPathComponent("provider.py.stderr"), encoding: .utf8))
            }
            let callback = login.output.trimmingCharacters(in: .whitespacesAndNewlines)
            api.clock.set(Date())
            return await api.request(.get, String(callback.dropFirst("https://neuvo.example".count)))
        }
        let staff = try await signIn("staff")
        #expect(staff.status.code == 303, "\(staff.bodyText)")
        #expect(staff.headers["Location"] == "/staff/")
        let cookie = try #require(staff.headers["Set-Cookie"])
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let token = String(cookie.dropFirst("neuvo_staff=".count).prefix { $0 != ";" })
        let session = object(
            await api.request(.get, "/staff/api/session", headers: [("Cookie", "neuvo_staff=\(token)")]))
        #expect(session["name"] as? String == "Sanna Henkilöstö")
        #expect(session["roles"] as? [String] == ["editor", "publisher"])

        let resident = try await signIn("resident")
        #expect(resident.status == .forbidden)
        #expect(resident.headers["Set-Cookie"] == nil)
        let audit = try await api.app.staff.auditLog()
        #expect(audit.map(\.action) == ["signin.oidc", "signin.oidc"])
        #expect(audit.first?.detail.contains("refused") == true)
    }

    @Test func anExpiredIDTokenIsRefused() async throws {
        let (provider, folder, api) = try await start(idTokenSeconds: 30)
        defer { provider.stop() }
        let callback = try await identify(api, providerLog: folder.url)
        // Neuvo's clock is past the token's exp (30 s) and the skew (60 s), still within the login's 10 minutes.
        api.clock.advance(by: 120)
        let late = await api.request(.get, callback)
        #expect(late.status == .unauthorized && late.headers["Location"] == nil)
    }

    @Test func aResidentTheCityDoesNotKnowGetsNoSession() async throws {
        let (provider, folder, api) = try await start()
        defer { provider.stop() }
        try await api.app.database.write { connection in
            try connection.execute("UPDATE residents SET identity = NULL WHERE id = 'R1'")
        }
        let callback = try await identify(api, providerLog: folder.url)
        let refused = await api.request(.get, callback)
        #expect(refused.status == .forbidden && refused.headers["Location"] == nil)
    }
}

@Suite("OpenID Connect without a provider")
struct OpenIDRulesTests {
    @Test func returnIsAlwaysAPathOnThisSite() async throws {
        #expect(APIRoutes.sameOriginPath(nil) == "/")
        #expect(APIRoutes.sameOriginPath("/palvelut?x=1") == "/palvelut?x=1")
        for hostile in ["https://evil.example/", "//evil.example/", "/\\evil.example", "evil", "/a b", "/\u{0}x", ""] {
            #expect(APIRoutes.sameOriginPath(hostile) == nil, "\(hostile)")
        }
        let api = try await TestAPI.make { configuration in
            configuration.oidcIssuer = URL(string: "http://127.0.0.1:9/openid")
            configuration.oidcClientID = "neuvo"
        }
        let open = await api.request(.get, "/auth/login?return=https://evil.example/")
        #expect(open.status == .unprocessableContent && open.headers["Location"] == nil)
        #expect(
            await api.request(.get, "/auth/login?return=//evil.example/").status == .unprocessableContent)
    }

    @Test func withoutOIDCIdentificationIsNotAvailable() async throws {
        let api = try await TestAPI.make()
        let login = await api.request(.get, "/auth/login?return=/")
        #expect(login.status == .serviceUnavailable)
        #expect(login.bodyText.contains("Tunnistautuminen ei ole käytettävissä"))
        #expect(await api.request(.get, "/auth/callback?state=x&code=y").status == .serviceUnavailable)
        // A link to a sensitive arrangement says identification is not available here, and offers no button.
        let health = try await api.app.intake.arrange(
            ArrangementRequest(
                resident: "R1", kind: "health_checkup", details: ["unit": "U", "time": "2027-02-01T09:00"]))
        let token = api.app.gateway.links.token(
            .open, residentID: "R1", arrangementID: health.arrangementID, now: api.clock.now())
        let session = try await api.redeem(token)
        let chat = object(
            await api.request(
                .post, "/v1/chat", json: #"{"session_id": "\#(session)", "text": "näytä mun järjestelyt"}"#))
        #expect((chat["reply"] as? String)?.contains("ei ole juuri nyt käytettävissä") == true)
        #expect((chat["sources"] as? [[String: Any]])?.contains { $0["kind"] as? String == "identify" } == false)
    }

    @Test func theIssuerMustBeHTTPSExceptOnLoopback() {
        for (issuer, ok) in [
            ("https://tunnistus.hel.fi/openid", true), ("http://127.0.0.1:8000/openid", true),
            ("http://localhost:8000/openid", true), ("http://tunnistus.hel.fi/openid", false),
        ] {
            let environment = ["HOME": "/nonexistent", "NEUVO_OIDC_ISSUER": issuer]
            let loaded = try? Configuration.load(environment: environment)
            #expect((loaded?.oidcIssuer != nil) == ok, "\(issuer)")
        }
    }
}

/// The ID token's claims over a verified JWS, with tokens signed at test time by an RSA key that openssl makes
/// (never committed): every check a real provider cannot be made to fail.
@Suite("ID token: signature and claims")
struct IDTokenTests {
    struct Signer {
        let folder: TemporaryFolder
        let keys: JSONWebKeySet

        init() throws {
            folder = try TemporaryFolder()
            let key = folder.url.appendingPathComponent("test-only-key.pem").path
            let made = try run(
                ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key])
            guard made.status == 0 else { throw PeerError(description: "openssl genpkey: \(made.errors)") }
            let modulus = try run(["openssl", "rsa", "-in", key, "-noout", "-modulus"]).output
                .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "Modulus=", with: "")
            let n = Base64URL.encode(try #require(Hex.decode(modulus)))
            keys = try JSONWebKeySet(
                json: Array(#"{"keys": [{"kty": "RSA", "kid": "test", "use": "sig", "n": "\#(n)", "e": "AQAB"}]}"#.utf8)
            )
        }

        func sign(_ claims: String, header: String = #"{"alg": "RS256", "kid": "test"}"#) throws -> String {
            let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
            let file = folder.url.appendingPathComponent("input")
            try Data(input.utf8).write(to: file)
            let signature = folder.url.appendingPathComponent("signature")
            let signed = try run(
                [
                    "openssl", "dgst", "-sha256", "-sign", folder.url.appendingPathComponent("test-only-key.pem").path,
                    "-out", signature.path, file.path,
                ])
            guard signed.status == 0 else { throw PeerError(description: "openssl dgst: \(signed.errors)") }
            return input + "." + Base64URL.encode(Array(try Data(contentsOf: signature)))
        }
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let expected = IDTokenExpectations(
        issuer: "https://tunnistus.hel.fi/openid", clientID: "neuvo", nonce: "n-123", now: Self.now)

    func claims(
        iss: String = "https://tunnistus.hel.fi/openid", aud: String = #""neuvo""#, azp: String? = nil,
        exp: Int = 1_800_000_300, iat: Int = 1_800_000_000, nonce: String = "n-123"
    ) -> String {
        var fields = [
            #""iss": "\#(iss)""#, #""sub": "42""#, #""aud": \#(aud)"#, #""exp": \#(exp)"#, #""iat": \#(iat)"#,
            #""nonce": "\#(nonce)""#, #""acr": "http://ftn.ficora.fi/2017/loa3""#, #""hetu": "131052-308T""#,
        ]
        if let azp { fields.append(#""azp": "\#(azp)""#) }
        return "{" + fields.joined(separator: ", ") + "}"
    }

    func check(_ token: String, with signer: Signer) throws -> IDTokenClaims {
        let verified = try JWS.verify(token, keys: signer.keys, allowed: [.rs256, .es256])
        return try IDTokenClaims.validate(verified.payload, expecting: expected)
    }

    @Test func aGoodTokenPassesAndEachBrokenRuleIsRefused() throws {
        let signer = try Signer()
        let good = try check(try signer.sign(claims()), with: signer)
        #expect(good.subject == "42" && good.textClaims["hetu"] == "131052-308T")
        #expect(good.assurance(sensitiveACR: ["http://ftn.ficora.fi/2017/loa3"]) == .strong)
        #expect(good.assurance(sensitiveACR: ["http://ftn.ficora.fi/2017/loa4"]) == nil)

        // Tampered: the payload changed after signing (another resident's identity code).
        let token = try signer.sign(claims())
        let parts = token.split(separator: ".").map(String.init)
        let forged = claims().replacingOccurrences(of: "131052-308T", with: "010101-123N")
        let tampered = parts[0] + "." + Base64URL.encode(Array(forged.utf8)) + "." + parts[2]
        #expect(throws: JWSError.badSignature) { try check(tampered, with: signer) }
        // "none" and HMAC are never accepted, whatever the token says.
        let none = Base64URL.encode(Array(#"{"alg": "none"}"#.utf8)) + "." + parts[1] + "."
        #expect(throws: JWSError.self) { try check(none, with: signer) }

        let refusals: [(String, IDTokenError)] = [
            (claims(aud: #""another-client""#), .wrongAudience),
            (claims(aud: #"["neuvo", "another-client"]"#), .wrongAuthorizedParty),
            (claims(aud: #""neuvo""#, azp: "another-client"), .wrongAuthorizedParty),
            (claims(iss: "https://evil.example/openid"), .wrongIssuer),
            (claims(exp: 1_799_999_900), .expired),
            (claims(iat: 1_800_000_600), .issuedInTheFuture),
            (claims(exp: 1_800_009_000, iat: 1_799_990_000), .tooOld),
            (claims(nonce: "n-124"), .wrongNonce),
        ]
        for (payload, error) in refusals {
            #expect(throws: error) { try check(try signer.sign(payload), with: signer) }
        }
        // Several audiences with this client as the authorized party: accepted.
        #expect(
            try check(try signer.sign(claims(aud: #"["neuvo", "other"]"#, azp: "neuvo")), with: signer).subject == "42")
        // Within the skew: expired 30 s ago is still taken.
        #expect(try check(try signer.sign(claims(exp: 1_799_999_970)), with: signer).subject == "42")
    }
}
