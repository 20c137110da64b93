import Foundation
import NeuvoCrypto
import NeuvoHTTP
import NeuvoNotifications
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoAPI

/// Issue 15's findings against the API, each reproduced: body limits per route, rate limits, receipts bound to
/// state, links, retention.
@Suite("Abuse limits", .serialized)
struct AbuseTests {
    @Test func aChatBodyOver16KiBIsAProblemDocument413() async throws {
        let api = try await TestAPI.make()
        let text = String(repeating: "a", count: 17 * 1024)
        let response = await api.request(.post, "/v1/chat", json: #"{"text": "\#(text)"}"#)
        #expect(response.status.code == 413)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        #expect(response.bodyText.contains("16384"))
        let fits = await api.request(.post, "/v1/chat", json: #"{"text": "hei"}"#)
        #expect(fits.status.code == 200)
    }

    @Test func aLargeBodyWithoutAValidKeyIsRefusedFromItsHeaders() async throws {
        let api = try await TestAPI.make()
        let bulk = #"{"arrangements": [\#(Array(repeating: "{}", count: 20_000).joined(separator: ","))]}"#
        let anonymous = await api.request(.post, "/v1/arrangements", json: bulk)
        #expect(anonymous.status.code == 401)
        let wrong = await api.request(.post, "/v1/arrangements", json: bulk, bearer: "neuvo_000000000000_nope")
        #expect(wrong.status.code == 401)
        // Over the bulk limit even with a key.
        let key = try await api.key([.arrangementsWrite])
        let huge = String(repeating: " ", count: 1024 * 1024 + 1)
        #expect(await api.request(.post, "/v1/arrangements", json: huge, bearer: key).status.code == 413)
        // Other city routes keep a smaller limit.
        let resident = String(repeating: " ", count: 65 * 1024)
        #expect(await api.request(.put, "/v1/residents/R9", json: resident, bearer: key).status.code == 413)
    }

    func chat(_ api: TestAPI, _ text: String, session: String? = nil, from address: String = "127.0.0.1:5000")
        async -> HTTPResponse
    {
        var object = #"{"text": "\#(text)""#
        if let session { object += #", "session_id": "\#(session)""# }
        var headers = HTTPHeaders()
        headers["Host"] = "localhost"
        headers["Content-Type"] = "application/json"
        let request = HTTPRequest(method: .post, target: "/v1/chat", headers: headers, body: Array((object + "}").utf8))
        return await api.client.execute(request, remoteAddress: address)
    }

    /// 300 session-less "I want to talk to a human" messages took 1.3 s and made 300 sessions and 300 open hand-offs.
    @Test func aBurstFromOneAddressMeets429AndFillsNoStaffQueue() async throws {
        let api = try await TestAPI.make()
        // At once, as a script sends them (each refusal waits ClientLimits.refusalPause; together, not in turn).
        let responses = await withTaskGroup(of: HTTPResponse.self) { group in
            for _ in 0..<300 { group.addTask { await chat(api, "I want to talk to a human") } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let statuses = responses.map(\.status.code)
        let retryAfter = responses.first { $0.status.code == 429 }?.headers["Retry-After"]
        #expect(statuses.filter { $0 == 200 }.count <= 130)
        #expect(statuses.filter { $0 == 429 }.count >= 170)
        #expect(Int(retryAfter ?? "") ?? 0 >= 1)
        let handoffs = try await api.app.conversations.handoffs()
        #expect(handoffs.count == api.app.configuration.handoffsPerAddressPerHour)
        // Another address is unaffected.
        #expect(await chat(api, "hei", from: "192.0.2.7:1000").status.code == 200)
        let metrics = await api.request(.get, "/metrics").bodyText
        #expect(metrics.contains(#"neuvo_refusals_total{reason="chat_address"} "#))
        #expect(!metrics.contains(#"neuvo_refusals_total{reason="chat_address"} 0"#))
        #expect(!metrics.contains(#"neuvo_refusals_total{reason="handoff_address"} 0"#))
    }

    @Test func oneSessionHoldsOneOpenHandoffAndIsRateLimited() async throws {
        let api = try await TestAPI.make()
        let first = await chat(api, "I want to talk to a human")
        let session = try #require(
            (try JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any])?["session_id"] as? String)
        let again = await chat(api, "I want to talk to a human", session: session)
        #expect(again.status.code == 200)
        #expect(try await api.app.conversations.handoffs().count == 1)
        var statuses: [Int] = []
        for _ in 0..<30 { statuses.append(await chat(api, "hei", session: session).status.code) }
        #expect(statuses.contains(429))
        #expect(statuses.prefix(15).allSatisfy { $0 == 200 })
    }

    /// A household or an office behind one address, chatting at a person's pace for half an hour, never meets 429.
    @Test func peopleChattingNormallyBehindOneAddressAreNeverLimited() throws {
        var configuration = Configuration()
        configuration.chatPerAddressPerMinute = 120
        let limits = ClientLimits(configuration: configuration, metrics: Metrics())
        let start = ContinuousClock.now
        // Six people, each sending a message every five seconds (faster than anyone reads a reply), half of them
        // starting at once.
        for second in stride(from: 0, to: 1800, by: 1) {
            for person in 0..<6 where (second + (person < 3 ? 0 : person)) % 5 == 0 {
                #expect(
                    throws: Never.self,
                    "person \(person) at \(second) s"
                ) {
                    try limits.admitChat(
                        address: "198.51.100.1", session: "person\(person)", now: start + .seconds(second))
                }
            }
        }
        // A script is not a person: 300 at once from that address is refused.
        let refused = (0..<300).filter { index in
            (try? limits.admitChat(
                address: "198.51.100.1", session: nil, now: start + .seconds(1800) + .milliseconds(index))) == nil
        }
        #expect(refused.count >= 150)
    }

    // MARK: Receipts

    func postReceipt(
        _ api: TestAPI, notice: String, status: String = "failed", id: String = "msg_\(UUID())",
        secret: String = TestAPI.receiptSecret
    ) async throws -> HTTPResponse {
        let body = #"{"id": "\#(notice)", "status": "\#(status)", "reason": "test"}"#
        let signer = try WebhookSigner(secret: secret)
        let time = Int(api.clock.now().timeIntervalSince1970)
        return await api.request(
            .post, "/v1/receipts/sms", json: body,
            headers: [
                ("webhook-id", id), ("webhook-timestamp", String(time)),
                ("webhook-signature", signer.sign(id: id, timestamp: time, body: Array(body.utf8))),
            ])
    }

    /// A signed receipt for a queued SMS moved it to permanent_failure with zero attempts: delivery suppressed.
    @Test func aReceiptForANoticeNotWithTheProviderIs409AndChangesNothing() async throws {
        let api = try await TestAPI.make()
        _ = try await api.app.intake.arrange(
            ArrangementRequest(
                resident: "S1", kind: "preschool_place",
                details: ["unit": "Kallion ala-aste", "start_date": "2027-08-01", "accept_by": "2027-03-15"]))
        let queued = try #require(try await api.app.gateway.notices.notices(residentID: "S1").first)
        #expect(queued.status == .queued)
        let refused = try await postReceipt(api, notice: queued.id)
        #expect(refused.status == .conflict)
        let after = try #require(try await api.app.gateway.notices.notice(queued.id))
        #expect(after.status == .queued && after.attempts == 0)
        #expect(try await api.app.gateway.notices.history(of: queued.id).transitions.map(\.to) == ["queued"])
    }

    /// An email notice accepted an SMS receipt.
    @Test func anSMSReceiptForAnEmailNoticeIs409() async throws {
        let api = try await TestAPI.make()
        _ = try await api.offer(to: "R1")
        let email = try #require(try await api.app.gateway.notices.notices(residentID: "R1").first)
        let claimed = try await api.app.gateway.notices.claim(
            channel: .email, limit: 1, now: api.clock.now(), lease: 60)
        #expect(claimed.notices.map(\.id) == [email.id])
        #expect(try await postReceipt(api, notice: email.id).status == .conflict)
        #expect(try await api.app.gateway.notices.notice(email.id)?.status == .sending)
    }

    /// The receipt secret defaulted to the outbound one: a captured outbound webhook replayed as a receipt.
    @Test func receiptsNeedTheirOwnSecret() async throws {
        let api = try await TestAPI.make()
        let notice = try await api.smsWithTheProvider()
        let outbound = try await postReceipt(api, notice: notice.id, secret: TestAPI.webhookSecret)
        #expect(outbound.status == .unauthorized)
        #expect(try await api.app.gateway.notices.notice(notice.id)?.status == .sent)
        // Without sms.receipt_secret the route is closed, even with the webhook secret set.
        var configuration = api.app.configuration
        configuration.smsReceiptSecret = nil
        let app = try await NeuvoRuntime.open(
            configuration: configuration, logger: api.app.logger, use: .conversation, clock: api.clock,
            catalog: api.app.catalog, channels: [:]
        ).application()
        #expect(app.receiptSigner == nil)
    }

    /// No webhook-id de-duplication: the same receipt could be applied again.
    @Test func aReceiptIsAppliedOncePerWebhookID() async throws {
        let api = try await TestAPI.make()
        let notice = try await api.smsWithTheProvider()
        let first = try await postReceipt(api, notice: notice.id, status: "delivered", id: "msg_once")
        #expect(object(first)["result"] as? String == "applied")
        let replay = try await postReceipt(api, notice: notice.id, status: "delivered", id: "msg_once")
        #expect(replay.status == .ok)
        #expect(object(replay)["result"] as? String == "duplicate")
        #expect(
            try await api.app.gateway.notices.history(of: notice.id).transitions.map(\.to) == [
                "queued", "sending", "sent", "delivered",
            ])
        // A receipt that outran our record of the send (claimed, not yet recorded) still applies.
        let inFlight = try await api.smsWithTheProvider(recorded: false)
        #expect(inFlight.status == .sending)
        let early = try await postReceipt(api, notice: inFlight.id, status: "delivered")
        #expect(object(early)["result"] as? String == "applied")
        // A 409 does not consume the id: the provider's retry is judged again.
        let queued = try await api.app.intake.arrange(
            ArrangementRequest(
                resident: "S1", kind: "preschool_place",
                details: ["unit": "Kallion ala-aste", "start_date": "2027-08-01", "accept_by": "2027-03-15"],
                idempotencyKey: "later"))
        let later = try #require(
            try await api.app.gateway.notices.notices(residentID: "S1").first {
                $0.arrangementID == queued.arrangementID
            })
        #expect(try await postReceipt(api, notice: later.id, id: "msg_retry").status == .conflict)
        _ = try await api.app.gateway.notices.claim(channel: .sms, limit: 5, now: api.clock.now(), lease: 60)
        #expect(object(try await postReceipt(api, notice: later.id, id: "msg_retry"))["result"] as? String == "applied")
    }

