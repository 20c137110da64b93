import Foundation
import NeuvoHTTP
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoAPI
@testable import NeuvoNotifications

extension TestAPI {
    /// An SMS notice to S1 that the provider refused until the dispatcher gave up: `dead`, with an error that quotes
    /// the resident's number (as a provider's answer may).
    func deadLetter() async throws -> Notice {
        let notice = try await smsWithTheProvider(recorded: false)
        let now = clock.now()
        try await app.gateway.notices.record([
            AttemptResult(
                noticeID: notice.id, attempt: 1, channel: .sms, startedAt: now, finishedAt: now,
                outcomeName: "temporary_failure", detail: "HTTP 500 for +358401234567", nextStatus: .dead,
                reason: "gave up after 10 attempts; last: HTTP 500 for +358401234567", nextAttemptAt: nil,
                providerMessageID: nil)
        ])
        return notice
    }

    func status(of id: String) async throws -> NoticeStatus? { try await app.gateway.notices.notice(id)?.status }
}

@Suite("The notices desk: operators only, retries through the outbox's one path, residents' details for a reason")
struct NoticesDeskTests {
    @Test func theDeskIsForOperatorsOnly() async throws {
        let api = try await TestAPI.make()
        let notice = try await api.deadLetter()
        for (method, path) in [
            (HTTPMethod.get, "/staff/api/notices/summary"), (.get, "/staff/api/notices"),
            (.get, "/staff/api/notices/\(notice.id)"), (.post, "/staff/api/notices/\(notice.id)/retry"),
            (.post, "/staff/api/notices/\(notice.id)/resident"),
        ] {
            #expect(await api.request(method, path, json: "{}").status == .unauthorized, "\(method) \(path)")
        }
        for roles: Set<StaffRole> in [[.agent], [.editor, .publisher]] {
            let member = try await api.signIn("Not an operator", roles: roles)
            #expect(await api.staff(.get, "/staff/api/notices/summary", member).status == .forbidden)
            #expect(await api.staff(.get, "/staff/api/notices/\(notice.id)", member).status == .forbidden)
            #expect(await api.staff(.post, "/staff/api/notices/\(notice.id)/retry", member).status == .forbidden)
        }
        #expect(try await api.status(of: notice.id) == .dead)
        let operatorMember = try await api.signIn("Olli Operaattori", roles: [.operator])
        #expect(await api.staff(.get, "/staff/api/notices/summary", operatorMember).status == .ok)
        // The page is the console's, for any staff member (its data is what the role guards).
        let page = await api.request(.get, "/staff/notices/\(notice.id)", headers: operatorMember.cookieOnly)
        #expect(page.status == .ok)
        #expect(page.headers["Content-Security-Policy"] == APIRoutes.staffPolicy)
        let script = await api.request(.get, "/staff/notices.js")
        #expect(String(decoding: script.body, as: UTF8.self).contains("NeuvoStaff.addPage("))
    }

    @Test func aRetryNeedsTheCSRFTokenKeepsTheIdAndQueuesTheNoticeOnce() async throws {
        let api = try await TestAPI.make()
        let notice = try await api.deadLetter()
        let olli = try await api.signIn("Olli Operaattori", roles: [.operator])
        let path = "/staff/api/notices/\(notice.id)/retry"
        let forged = await api.request(.post, path, headers: olli.cookieOnly)
        #expect(forged.status == .forbidden)
        #expect(object(forged)["type"] as? String == "/problems/csrf")
        #expect(try await api.status(of: notice.id) == .dead)

        let retried = await api.staff(.post, path, olli)
        #expect(retried.status == .ok)
        #expect(object(retried)["id"] as? String == notice.id)
        #expect(object(retried)["previous_status"] as? String == "dead")
        let again = await api.staff(.post, path, olli)
        #expect(again.status == .conflict)
        #expect(object(again)["type"] as? String == "/problems/notice-not-retryable")

        // Back in the queue once, through the outbox's one path (its audit row names the operator), due now.
        let history = try await api.app.gateway.notices.history(of: notice.id)
        let retries = history.transitions.filter { $0.from == "dead" }
        #expect(retries.map(\.to) == ["queued"])
        #expect(retries.first?.reason == "retried by operator Olli Operaattori")
        // The dispatcher claims it again under the same id: the webhook-id a receiver de-duplicates on.
        let claim = try await api.app.gateway.notices.claim(channel: .sms, limit: 10, now: api.clock.now(), lease: 60)
        #expect(claim.notices.map(\.id) == [notice.id])

        let audit = try await api.app.staff.auditLog().filter { $0.action == "POST \(path)" }
        #expect(audit.map(\.status) == [409, 200, 403])
        #expect(audit.allSatisfy { $0.memberName == "Olli Operaattori" })
    }

