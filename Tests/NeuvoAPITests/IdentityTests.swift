import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoHTTP
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoAPI

/// The five findings of the security review (issue 14), each reproduced as the attack was made; each now fails to
/// get in.
@Suite("Security review: resident identity and data protection")
struct IdentityFindingsTests {
    let health = ["unit": "Kallion terveysasema", "time": "2027-02-01T09:00"]

    func healthCheckup(_ api: TestAPI, for resident: String = "R1") async throws -> String {
        try await api.app.intake.arrange(
            ArrangementRequest(resident: resident, kind: "health_checkup", details: health)
        ).arrangementID
    }

    func sessions(_ api: TestAPI) async throws -> Int {
        try await api.app.database.read { connection in
            try connection.scalar("SELECT count(*) FROM conversation_sessions", as: Int.self) ?? 0
        }
    }

    /// Finding 1 (HIGH): with the budgeting system's `arrangements:write` key, change R1's email to the attacker's,
    /// send a sensitive message, open its link, read the health check-up.
    @Test func aWriteKeyCannotTakeOverAResident() async throws {
        let api = try await TestAPI.make()
        let arrangement = try await healthCheckup(api)
        let budgeting = try await api.key([.arrangementsWrite])
        let takeover =
            #"{"name": "Resident R1", "lang": "fi", "email": "attacker@example.net", "consent": {"email": true}}"#
        let refused = await api.request(.put, "/v1/residents/R1", json: takeover, bearer: budgeting)
        #expect(refused.status == .forbidden)
        #expect(try await api.app.gateway.arrangements.resident("R1")?.email == "r1@example.org")

        // A key that may change contacts: the change is audited and told to the old address...
        let registry = try await api.key([.residentsWrite])
        #expect(await api.request(.put, "/v1/residents/R1", json: takeover, bearer: registry).status == .ok)
        let audit = try await api.app.gateway.arrangements.contactChanges(of: "R1")
        #expect(audit.map(\.field) == ["email"] && audit[0].actor.hasPrefix("api key "))
        let told = try await api.app.gateway.notices.notices(residentID: "R1").filter {
            $0.templateID == "contact_changed"
        }
        #expect(told.map { $0.personalisation["previous_address"] } == ["r1@example.org"])

        // ...and the link the attacker now receives opens nothing sensitive.
        let sender = try await api.key([.arrangementsWrite])
        let notice = await api.request(
            .post, "/v1/notices",
            json:
                #"{"resident": "R1", "template": "sensitive_message", "arrangement": "\#(arrangement)", "idempotency_key": "n1"}"#,
            bearer: sender)
        #expect(notice.status == .created)
        let token = api.app.gateway.links.token(
            .open, residentID: "R1", arrangementID: arrangement, now: api.clock.now())
        let session = try await api.redeem(token)
        let mine = await api.request(.get, "/v1/me/arrangements", bearer: session)
        #expect(mine.status == .ok)
        #expect(!mine.bodyText.contains("terveysasema") && !mine.bodyText.contains("09:00"))
        #expect(object(mine)["assurance"] as? String == "link")
        let chat = await api.request(
            .post, "/v1/chat", json: #"{"session_id": "\#(session)", "text": "näytä mun järjestelyt"}"#)
        #expect(!chat.bodyText.contains("terveysasema"))
        #expect(chat.bodyText.contains("henkilökohtainen viesti"))
        // Not acted on either.
        let accept = await api.request(.post, "/v1/me/arrangements/\(arrangement)/accept", bearer: session)
        #expect(accept.status == .notFound)
    }

    /// Finding 2 (HIGH): a link was a reusable 30-day password; GET and HEAD minted sessions; sessions never
    /// expired; a link showed every arrangement; the hand-off list returned live session ids.
    @Test func aLinkIsSingleUsePurposeBoundAndShortLived() async throws {
        let api = try await TestAPI.make()
        let other = try await api.app.intake.arrange(
            ArrangementRequest(
                resident: "R1", kind: "budgeting_vote", details: ["district": "Kallio", "closes": "2027-01-31"]))
        let offer = try await api.app.intake.arrange(
            ArrangementRequest(
                resident: "R1", kind: "preschool_place",
                details: ["unit": "Kallion ala-aste", "start_date": "2027-08-01", "accept_by": "2027-03-15"]))
        let token = api.app.gateway.links.token(
            .open, residentID: "R1", arrangementID: offer.arrangementID, now: api.clock.now())
        let before = try await sessions(api)
        let page = await api.request(.get, "/r/\(token)")
        #expect(page.status == .ok)
        #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(page.bodyText.contains("<form method=\"post\" action=\"/r/\(token)\">"))
        #expect(page.headers["Location"] == nil)
        #expect(await api.request(.head, "/r/\(token)").status == .ok)
        #expect(try await sessions(api) == before, "GET and HEAD mint nothing")

        let redeemed = await api.request(.post, "/r/\(token)")
        #expect(redeemed.status.code == 303)
        let session = String((redeemed.headers["Location"] ?? "").split(separator: "=").last ?? "")
        #expect(session.count == 32)
        let again = await api.request(.post, "/r/\(token)")
        #expect(again.status.code == 410)
        #expect(again.bodyText.contains("Linkki on jo käytetty"))
        #expect(await api.request(.get, "/r/\(token)").status.code == 410)
        // The used link's page offers a fresh link, which goes to the channel on file, once.
        #expect(again.bodyText.contains("action=\"/r/\(token)/resend\""))
        let notices = try await api.app.gateway.notices.notices(residentID: "R1").count
        #expect(await api.request(.post, "/r/\(token)/resend").status == .ok)
        #expect(await api.request(.post, "/r/\(token)/resend").status == .ok)
        let fresh = try await api.app.gateway.notices.notices(residentID: "R1")
        #expect(fresh.count == notices + 1 && fresh.contains { $0.templateID == "sensitive_message" })

        // The session sees the link's arrangement only.
        let mine = object(await api.request(.get, "/v1/me/arrangements", bearer: session))
        let ids = (mine["arrangements"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(ids == [offer.arrangementID])
        #expect(
            await api.request(.post, "/v1/me/arrangements/\(other.arrangementID)/accept", bearer: session).status
                == .notFound)

        // Idle too long: 401, and the chat of that session is refused the same way.
        api.clock.advance(by: 1_801)
        let idle = await api.request(.get, "/v1/me/arrangements", bearer: session)
        #expect(idle.status == .unauthorized)
        #expect(object(idle)["type"] as? String == "/problems/session-expired")
        let chat = await api.request(.post, "/v1/chat", json: #"{"session_id": "\#(session)", "text": "hei"}"#)
        #expect(chat.status == .unauthorized)

        // Used every few minutes, it still ends at its absolute expiry (12 hours).
        let second = try await api.offer(to: "R2")
        for _ in 0..<(43_200 / 1_500) {
            api.clock.advance(by: 1_500)
            _ = await api.request(.get, "/v1/me/arrangements", bearer: second.session)
        }
        api.clock.advance(by: 1_500)
        #expect(await api.request(.get, "/v1/me/arrangements", bearer: second.session).status == .unauthorized)
    }

    @Test func staffSeeHandoffIdsNeverSessionIDs() async throws {
        let api = try await TestAPI.make()
        let offer = try await api.offer(to: "R1")
        _ = await api.request(
            .post, "/v1/chat", json: #"{"session_id": "\#(offer.session)", "text": "haluan puhua ihmisen kanssa"}"#)
        let admin = try await api.key([.admin])
        let list = await api.request(.get, "/v1/admin/handoffs", bearer: admin)
        let handoffs = try #require(object(list)["handoffs"] as? [[String: Any]])
        #expect(handoffs.count == 1 && handoffs[0]["id"] != nil)
        #expect(!list.bodyText.contains(offer.session))
        #expect(handoffs[0]["session_id"] == nil)
    }

    /// Finding 3 (MEDIUM): the unsubscribe token opened `/r/` and the resident's data; `POST /unsubscribe/{token}`
    /// (RFC 8058) did not exist.
    @Test func unsubscribeIsOneClickAndOpensNothing() async throws {
        let api = try await TestAPI.make()
        let values = NoticePlanner.links(
            for: .budgetingVote, residentID: "R1", arrangementID: nil, noticeID: "ntc_1", now: api.clock.now(),
            links: api.app.gateway.links)
        let link = try #require(values["unsubscribe"])
        #expect(link.hasPrefix("https://neuvo.example/unsubscribe/"))
        let token = String(link.dropFirst("https://neuvo.example/unsubscribe/".count))
        #expect(await api.request(.post, "/r/\(token)").status == .unauthorized)
        #expect(await api.request(.get, "/r/\(token)").status == .unauthorized)
        #expect(try await sessions(api) == 0)
        // An open link is no unsubscribe link either.
        let open = try #require(values["link"]?.split(separator: "/").last)
        #expect(
            await api.client.execute(
                .post, "/unsubscribe/\(open)", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Array("List-Unsubscribe=One-Click".utf8)
            ).status == .unauthorized)

        let page = await api.request(.get, "/unsubscribe/\(token)")
        #expect(page.status == .ok && page.bodyText.contains("List-Unsubscribe"))
        #expect(try await api.app.gateway.arrangements.resident("R1")?.consentEmail == true)
        let wrong = await api.client.execute(.post, "/unsubscribe/\(token)", body: Array("x=y".utf8))
        #expect(wrong.status == .unprocessableContent)
        let done = await api.client.execute(
            .post, "/unsubscribe/\(token)", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Array("List-Unsubscribe=One-Click".utf8))
        #expect(done.status == .ok)
        #expect(try await api.app.gateway.arrangements.resident("R1")?.consentEmail == false)
    }

    /// Finding 4 (MEDIUM), the conversation half: bot replies about a sensitive arrangement were stored in the
    /// transcript and copied into hand-offs verbatim. (The notices half: `noTemplateGetsASensitiveArrangementsDetails`.)
    @Test func transcriptsAndHandoffsKeepAPlaceholderForSensitiveReplies() async throws {
        let api = try await TestAPI.make()
        _ = try await healthCheckup(api)
        let strong = try await api.app.engine.start(
            residentID: "R1", arrangementID: nil, assurance: .strong, language: .fi)
        #expect(strong.text.contains("Kallion terveysasema"), "a strong identification sees the details")
        let list = try await api.app.engine.respond(
            to: "näytä mun järjestelyt", session: strong.sessionID, residentID: nil, language: nil)
        #expect(list.text.contains("Kallion terveysasema"))
        _ = try await api.app.engine.respond(
            to: "haluan puhua ihmisen kanssa", session: strong.sessionID, residentID: nil, language: nil)
        let stored = try await api.app.conversations.turns(of: strong.sessionID).map(\.text)
        #expect(stored.contains(ConversationStore.sensitivePlaceholder))
        #expect(!stored.joined().contains("terveysasema"))
        let handoff = try #require(try await api.app.conversations.handoffs().first)
        #expect(handoff.transcript.contains("[sensitive arrangement]"))
        #expect(!handoff.transcript.contains("terveysasema"))
    }

    /// Finding 5 (LOW–MEDIUM): the link-signing secret was stored in the database, so a copy of it forged links.
    @Test func theSecretLivesBesideTheDatabaseNeverInIt() async throws {
        let folder = try TemporaryFolder()
        var configuration = Configuration(environment: [:])
        configuration.databasePath = folder.url.appendingPathComponent("neuvo.db").path
        let runtime = try await NeuvoRuntime.open(
            configuration: configuration, logger: Logger(label: "test", sink: LogSink { _ in }), use: .notices,
            catalog: LiveCatalog(TestAPI.sharedCatalog), channels: [:])
        let keyFile = folder.url.appendingPathComponent("secret.key").path
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let secret = try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(secret.count == 64)
        let backup = folder.url.appendingPathComponent("backup.db").path
        try await runtime.database.backup(to: backup)
        await runtime.close()
        for path in [configuration.databasePath, backup] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(path) holds the secret")
        }
        // The same database with another key file (a stolen copy) verifies none of the links.
        let token = runtime.links.token(.open, residentID: "R1", arrangementID: nil, now: Date())
        try FileManager.default.removeItem(atPath: keyFile)
        let other = try ServerSecrets.load(configuration)
        let thief = ResidentLinkSigner(keys: other.linkKeys, baseURL: URL(string: "https://x")!)
        #expect(throws: ResidentLinkSigner.LinkError.badSignature) {
            try thief.verify(token, purpose: .open, now: Date())
        }
        // A key file that others can read is refused, not used.
        chmod(keyFile, 0o644)
        #expect(throws: RuntimeFailure.self) { try ServerSecrets.load(configuration) }
    }

    @Test func aNationalIdentityNumberIsStoredOnlyAsAKeyedHash() async throws {
        let api = try await TestAPI.make()
        let registry = try await api.key([.residentsWrite])
        let body = #"{"name": "Resident R1", "lang": "fi", "email": "r1@example.org", "identity": "131052-308t"}"#
        #expect(await api.request(.put, "/v1/residents/R1", json: body, bearer: registry).status == .ok)
        let stored = try #require(try await api.app.gateway.arrangements.resident("R1")?.identity)
        #expect(stored.hasPrefix("hmac-sha256:") && !stored.contains("131052"))
        let found = try await api.app.gateway.arrangements.resident(
            identity: api.app.identities.candidates("131052-308T"))
        #expect(found?.id == "R1")
        // An opaque subject is stored as it is.
        #expect(api.app.identities.stored("248289761001") == "248289761001")
    }
}