    // MARK: Links

    /// A unit detail holding https://evil.example/phish became an <a href> in the city's HTML email.
    @Test func onlyAllowedHostsBecomeLinksInEmail() async throws {
        let api = try await TestAPI.make()
        let renderer = api.app.runtime.texts.renderer()
        #expect(renderer.linkHosts.allows("https://www.hel.fi/fi"))
        #expect(renderer.linkHosts.allows("https://neuvo.example/r/abc"))  // the public base URL's host
        let message = try renderer.render(
            .preschoolPlace, channel: .email, locale: "fi",
            values: [
                "name": "Resident", "unit": "Kallion ala-aste https://evil.example/phish", "start_date": "1.8.2027",
                "accept_by": "15.3.2027", "link": "https://neuvo.example/r/token",
            ])
        let html = try #require(message.html)
        #expect(html.contains("https://evil.example/phish"))
        #expect(!html.contains("href=\"https://evil.example"))
        #expect(html.contains("<a href=\"https://neuvo.example/r/token\">"))
        // Userinfo tricks are not the allowed host.
        #expect(!renderer.linkHosts.allows("https://www.hel.fi@evil.example/"))
        #expect(!renderer.linkHosts.allows("https://evil.example\\@www.hel.fi/"))
        #expect(!renderer.linkHosts.allows("https://www.hel.fi.evil.example/"))
        #expect(!renderer.linkHosts.allows("http://www.hel.fi/"))
    }