    @Test func manyDeadLettersAreRetriedAtOnceEachOnItsOwn() async throws {
        let api = try await TestAPI.make()
        let first = try await api.deadLetter()
        let second = try await api.deadLetter()
        let sent = try await api.smsWithTheProvider()
        let olli = try await api.signIn("Olli", roles: [.operator])
        let body = "{\"ids\": [\"\(first.id)\", \"\(sent.id)\", \"\(second.id)\", \"no such id\"]}"
        let forged = await api.request(.post, "/staff/api/notices/retry", json: body, headers: olli.cookieOnly)
        #expect(forged.status == .forbidden)
        let answer = await api.staff(.post, "/staff/api/notices/retry", olli, json: body)
        #expect(answer.status == .ok)
        #expect(object(answer)["retried"] as? [String] == [first.id, second.id])
        let refused = try #require(object(answer)["refused"] as? [[String: Any]])
        #expect(refused.map { $0["id"] as? String } == [sent.id, "no such id"])
        #expect(refused.map { $0["type"] as? String } == ["/problems/notice-not-retryable", "/problems/not-found"])
        for id in [first.id, second.id] { #expect(try await api.status(of: id) == .queued) }
        #expect(try await api.status(of: sent.id) == .sent)
        #expect(await api.staff(.post, "/staff/api/notices/retry", olli, json: #"{"ids": []}"#).status.code == 422)
        let audit = try await api.app.staff.auditLog().filter { $0.action == "POST /staff/api/notices/retry" }
        #expect(audit.map(\.status) == [422, 200, 403])
        #expect(audit[1].detail.contains(first.id))
    }

    @Test func nothingAutomaticLeavesAFinalFailureAndOnlyDeadLettersAreRetried() async throws {
        let api = try await TestAPI.make()
        let notice = try await api.deadLetter()
        // The transition table alone (the dispatcher's and the receipts' path) still keeps dead final.
        await #expect(throws: NoticeError.self) {
            try await api.app.database.write { connection in
                try NoticeStore.transition(notice.id, to: .queued, reason: "x", now: Date(), in: connection)
            }
        }
        let sent = try await api.smsWithTheProvider()
        await #expect(throws: NoticeError.notAllowed(id: sent.id, from: .sent, to: .queued)) {
            try await api.app.gateway.notices.retry(sent.id, reason: "x", now: api.clock.now())
        }
        let olli = try await api.signIn("Olli", roles: [.operator])
        let missing = await api.staff(.post, "/staff/api/notices/no-such-notice/retry", olli)
        #expect(missing.status == .notFound)
        #expect(try await api.status(of: notice.id) == .dead)
    }

    @Test func aNoticeWhoseContentRetentionErasedIsNotSentAgain() async throws {
        let api = try await TestAPI.make()
        let notice = try await api.deadLetter()
        api.clock.advance(by: 8 * 86_400)
        let erased = try await api.app.gateway.notices.eraseContent(
            finalBefore: api.clock.now().addingTimeInterval(-7 * 86_400), now: api.clock.now())
        #expect(erased >= 1)
        let olli = try await api.signIn("Olli", roles: [.operator])
        let refused = await api.staff(.post, "/staff/api/notices/\(notice.id)/retry", olli)
        #expect(refused.status == .conflict)
        #expect(refused.headers["Content-Type"] == "application/problem+json")
        #expect(object(refused)["type"] as? String == "/problems/notice-content-erased")
        #expect((object(refused)["detail"] as? String)?.contains("retention") == true)
        #expect(try await api.status(of: notice.id) == .dead)
        let trail = object(await api.staff(.get, "/staff/api/notices/\(notice.id)", olli))
        let shown = try #require(trail["notice"] as? [String: Any])
        #expect(shown["retryable"] as? Bool == false)
        #expect(shown["erased_at"] is String)
    }

    @Test func theTrailIsRedactedAndTheResidentIsShownOnlyForAReasonThatIsAudited() async throws {
        let api = try await TestAPI.make()
        let notice = try await api.deadLetter()
        let olli = try await api.signIn("Olli", roles: [.operator])
        let trail = await api.staff(.get, "/staff/api/notices/\(notice.id)", olli)
        #expect(trail.status == .ok)
        let text = String(decoding: trail.body, as: UTF8.self)
        for secret in ["+358401234567", "Resident S1", "S1\""] { #expect(!text.contains(secret), "\(secret) shown") }
        let steps = try #require(object(trail)["trail"] as? [[String: Any]])
        #expect(steps.map { $0["type"] as? String } == ["transition", "transition", "attempt", "transition"])
        #expect(steps.compactMap { $0["to"] as? String } == ["queued", "sending", "dead"])

        let path = "/staff/api/notices/\(notice.id)/resident"
        #expect(await api.staff(.post, path, olli, json: "{}").status == .badRequest)
        let short = await api.staff(.post, path, olli, json: #"{"reason": "need it"}"#)
        #expect(short.status == .unprocessableContent)
        #expect(object(short)["type"] as? String == "/problems/reason-required")
        let reason = "Resident called the service desk, enquiry 2026-4411"
        let shown = await api.staff(.post, path, olli, json: "{\"reason\": \"\(reason)\"}")
        #expect(shown.status == .ok)
        #expect(object(shown)["phone"] as? String == "+358401234567")
        #expect(object(shown)["name"] as? String == "Resident S1")
        #expect(shown.headers["Cache-Control"] == "no-store")
        let audit = try await api.app.staff.auditLog().filter { $0.action == "POST \(path)" }
        #expect(audit.map(\.status) == [200, 422, 400])
        #expect(audit.first?.detail.contains("enquiry 2026-4411") == true)
    }

    @Test func theSummaryCountsCampaignsAndAnIdlePollIs304() async throws {
        let api = try await TestAPI.make()
        let dead = try await api.deadLetter()
        _ = try await api.smsWithTheProvider()
        let olli = try await api.signIn("Olli", roles: [.operator])
        let first = await api.staff(.get, "/staff/api/notices/summary", olli)
        #expect(first.status == .ok)
        let etag = try #require(first.headers["ETag"])
        let body = object(first)
        let letters = try #require(body["dead_letters"] as? [[String: Any]])
        #expect(letters.map { $0["id"] as? String } == [dead.id])
        #expect(letters.first?["last_error"] as? String == "gave up after 10 attempts; last: HTTP 500 for [PHONE]")
        let campaigns = try #require(body["campaigns"] as? [[String: Any]])
        #expect(campaigns.count == 1)
        #expect(campaigns.first?["kind"] as? String == "preschool_place")
        #expect(campaigns.first?["counts"] as? [String: Int] == ["dead": 1, "sent": 1])
        #expect(campaigns.first?["settled_last_minute"] as? Int == 2)
        let counts = try #require(body["counts"] as? [[String: Any]])
        #expect(counts.count == 2)

        let idle = await api.request(
            .get, "/staff/api/notices/summary", headers: olli.cookieOnly + [("If-None-Match", etag)])
        #expect(idle.status == .notModified)
        #expect(idle.body.isEmpty)
        #expect(await api.staff(.post, "/staff/api/notices/\(dead.id)/retry", olli).status == .ok)
        let moved = await api.request(
            .get, "/staff/api/notices/summary", headers: olli.cookieOnly + [("If-None-Match", etag)])
        #expect(moved.status == .ok)
        #expect(moved.headers["ETag"] != etag)
        #expect((object(moved)["dead_letters"] as? [Any])?.isEmpty == true)

        let list = object(await api.staff(.get, "/staff/api/notices?status=queued&channel=sms", olli))
        #expect((list["notices"] as? [[String: Any]])?.map { $0["id"] as? String } == [dead.id])
        #expect(await api.staff(.get, "/staff/api/notices?status=lost", olli).status == .unprocessableContent)
    }

    @Test func everyNoticesDeskRouteIsInTheOpenAPIDocument() async throws {
        let api = try await TestAPI.make()
        let paths = try #require(object(await api.request(.get, "/openapi.json"))["paths"] as? [String: Any])
        for route in [
            "/staff/notices", "/staff/notices/{id}", "/staff/notices.js", "/staff/api/notices/summary",
            "/staff/api/notices", "/staff/api/notices/{id}", "/staff/api/notices/{id}/retry",
            "/staff/api/notices/retry",
            "/staff/api/notices/{id}/resident",
        ] {
            #expect(paths[route] != nil, "\(route) is not documented")
        }
    }
}
