import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoCrypto
import NeuvoHTTP
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoAPI
@testable import NeuvoNotifications
@testable import NeuvoStorage

/// One application over a temporary database, driven through the in-memory client (the same pipeline as the
/// socket server, without sockets).
struct TestAPI {
    static let receiptSecret = "whsec_" + Data(repeating: 9, count: 32).base64EncodedString()
    /// The outbound webhook's secret: never accepted on receipts.
    static let webhookSecret = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
    static let sharedCatalog: Catalog = try! Catalog.load(root: projectRoot)

    let app: NeuvoApplication
    let client: HTTPTestClient
    let clock: ManualClock
    let folder: URL

    static func make(
        logs: LogSink = LogSink { _ in }, now: Date = Date(timeIntervalSince1970: 1_795_600_800),
        catalog: LiveCatalog? = nil, configure: (inout Configuration) -> Void = { _ in }
    ) async throws -> TestAPI {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-api-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = Configuration(environment: [:])
        configuration.databasePath = folder.appendingPathComponent("neuvo.db").path
        configuration.smsWebhookSecret = webhookSecret
        configuration.smsReceiptSecret = receiptSecret
        configuration.linkSigningSecret = "api-test-key"
        configuration.publicBaseURL = URL(string: "https://neuvo.example")!
        configure(&configuration)
        let clock = ManualClock(now)
        let logger = Logger(label: "test", sink: logs)
        let app = try await NeuvoRuntime.open(
            configuration: configuration, logger: logger, use: .conversation, clock: clock,
            catalog: catalog ?? LiveCatalog(sharedCatalog), channels: [:]
        ).application()
        let client = HTTPTestClient(responder: APIRoutes.router(app), configuration: app.serverConfiguration())
        try await app.gateway.arrangements.upsert(
            Resident(
                id: "S1", name: "Resident S1", language: "fi", phone: "+358401234567", consentSMS: true,
                preferredChannel: .sms, quietStart: 0, quietEnd: 0),
            now: clock.now())
        for (id, lang) in [("R1", "fi"), ("R2", "sv")] {
            try await app.gateway.arrangements.upsert(
                Resident(
                    id: id, name: "Resident \(id)", language: lang, email: "\(id.lowercased())@example.org",
                    consentEmail: true),
                now: clock.now())
        }
        return TestAPI(app: app, client: client, clock: clock, folder: folder)
    }

    func request(
        _ method: HTTPMethod, _ target: String, json: String? = nil, bearer: String? = nil,
        headers: [(String, String)] = []
    ) async -> HTTPResponse {
        var fields = HTTPHeaders(headers)
        if json != nil { fields["Content-Type"] = "application/json" }
        if let bearer { fields["Authorization"] = "Bearer \(bearer)" }
        return await client.execute(method, target, headers: fields, body: Array((json ?? "").utf8))
    }

    func key(_ scopes: Set<APIScope>) async throws -> String {
        try await app.keys.create(name: "test", scopes: scopes, now: clock.now())
    }

    /// An arrangement for a resident and the session a notice link opens for them.
    func offer(to resident: String) async throws -> (arrangement: String, session: String, token: String) {
        let outcome = try await app.intake.arrange(
            ArrangementRequest(
                resident: resident, kind: "preschool_place",
                details: ["unit": "Kallion ala-aste", "start_date": "2027-08-01", "accept_by": "2027-03-15"]))
        let token = app.gateway.links.token(
            .open, residentID: resident, arrangementID: outcome.arrangementID, now: clock.now())
        return (outcome.arrangementID, try await redeem(token), token)
    }

    /// Presses the link page's button: the session the redirect hands to the widget ("" when refused).
    func redeem(_ token: String) async throws -> String {
        let redirect = await request(.post, "/r/\(token)")
        let location = redirect.headers["Location"] ?? ""
        return String(location.split(separator: "=").last ?? "")
    }
}