    @Test func configuredLinkHostsReplaceTheDefaultAndReachTheWidget() async throws {
        let api = try await TestAPI.make()
        let texts = await api.request(.get, "/v1/widget/texts?lang=fi")
        let hosts = try #require(object(texts)["link_hosts"] as? [String])
        #expect(hosts.contains("www.hel.fi") && hosts.contains("neuvo.example"))
        #expect(!hosts.contains("evil.example"))
        api.app.runtime.texts.setLinkHosts(configured: ["hel.fi"], ownHost: "neuvo.example")
        let configured = api.app.runtime.texts.linkHosts
        #expect(configured.allows("https://palvelukartta.hel.fi/x"))
        #expect(!configured.allows("https://www.kirjastot.fi/"))
    }

    // MARK: Retention

    /// Rendered notices kept their personalisation forever, and transcripts went only when someone ran
    /// `neuvo transcripts purge`. The server's own pass, on the injected clock, now forgets both.
    @Test func retentionErasesFinalNoticesAndOldTranscripts() async throws {
        let api = try await TestAPI.make()
        let delivered = try await api.smsWithTheProvider()
        #expect(
            try await postReceipt(api, notice: delivered.id, status: "delivered").status == .ok)
        // Sent and never receipted (every email ends so): settled as far as its content goes, since nothing sends
        // it again. Erased on the same schedule, or emails would keep their content forever.
        let waiting = try await api.smsWithTheProvider()
        _ = await chat(api, "hei")

        api.clock.advance(by: 6 * 86_400)
        var report = try await api.app.runtime.applyRetention()
        #expect(report.noticesErased == 0)
        #expect(try await api.app.gateway.notices.notice(delivered.id)?.personalisation.isEmpty == false)

        api.clock.advance(by: 2 * 86_400)  // eight days after its final status
        report = try await api.app.runtime.applyRetention()
        #expect(report.noticesErased == 2)
        let erased = try #require(try await api.app.gateway.notices.notice(delivered.id))
        #expect(erased.personalisation.isEmpty)
        #expect(erased.status == .delivered && erased.attempts == 1)
        #expect(
            try await api.app.gateway.notices.history(of: delivered.id).transitions.map(\.to) == [
                "queued", "sending", "sent", "delivered",
            ])
        let settled = try #require(try await api.app.gateway.notices.notice(waiting.id))
        #expect(settled.personalisation.isEmpty && settled.status == .sent)
        // A late receipt still settles its status.
        #expect(try await postReceipt(api, notice: waiting.id, status: "delivered").status == .ok)
        #expect(try await api.app.gateway.notices.notice(waiting.id)?.status == .delivered)
        #expect(report.transcripts.sessions == 0)

        api.clock.advance(by: 23 * 86_400)  // 31 days after the chat
        report = try await api.app.runtime.applyRetention()
        #expect(report.transcripts.sessions >= 1 && report.transcripts.turns >= 2)
        #expect(report.noticesErased == 0)  // each notice is erased once
    }
}