extension TestAPI {
    /// An SMS notice to S1, claimed and recorded as accepted by the provider: `sent`, one attempt.
    func smsWithTheProvider(recorded: Bool = true) async throws -> Notice {
        _ = try await app.intake.arrange(
            ArrangementRequest(
                resident: "S1", kind: "preschool_place",
                details: ["unit": "Kallion ala-aste", "start_date": "2027-08-01", "accept_by": "2027-03-15"],
                idempotencyKey: "sms-\(UUID())"))
        let now = clock.now()
        let claimed = try await app.gateway.notices.claim(channel: .sms, limit: 1, now: now, lease: 60)
        let notice = try #require(claimed.notices.first)
        if recorded {
            try await app.gateway.notices.record([
                AttemptResult(
                    noticeID: notice.id, attempt: 1, channel: .sms, startedAt: now, finishedAt: now,
                    outcomeName: "accepted", detail: nil, nextStatus: .sent, reason: "accepted by provider",
                    nextAttemptAt: nil, providerMessageID: nil)
            ])
        }
        return notice
    }
}

func object(_ response: HTTPResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
}

@Suite("HTTP API")
struct APITests {
    @Test func chatAnswersAndKeepsTheSession() async throws {
        let api = try await TestAPI.make()
        let first = await api.request(.post, "/v1/chat", json: #"{"text": "missä on lähin kirjasto Kalliossa?"}"#)
        #expect(first.status == .ok)
        let body = object(first)
        #expect(body["intent"] as? String == "unit.find")
        #expect(body["lang"] as? String == "fi")
        #expect((body["reply"] as? String)?.contains("Kallion kirjasto") == true)
        let session = try #require(body["session_id"] as? String)
        let second = await api.request(
            .post, "/v1/chat", json: #"{"session_id": "\#(session)", "text": "entä puhelinnumero?"}"#)
        #expect(object(second)["session_id"] as? String == session)
        #expect((object(second)["reply"] as? String)?.contains("310") == true)
    }

    /// The chat's writes (sessions, turns) run statements compiled once: a statement whose plan hangs on a bound
    /// value is compiled again at every turn (the dispatcher's status UPDATE was, beside a partial index).
    @Test func chatTurnsReuseTheirCompiledStatements() async throws {
        let api = try await TestAPI.make()
        var session: String?
        for text in [
            "missä on lähin kirjasto Kalliossa?", "entä puhelinnumero?", "när är biblioteket i Berghäll öppet?",
            "how do I apply for daycare?", "kiitos",
        ] {
            let sessionField = session.map { #""session_id": "\#($0)", "# } ?? ""
            let response = await api.request(.post, "/v1/chat", json: #"{\#(sessionField)"text": "\#(text)"}"#)
            #expect(response.status == .ok)
            session = object(response)["session_id"] as? String
        }
        #expect(try await api.app.database.write { $0.statementRepreparations } == 0)
    }

    @Test(arguments: [
        (#"{"text": 5}"#, 400, "'text' must be a string"),
        (#"{"session_id": "x"}"#, 400, "missing field 'text'"),
        ("{not json", 400, "not valid JSON"),
        (#"{"text": "hei", "lang": "de"}"#, 422, "lang must be fi, sv or en"),
        (#"["a"]"#, 400, "the body must be an object"),
    ])
    func badChatBodiesAreClearProblems(body: String, status: Int, detail: String) async throws {
        let api = try await TestAPI.make()
        let response = await api.request(.post, "/v1/chat", json: body)
        #expect(response.status.code == status)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        let problem = object(response)
        #expect(problem["status"] as? Int == status)
        #expect((problem["type"] as? String)?.hasPrefix("/problems/") == true)
        #expect((problem["detail"] as? String)?.contains(detail) == true, "\(problem)")
    }

    @Test func invalidUTF8AndWrongContentTypeAreRefused() async throws {
        let api = try await TestAPI.make()
        let invalid = await api.client.execute(
            .post, "/v1/chat", headers: ["Content-Type": "application/json"],
            body: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D])
        #expect(invalid.status == .badRequest)
        #expect(object(invalid)["detail"] as? String == "the body is not valid UTF-8")
        let text = await api.client.execute(
            .post, "/v1/chat", headers: ["Content-Type": "text/plain"], body: Array("hei".utf8))
        #expect(text.status.code == 415)
    }

    @Test func aResidentSeesOnlyTheirOwnArrangements() async throws {
        let api = try await TestAPI.make()
        let maija = try await api.offer(to: "R1")
        let erik = try await api.offer(to: "R2")
        #expect(maija.session.count == 32)
        let mine = await api.request(.get, "/v1/me/arrangements", bearer: maija.session)
        let list = try #require(object(mine)["arrangements"] as? [[String: Any]])
        #expect(list.map { $0["id"] as? String } == [maija.arrangement])
        // Erik's arrangement through Maija's session: not found, and it is not changed.
        let cross = await api.request(.post, "/v1/me/arrangements/\(erik.arrangement)/accept", bearer: maija.session)
        #expect(cross.status == .notFound)
        #expect(try await api.app.gateway.arrangements.arrangement(erik.arrangement)?.status == .offered)
        // An anonymous chat session is not an identification.
        let anonymous = object(await api.request(.post, "/v1/chat", json: #"{"text": "hei"}"#))["session_id"] as? String
        #expect(await api.request(.get, "/v1/me/arrangements", bearer: anonymous).status == .unauthorized)
        #expect(await api.request(.get, "/v1/me/arrangements").status == .unauthorized)
        #expect(
            await api.request(.get, "/v1/me/arrangements", bearer: "0123456789abcdef0123456789abcdef").status
                == .unauthorized)
    }

    @Test func acceptingChangesTheStatusOnceAndQueuesTheConfirmation() async throws {
        let api = try await TestAPI.make()
        let offer = try await api.offer(to: "R1")
        let accepted = await api.request(
            .post, "/v1/me/arrangements/\(offer.arrangement)/accept", bearer: offer.session)
        #expect(accepted.status == .ok)
        #expect(object(accepted)["status"] as? String == "accepted")
        let again = await api.request(.post, "/v1/me/arrangements/\(offer.arrangement)/decline", bearer: offer.session)
        #expect(again.status == .conflict)
        let notices = try await api.app.gateway.notices.notices(residentID: "R1")
        #expect(notices.map(\.templateID).contains("confirmation_accepted"))
    }

    @Test func tamperedAndExpiredLinksAreRefused() async throws {
        let api = try await TestAPI.make()
        let offer = try await api.offer(to: "R1")
        var tampered = Array(offer.token)
        tampered[3] = tampered[3] == "x" ? "y" : "x"
        #expect(await api.request(.get, "/r/\(String(tampered))").status == .unauthorized)
        #expect(await api.request(.post, "/r/\(String(tampered))").status == .unauthorized)
        #expect(await api.request(.get, "/r/nonsense").status == .unauthorized)
        let fresh = api.app.gateway.links.token(
            .open, residentID: "R1", arrangementID: offer.arrangement, now: api.clock.now())
        api.clock.advance(by: 15 * 24 * 3600)
        let expired = await api.request(.post, "/r/\(fresh)")
        #expect(expired.status == .unauthorized)
        #expect(expired.bodyText.contains("the link has expired"))
    }

    @Test func cityEndpointsNeedTheRightKeyAndScope() async throws {
        let api = try await TestAPI.make()
        let reader = try await api.key([.noticesRead])
        let writer = try await api.key([.arrangementsWrite])
        let body =
            #"{"resident": "R1", "kind": "preschool_place", "details": {"unit": "U", "start_date": "2027-08-01", "accept_by": "2027-03-15"}}"#
        #expect(await api.request(.post, "/v1/arrangements", json: body).status == .unauthorized)
        #expect(
            await api.request(.post, "/v1/arrangements", json: body, bearer: "neuvo_000000000000_wrong").status
                == .unauthorized)
        #expect(await api.request(.post, "/v1/arrangements", json: body, bearer: reader).status == .forbidden)
        let created = await api.request(
            .post, "/v1/arrangements", json: body, bearer: writer, headers: [("Idempotency-Key", "k1")])
        #expect(created.status == .created)
        let repeated = await api.request(
            .post, "/v1/arrangements", json: body, bearer: writer, headers: [("Idempotency-Key", "k1")])
        #expect(repeated.status == .ok)
        #expect(object(repeated)["notice_id"] as? String == object(created)["notice_id"] as? String)
        let changed = body.replacingOccurrences(of: #""unit": "U""#, with: #""unit": "Other""#)
        let conflict = await api.request(
            .post, "/v1/arrangements", json: changed, bearer: writer, headers: [("Idempotency-Key", "k1")])
        #expect(conflict.status == .conflict)
        let unknown = body.replacingOccurrences(of: "R1", with: "R404")
        #expect(
            await api.request(.post, "/v1/arrangements", json: unknown, bearer: writer).status == .unprocessableContent)

        let noticeID = try #require(object(created)["notice_id"] as? String)
        let notice = await api.request(.get, "/v1/notices/\(noticeID)", bearer: reader)
        #expect(object(notice)["status"] as? String == "queued")
        #expect(await api.request(.get, "/v1/notices/\(noticeID)", bearer: writer).status == .forbidden)
        let list = await api.request(.get, "/v1/notices?status=queued", bearer: reader)
        #expect((object(list)["notices"] as? [Any])?.count == 1)
        #expect(await api.request(.get, "/v1/notices?status=lost", bearer: reader).status == .unprocessableContent)
    }

    @Test func bulkArrangementsReportEachItem() async throws {
        let api = try await TestAPI.make()
        let writer = try await api.key([.arrangementsWrite])
        let body = """
            {"arrangements": [
              {"resident": "R1", "kind": "budgeting_vote", "details": {"district": "Kallio", "closes": "2027-01-31"}, "idempotency_key": "b1"},
              {"resident": "R404", "kind": "budgeting_vote", "details": {"district": "Kallio", "closes": "2027-01-31"}}
            ]}
            """
        let response = await api.request(.post, "/v1/arrangements", json: body, bearer: writer)
        #expect(response.status.code == 207)
        let results = try #require(object(response)["results"] as? [[String: Any]])
        #expect(results.count == 2)
        #expect(results[0]["error"] == nil || results[0]["error"] is NSNull)
        #expect((results[1]["error"] as? String)?.contains("unknown resident 'R404'") == true)
        let malformed = #"{"arrangements": [{"resident": "R1", "kind": "rocket", "details": {}}]}"#
        let refused = await api.request(.post, "/v1/arrangements", json: malformed, bearer: writer)
        #expect(refused.status == .unprocessableContent)
        #expect((object(refused)["detail"] as? String)?.contains("arrangements[0]: unknown kind 'rocket'") == true)
    }

    func signedReceipt(
        _ api: TestAPI, body: String, id: String = "msg_1", timestamp: Int? = nil,
        secret: String = TestAPI.receiptSecret
    ) throws -> [(String, String)] {
        let signer = try WebhookSigner(secret: secret)
        let time = timestamp ?? Int(api.clock.now().timeIntervalSince1970)
        return [
            ("webhook-id", id), ("webhook-timestamp", String(time)),
            ("webhook-signature", signer.sign(id: id, timestamp: time, body: Array(body.utf8))),
        ]
    }

    @Test func receiptsAreVerifiedAndNeverOverwriteAFinalStatus() async throws {
        let api = try await TestAPI.make()
        let notice = try await api.smsWithTheProvider()
        let delivered = #"{"id": "\#(notice.id)", "status": "delivered"}"#
        let first = await api.request(
            .post, "/v1/receipts/sms", json: delivered, headers: try signedReceipt(api, body: delivered))
        #expect(first.status == .ok)
        #expect(object(first)["result"] as? String == "applied")
        #expect(try await api.app.gateway.notices.notice(notice.id)?.status == .delivered)
        let failed = #"{"id": "\#(notice.id)", "status": "failed", "reason": "late"}"#
        let late = await api.request(
            .post, "/v1/receipts/sms", json: failed, headers: try signedReceipt(api, body: failed, id: "msg_2"))
        #expect(object(late)["result"] as? String == "ignored")
        #expect(try await api.app.gateway.notices.notice(notice.id)?.status == .delivered)

        var forged = try signedReceipt(api, body: delivered)
        forged[2].1 = "v1,AAAA"
        #expect(await api.request(.post, "/v1/receipts/sms", json: delivered, headers: forged).status == .unauthorized)
        let replayed = try signedReceipt(
            api, body: delivered, timestamp: Int(api.clock.now().timeIntervalSince1970) - 600)
        let stale = await api.request(.post, "/v1/receipts/sms", json: delivered, headers: replayed)
        #expect(stale.status == .unauthorized)
        let tampered = try signedReceipt(api, body: delivered)
        #expect(await api.request(.post, "/v1/receipts/sms", json: failed, headers: tampered).status == .unauthorized)
    }

    @Test func reloadRefusesABrokenCatalogAndKeepsServing() async throws {
        let api = try await TestAPI.make()
        let admin = try await api.key([.admin])
        // A copy of the catalog that the test can break.
        let copy = api.folder.appendingPathComponent("catalog")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        for folder in ["intents", "locales"] {
            try FileManager.default.copyItem(
                at: projectRoot.appendingPathComponent(folder), to: copy.appendingPathComponent(folder))
        }
        let app = try await NeuvoRuntime.open(
            configuration: api.app.configuration, logger: api.app.logger, use: .conversation, clock: api.clock,
            catalog: LiveCatalog(try Catalog.load(root: copy)), channels: [:]
        ).application()
        var configuration = HTTPServerConfiguration()
        configuration.errorRenderer = ProblemRenderer()
        let client = HTTPTestClient(responder: APIRoutes.router(app), configuration: configuration)
        try "{ broken".write(to: copy.appendingPathComponent("locales/general.json"), atomically: true, encoding: .utf8)
        let refused = await client.execute(.post, "/v1/admin/reload", headers: ["Authorization": "Bearer \(admin)"])
        #expect(refused.status == .unprocessableContent)
        #expect((object(refused)["detail"] as? String)?.contains("locales/general.json:1") == true)
        let chat = await client.execute(
            .post, "/v1/chat", headers: ["Content-Type": "application/json"], body: Array(#"{"text": "moi"}"#.utf8))
        #expect(object(chat)["intent"] as? String == "greeting")
        #expect(await client.execute(.post, "/v1/admin/reload").status == .unauthorized)
    }

    @Test func metricsAndOperations() async throws {
        let api = try await TestAPI.make()
        _ = await api.request(.post, "/v1/chat", json: #"{"text": "asdfghjkl qwerty"}"#)
        _ = await api.request(.get, "/healthz")
        #expect(await api.request(.get, "/readyz").status == .ok)
        let metrics = await api.request(.get, "/metrics")
        let text = metrics.bodyText
        #expect(text.contains(#"neuvo_http_requests_total{route="/v1/chat",method="POST",status="200"} 1"#))
        #expect(text.contains("neuvo_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1"))
        #expect(text.contains("neuvo_chat_fallbacks_total 1"))
        #expect(text.contains(#"neuvo_notices{status="queued"} 0"#))
        let openapi = await api.request(.get, "/openapi.json")
        #expect(object(openapi)["openapi"] as? String == "3.1.0")
        let page = await api.request(.get, "/")
        #expect(page.headers["Content-Security-Policy"]?.contains("script-src 'self'") == true)
        #expect(page.bodyText.contains("widget.js"))
        let etag = try #require(page.headers["ETag"])
        #expect(await api.request(.get, "/", headers: [("If-None-Match", etag)]).status == .notModified)
    }

    @Test func everyRouteIsInTheOpenAPIDocument() async throws {
        let api = try await TestAPI.make()
        let paths = try #require(object(await api.request(.get, "/openapi.json"))["paths"] as? [String: Any])
        for route in [
            "/v1/chat", "/v1/widget/texts", "/r/{token}", "/unsubscribe/{token}", "/auth/login", "/auth/callback",
            "/v1/me/arrangements", "/v1/me/arrangements/{id}/accept",
            "/v1/me/arrangements/{id}/decline", "/v1/residents/{id}", "/v1/arrangements", "/v1/notices",
            "/v1/notices/{id}",
            "/v1/admin/reload", "/v1/admin/handoffs", "/v1/receipts/sms", "/healthz", "/readyz", "/metrics",
            "/openapi.json",
            "/", "/widget.js", "/widget.css",
        ] {
            #expect(paths[route] != nil, "\(route) is not documented")
        }
    }
}

@Suite("Security review: what the logs never contain")
struct LogSecrecyTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: String { lock.withLock { lines.joined() } }
    }

    @Test func keysTokensAndPersonalDataStayOutOfTheLogs() async throws {
        let lines = Lines()
        let api = try await TestAPI.make(logs: LogSink(format: .json, minimumLevel: .debug) { lines.append($0) })
        let key = try await api.key([.arrangementsWrite])
        let offer = try await api.offer(to: "R1")
        _ = await api.request(.post, "/v1/chat", json: #"{"text": "hetuni on 131052-308T ja puhelin 040 123 4567"}"#)
        _ = await api.request(.get, "/v1/me/arrangements", bearer: offer.session)
        _ = await api.request(.post, "/v1/arrangements", json: #"{"resident": "R1"}"#, bearer: key)
        _ = await api.request(.get, "/r/\(offer.token)")
        api.app.accessLog.flush()
        let text = lines.all
        #expect(text.contains("http.request"), "the access log is written")
        for secret in [key, offer.session, offer.token, "131052-308T", "040 123 4567", "r1@example.org"] {
            #expect(!text.contains(secret), "the log contains \(secret)")
        }
        #expect(text.contains(#""route":"\/r\/{token}""#) || text.contains(#""route":"/r/{token}""#))
    }
}

@Suite("Storage failures as problems")
struct StorageFailureTests {
    @Test func aFullDiskIs507AndAReadOnlyOne503WithRetryAfter() async throws {
        var router = Router()
        router.add(middleware: StorageErrorMiddleware())
        router.post("/full") { _, _ in throw SQLiteError(code: 13, message: "database or disk is full", sql: "COMMIT") }
        router.post("/readonly") { _, _ in
            throw SQLiteError(code: 8, message: "attempt to write a readonly database", sql: "INSERT INTO x VALUES (?)")
        }
        var configuration = HTTPServerConfiguration()
        configuration.errorRenderer = ProblemRenderer()
        let client = HTTPTestClient(responder: router, configuration: configuration)
        let full = await client.execute(.post, "/full")
        #expect(full.status.code == 507)
        #expect(full.headers["Retry-After"] == "60")
        #expect(object(full)["type"] as? String == "/problems/storage-full")
        #expect((object(full)["detail"] as? String)?.contains("disk is full; nothing was stored") == true)
        #expect(!full.bodyText.contains("COMMIT"))
        let readOnly = await client.execute(.post, "/readonly")
        #expect(readOnly.status == .serviceUnavailable)
        #expect(object(readOnly)["type"] as? String == "/problems/storage-unavailable")
        #expect(!readOnly.bodyText.contains("INSERT"))
    }
}
