import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoCore
import NeuvoStorage
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoNotifications

/// The project's own locale texts, so these tests check the real templates; links to the catalog's hosts and the
/// tests' public base URL's become anchors.
func projectRenderer() throws -> NoticeRenderer {
    let locales = try Catalog.loadLocales(root: projectRoot)
    return NoticeRenderer(locales: locales, linkHosts: LinkHosts(locales.linkedHosts.union(["neuvo.example"])))
}

extension GatewayService {
    /// The intake over this gateway, as the runtime builds it.
    var intake: IntakeService { IntakeService(gateway: self) }
}

/// The tables the gateway reads and writes, in the application's order (`NeuvoRuntime.schema`).
let notificationsSchema = StorageSchema.migrations + ArrangementsSchema.migrations + NotificationsSchema.migrations

let helsinki = TimeZone(identifier: "Europe/Helsinki")!

/// Wednesday 2026-11-25 12:00 in Helsinki (10:00 UTC).
let noon = Date(timeIntervalSince1970: 1_795_600_800)

func makeService(clock: ManualClock) async throws -> GatewayService {
    let database = try Database.inMemory(options: .init(migrations: notificationsSchema))
    let renderer = try projectRenderer()
    let service = GatewayService(
        database: database, timeZone: helsinki, renderer: { renderer },
        links: ResidentLinkSigner(
            key: Array("test-secret-test-secret-test-secret".utf8), baseURL: URL(string: "https://neuvo.example")!),
        clock: clock)
    try await service.arrangements.upsert(
        Resident(id: "R1", name: "Maija <b>", language: "fi", email: "maija@example.org", consentEmail: true), now: noon
    )
    try await service.arrangements.upsert(
        Resident(
            id: "R2", name: "Erik", language: "sv", phone: "+358401234567", consentSMS: true, preferredChannel: .sms),
        now: noon)
    try await service.arrangements.upsert(
        Resident(id: "R3", name: "No Consent", language: "en", email: "x@example.org"), now: noon)
    return service
}

let preschool = ["unit": "Kallion ala-aste", "start_date": "2027-08-01", "accept_by": "2027-03-15"]

/// Preschool-place arrangements for R1, one per idempotency key; their notices' ids in the same order.
func arrangeNotices(
    _ service: GatewayService, keys: [String], resident: String = "R1", kind: String = "preschool_place",
    details: [String: String] = preschool
) async throws -> [String] {
    var ids: [String] = []
    for key in keys {
        let outcome = try await service.intake.arrange(
            ArrangementRequest(resident: resident, kind: kind, details: details, idempotencyKey: key))
        ids.append(try #require(outcome.noticeID))
    }
    return ids
}

@Suite("Notification gateway core")
struct GatewayCoreTests {
    @Test func arrangingQueuesOneNoticeInTheResidentsLanguageAndChannel() async throws {
        let clock = ManualClock(noon)
        let service = try await makeService(clock: clock)
        let outcome = try await service.intake.arrange(
            ArrangementRequest(resident: "R2", kind: "preschool_place", details: preschool, idempotencyKey: "k1"))
        #expect(outcome.created)
        #expect(outcome.channel == "sms")
        let noticeID = try #require(outcome.noticeID)
        let notice = try #require(try await service.notices.notice(noticeID))
        #expect(notice.locale == "sv")
        #expect(notice.status == .queued)
        #expect(notice.personalisation["start_date"] == "1.8.2027")
        // No working link is stored: the sending process signs it (a copy of the database holds none).
        #expect(notice.personalisation["link"] == nil)
        #expect(notice.templateVersion.count == 12)
        let again = try await service.intake.arrange(
            ArrangementRequest(resident: "R2", kind: "preschool_place", details: preschool, idempotencyKey: "k1"))
        #expect(!again.created)
        #expect(again.noticeID == outcome.noticeID)
        #expect(try await service.notices.notices().count == 1)
        var changed = preschool
        changed["unit"] = "Another school"
        await #expect(throws: GatewayError.idempotencyConflict("k1")) {
            try await service.intake.arrange(
                ArrangementRequest(resident: "R2", kind: "preschool_place", details: changed, idempotencyKey: "k1"))
        }
        #expect(try await service.notices.notices().count == 1)
    }

    /// Ids carry the injected clock's time, not the machine's: a test's objects sort as its clock says.
    @Test func idsAreMadeFromTheInjectedClock() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let outcome = try await service.intake.arrange(
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: preschool))
        let time = String(UInt64(noon.timeIntervalSince1970 * 1000), radix: 36)
        #expect(outcome.arrangementID.hasPrefix("arr_" + time))
        #expect(outcome.noticeID?.hasPrefix("ntc_" + time) == true)
    }

    /// One status writer: the only statements that change `notice_state.status` are `writeStatus`'s own (and the
    /// insert that creates a notice's first status), all in NoticeStore.swift.
    @Test func onlyTheOutboxsStatusWriterChangesAStatus() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var writers: [String] = []
        for case let file as URL in FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.components(separatedBy: "\n") where line.contains("UPDATE notice_state SET status") {
                writers.append(file.lastPathComponent)
            }
        }
        #expect(writers == ["NoticeStore.swift", "NoticeStore.swift", "NoticeStore.swift"])
    }

    @Test func badRequestsAreRefusedWithTheirReasonAndNothingIsQueued() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let results = try await service.intake.arrange([
            ArrangementRequest(resident: "nobody", kind: "preschool_place", details: preschool),
            ArrangementRequest(resident: "R1", kind: "rocket_launch", details: [:]),
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: ["unit": "X"]),
            ArrangementRequest(
                resident: "R1", kind: "budgeting_vote", details: ["district": "Kallio", "closes": "2027-01-31"]),
        ])
        #expect(results.count == 4)
        guard case .failure(.unknownResident("nobody")) = results[0] else {
            Issue.record("\(results[0])")
            return
        }
        guard case .failure(.unknownKind("rocket_launch")) = results[1] else {
            Issue.record("\(results[1])")
            return
        }
        guard case .failure(.missingDetail(kind: "preschool_place", field: "start_date")) = results[2] else {
            Issue.record("\(results[2])")
            return
        }
        guard case .success = results[3] else {
            Issue.record("\(results[3])")
            return
        }
        #expect(try await service.notices.notices().count == 1)
    }

    /// Rows are checked in one read and written in one transaction: a key used twice in the same batch is
    /// found at write time and gives the first arrangement back, or a conflict when the content differs.
    @Test func aKeyUsedTwiceInOneBatchMakesOneArrangement() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        var changed = preschool
        changed["unit"] = "Another school"
        let results = try await service.intake.arrange([
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: preschool, idempotencyKey: "k"),
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: preschool, idempotencyKey: "k"),
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: changed, idempotencyKey: "k"),
            ArrangementRequest(resident: "R2", kind: "preschool_place", details: preschool, idempotencyKey: "other"),
        ])
        let first = try results[0].get()
        let second = try results[1].get()
        #expect(first.created && !second.created)
        #expect(second.arrangementID == first.arrangementID && second.noticeID == first.noticeID)
        #expect(throws: GatewayError.idempotencyConflict("k")) { try results[2].get() }
        #expect(try results[3].get().created)
        #expect(try await service.notices.notices().count == 2)
        #expect(try await service.arrangements.arrangements(of: "R1").count == 1)
    }

    /// The claim runs before every batch: it must read the first due notices from an index in order, never sort
    /// the whole outbox (that made a campaign quadratic), and the checks for expired leases and the next due time
    /// must be index steps too.
    @Test func theDispatcherQueriesUseTheirIndexes() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let plans = try await service.notices.database.read { connection in
            try [
                (NoticeStore.dueSQL, "notice_state_claimable"),
                (
                    "SELECT id FROM notices WHERE status = 'sending' AND channel = ? AND lease_until < ? LIMIT ?",
                    "notice_state_leased"
                ),
                (
                    "SELECT min(lease_until) FROM notice_state WHERE status = 'sending' AND channel = ?",
                    "notice_state_leased"
                ),
            ].map { sql, index in
                let plan = try connection.query(
                    "EXPLAIN QUERY PLAN " + sql,
                    arguments: [.text("sms"), .integer(0), .integer(200)].prefix(sql.filter { $0 == "?" }.count).map {
                        $0
                    }
                )
                .map { try $0.get("detail", as: String.self) }.joined(separator: "; ")
                return (plan, index)
            }
        }
        for (plan, index) in plans {
            #expect(plan.contains("USING INDEX \(index)") && !plan.contains("TEMP B-TREE"), "\(plan)")
        }
    }

    /// Claiming marks a whole batch with one UPDATE over its ids. Without the unary `+` on `status`, SQLite planned
    /// it over the status index once the batch had a few hundred ids and scanned every queued notice for every
    /// batch (the dispatcher spent most of its time there).
    @Test func claimingABatchLooksUpItsIdsByPrimaryKey() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        for count in [1, 50, 400] {
            let plan = try await service.notices.database.read { connection in
                try connection.query(
                    "EXPLAIN QUERY PLAN " + NoticeStore.markSendingSQL(count: count),
                    arguments: [.integer(0), .integer(0)] + (0..<count).map { .integer(Int64($0)) }
                )
                .map { try $0.get("detail", as: String.self) }.joined(separator: "; ")
            }
            #expect(plan.contains("INTEGER PRIMARY KEY (rowid=?)") && !plan.contains("USING INDEX"), "\(plan)")
        }
    }

    @Test func aResidentWithoutConsentGetsNoNotice() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let outcome = try await service.intake.arrange(
            ArrangementRequest(resident: "R3", kind: "preschool_place", details: preschool))
        #expect(outcome.noticeID == nil)
        #expect(outcome.note?.contains("no consented channel") == true)
    }

    @Test func sensitiveNoticesCarryNoDetails() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let outcome = try await service.intake.arrange(
            ArrangementRequest(
                resident: "R1", kind: "health_checkup",
                details: ["unit": "Kallion terveysasema", "time": "2027-02-01 09:00"]))
        let noticeID = try #require(outcome.noticeID)
        let notice = try #require(try await service.notices.notice(noticeID))
        #expect(notice.templateID == "sensitive_message")
        #expect(notice.personalisation["unit"] == nil && notice.personalisation["time"] == nil)
        let rendered = try projectRenderer().render(
            .sensitiveMessage, channel: .email, locale: "fi",
            values: notice.personalisation.merging(
                NoticePlanner.links(
                    for: .sensitiveMessage, residentID: "R1", arrangementID: notice.arrangementID,
                    noticeID: notice.id, now: noon, links: service.links)
            ) { $1 })
        #expect(!rendered.text.contains("terveysasema") && !rendered.text.contains("09:00"))
    }

    /// Finding 4 of the security review: accepting a health arrangement copied its details into the
    /// confirmation's personalisation, so one staff edit adding ((unit)) to that text would have mailed them.
    /// Now no template gets a sensitive arrangement's details: the edited text cannot even be queued.
    @Test func noTemplateGetsASensitiveArrangementsDetails() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let outcome = try await service.intake.arrange(
            ArrangementRequest(
                resident: "R1", kind: "health_checkup",
                details: ["unit": "Kallion terveysasema", "time": "2027-02-01 09:00"]))
        let arrangement = try #require(try await service.arrangements.arrangement(outcome.arrangementID))
        let resident = try #require(try await service.arrangements.resident("R1"))
        // Templates that need a detail are refused outright; the others carry none of them.
        for template in NoticeTemplate.allCases where template != .contactChanged {
            let notice = try? NoticePlanner.plan(
                template, for: resident, arrangement: arrangement, idempotencyKey: "k-\(template.rawValue)",
                urgent: false, now: noon, renderer: projectRenderer(), links: service.links)
            for value in notice?.personalisation.values.map({ $0 }) ?? [] {
                #expect(!value.contains("terveysasema") && !value.contains("09:00"), "\(template)")
            }
        }
        // A staff edit that puts ((unit)) into the confirmation: refused when queued, never sent half-filled.
        let source = CatalogLoader(root: projectRoot).load()
        var strings = source.locales
        let original = try #require(strings["notice.confirmation_accepted.body"])
        var translations = original.translations
        translations[.fi] = .single(try Template(parsing: "Hei ((name)), paikka: ((unit)) ((link))"))
        strings["notice.confirmation_accepted.body"] = LocalizedString(
            key: original.key, translations: translations, file: original.file, line: original.line)
        #expect(throws: (any Error).self) {
            try NoticePlanner.plan(
                .confirmationAccepted, for: resident, arrangement: arrangement, idempotencyKey: "edited",
                urgent: false, now: noon, renderer: NoticeRenderer(locales: LocaleTable(strings)), links: service.links)
        }
    }

    /// Multi-row writes come in a few fixed sizes, so each is prepared once: the dispatcher records 64 or more
    /// results at a time, and a statement per count filled the connection's cache with programs used once.
    @Test func multiRowWritesComeInAFewSizes() {
        #expect(NoticeStore.statementChunks(0).isEmpty)
        #expect(NoticeStore.statementChunks(70).map(\.count) == [64, 4, 1, 1])
        #expect(NoticeStore.statementChunks(500).map(\.count) == [250, 250])
        for count in 0...600 {
            let ranges = NoticeStore.statementChunks(count)
            #expect(ranges.map(\.count).reduce(0, +) == count)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            #expect(ranges.allSatisfy { NoticeStore.statementSizes.contains($0.count) })
        }
    }

    /// A notice records which wording it was sent with: the version follows the text of its language and channel.
    @Test func aTemplateVersionFollowsItsText() throws {
        var strings = CatalogLoader(root: projectRoot).loadLocales().locales
        let before = NoticeRenderer(locales: LocaleTable(strings))
        let fi = before.version(.preschoolPlace, channel: .sms, locale: "fi")
        #expect(fi.count == 12)
        #expect(
            NoticeRenderer(locales: LocaleTable(strings)).version(.preschoolPlace, channel: .sms, locale: "fi") == fi)
        #expect(before.version(.preschoolPlace, channel: .sms, locale: "sv") != fi)
        #expect(before.version(.preschoolPlace, channel: .email, locale: "fi") != fi)
        let original = try #require(strings[NoticeTemplate.preschoolPlace.key("sms")])
        var translations = original.translations
        translations[.fi] = .single(try Template(parsing: "Uusi teksti ((link))"))
        strings[original.key] = LocalizedString(
            key: original.key, translations: translations, file: original.file, line: original.line)
        let after = NoticeRenderer(locales: LocaleTable(strings))
        #expect(after.version(.preschoolPlace, channel: .sms, locale: "fi") != fi)
        #expect(
            after.version(.preschoolPlace, channel: .sms, locale: "sv")
                == before.version(.preschoolPlace, channel: .sms, locale: "sv"))
    }

    /// A city system changes a resident's email: audited, and the notice about it goes to the previous address,
    /// never to the new one (which is how a resident learns of a change they did not make).
    @Test func aContactChangeIsAuditedAndToldToThePreviousAddress() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        var changed = try #require(try await service.arrangements.resident("R1"))
        changed.email = "attacker@example.net"
        let change = try await service.storeResident(changed, actor: "api key k1")
        #expect(change?.fields == ["email"] && change?.previousEmail == "maija@example.org")
        #expect(try await service.arrangements.contactChanges(of: "R1").map(\.actor) == ["api key k1"])
        #expect(try await service.arrangements.resident("R1")?.contactChangedAt == noon)
        let notice = try #require(
            try await service.notices.notices(residentID: "R1").first { $0.templateID == "contact_changed" })
        let dispatcher = Dispatcher(
            store: service.notices, channels: [:], renderer: { try! projectRenderer() }, links: service.links,
            clock: ManualClock(noon))
        let current = NoticeStore.Recipient(
            email: "attacker@example.net", phone: nil, quietStart: 0, quietEnd: 0, timeZone: helsinki)
        let message = try dispatcher.message(for: notice, recipient: current, renderer: projectRenderer()).get()
        #expect(message.recipient == "maija@example.org")
        #expect(!message.textBody.contains("attacker@example.net"))
        // Storing the same contact again changes nothing and tells no one.
        #expect(try await service.storeResident(changed, actor: "api key k1") == nil)
    }

    @Test func quietHoursDelayTheNoticeUntilMorning() async throws {
        let evening = noon.addingTimeInterval(10 * 3600)  // 22:00 Helsinki
        let service = try await makeService(clock: ManualClock(evening))
        let outcome = try await service.intake.arrange(
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: preschool))
        let noticeID = try #require(outcome.noticeID)
        let notice = try #require(try await service.notices.notice(noticeID))
        #expect(notice.nextAttemptAt == noon.addingTimeInterval(20 * 3600))  // 08:00 the next day
        // The outcome says the notice is held, and until when (in the city's time for people).
        #expect(outcome.heldUntil == notice.nextAttemptAt.formatted(Date.ISO8601FormatStyle()))
        #expect(outcome.heldUntilText == "held by quiet hours until 26.11. 8:00")
        let urgent = try await service.intake.arrange(
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: preschool, urgent: true))
        let urgentID = try #require(urgent.noticeID)
        #expect(try await service.notices.notice(urgentID)?.nextAttemptAt == evening)
        #expect(urgent.heldUntil == nil)
    }

    @Test func htmlEscapesEveryValue() throws {
        let rendered = try projectRenderer().render(
            .preschoolPlace, channel: .email, locale: "en",
            values: [
                "name": "<script>alert(1)</script>", "unit": "A & B \"school\"", "start_date": "1.8.2027",
                "accept_by": "15.3.2027", "link": "https://neuvo.example/r/abc",
            ])
        let html = try #require(rendered.html)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("A &amp; B &quot;school&quot;"))
        #expect(html.contains("<a href=\"https://neuvo.example/r/abc\">"))
        #expect(rendered.text.contains("<script>alert(1)</script>"))  // plain text is not HTML
    }

    /// Found by FuzzTemplates: U+0605 (a grapheme "Prepend") joins the "<" after it into one Character; an
    /// escape that compared Characters let it through as markup.
    @Test func htmlEscapesAnAngleBracketJoinedToAPrependMark() throws {
        let rendered = try projectRenderer().render(
            .preschoolPlace, channel: .email, locale: "sv",
            values: [
                "name": "x\u{605}<img src=x onerror=alert(1)>", "unit": "\u{605}\"\u{605}&\u{605}'",
                "start_date": "1.8.2027", "accept_by": "15.3.2027", "link": "https://neuvo.example/r/abc",
            ])
        let html = try #require(rendered.html)
        #expect(html.utf8.firstRange(of: "<img".utf8) == nil)
        #expect(html.contains("x\u{605}&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("\u{605}&quot;\u{605}&amp;\u{605}&#39;"))
    }

    @Test func aMissingPlaceholderRefusesTheNotice() throws {
        #expect(throws: NoticeRenderError.self) {
            try projectRenderer().render(
                .preschoolPlace, channel: .sms, locale: "fi", values: ["name": "x", "link": "y"])
        }
        #expect(throws: NoticeRenderError.unknownLocale("de")) {
            try projectRenderer().render(.reminder, channel: .sms, locale: "de", values: [:])
        }
    }

    @Test func everyTemplateRendersInEveryLanguageAndChannel() throws {
        let renderer = try projectRenderer()
        let values = [
            "name": "N", "unit": "U", "start_date": "1.8.2027", "accept_by": "15.3.2027", "district": "Kallio",
            "closes": "31.1.2027", "title": "T", "url": "https://kartta.hel.fi/3d", "link": "https://x/r/t",
            "unsubscribe": "https://x/u/t",
        ]
        for template in NoticeTemplate.allCases {
            for locale in ["fi", "sv", "en"] {
                for channel in ChannelKind.allCases {
                    let message = try renderer.render(template, channel: channel, locale: locale, values: values)
                    #expect(!message.text.contains("(("), "\(template) \(locale) \(channel)")
                    if channel == .sms { #expect((message.segments?.segments ?? 9) <= 3, "\(template) \(locale)") }
                }
            }
        }
    }

    @Test func transitionsFollowTheTableAndFinalStatesStayFinal() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let outcome = try await service.intake.arrange(
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: preschool))
        let id = try #require(outcome.noticeID)
        let database = service.notices.database
        try await database.write { connection in
            try NoticeStore.transition(id, to: .sending, reason: "test", now: noon, in: connection)
            try NoticeStore.transition(id, to: .sent, reason: "test", now: noon, in: connection)
            try NoticeStore.transition(id, to: .delivered, reason: "receipt", now: noon, in: connection)
        }
        await #expect(throws: NoticeError.notAllowed(id: id, from: .delivered, to: .permanentFailure)) {
            try await database.write {
                try NoticeStore.transition(id, to: .permanentFailure, reason: "late", now: noon, in: $0)
            }
        }
        let history = try await service.notices.history(of: id)
        #expect(history.transitions.map(\.to) == ["queued", "sending", "sent", "delivered"])
    }

    /// Found by the soak: a receipt posted by the provider before it answered made recording the batch fail.
    /// Recorded by id (one by one) and by the claim's seq (the batch's one statement), the receipt's status stands
    /// and only the attempt is counted, while the rest of the batch moves.
    @Test(arguments: [false, true])
    func aReceiptThatArrivesBeforeTheAttemptIsRecordedWins(bySeq: Bool) async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let ids = try await arrangeNotices(service, keys: ["receipted", "plain"])
        let claimed = try await service.notices.claim(channel: .email, limit: 10, now: noon, lease: 60)
        #expect(Set(claimed.notices.map(\.id)) == Set(ids))
        #expect(
            try await service.notices.applyReceipt(id: ids[0], channel: .email, delivered: true, reason: nil, now: noon)
                == .applied)
        let results = ids.map { id in
            var result = AttemptResult(
                noticeID: id, attempt: 1, channel: .email, startedAt: noon, finishedAt: noon,
                outcomeName: "accepted", detail: nil, nextStatus: .sent, reason: "accepted by provider",
                nextAttemptAt: nil, providerMessageID: nil)
            if bySeq { result.seq = claimed.seqs[id] }
            return result
        }
        try await service.notices.record(results)
        let receipted = try #require(try await service.notices.notice(ids[0]))
        #expect(receipted.status == .delivered)
        #expect(receipted.attempts == 1)
        let history = try await service.notices.history(of: ids[0])
        #expect(history.attempts.count == 1)
        #expect(history.transitions.map(\.to) == ["queued", "sending", "sent", "delivered"])
        let plain = try #require(try await service.notices.notice(ids[1]))
        #expect(plain.status == .sent)
        #expect(plain.attempts == 1)
        #expect(try await service.notices.countsByStatus() == [.delivered: 1, .sent: 1])
    }

    /// The end of a batch does not wait out the recorder's interval: a writer that waited for more results held
    /// the next claim for up to 100 ms at the end of every batch, and the provider's connections sat idle. Here the
    /// interval is a minute; the batch's end comes at once with every result, and nothing is recorded twice.
    @Test func aBatchsEndDoesNotWaitForTheRecordersInterval() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let ids = try await arrangeNotices(service, keys: ["one", "two", "three"])
        let claimed = try await service.notices.claim(channel: .email, limit: 10, now: noon, lease: 3600)
        #expect(Set(claimed.notices.map(\.id)) == Set(ids))
        let recorder = ProgressRecorder(store: service.notices, every: 2, interval: 60, logger: nil)
        for id in ids {
            var result = AttemptResult(
                noticeID: id, attempt: 1, channel: .email, startedAt: noon, finishedAt: noon,
                outcomeName: "accepted", detail: nil, nextStatus: .sent, reason: "accepted by provider",
                nextAttemptAt: nil, providerMessageID: nil)
            result.seq = claimed.seqs[id]
            recorder.add(result)
        }
        // The first two are journaled at once (`every`); the third then waits for more, or for the interval.
        let journaled = { @Sendable () async throws -> [String] in
            try await service.notices.database.read {
                try $0.query("SELECT c.id FROM notice_results r JOIN notice_content c ON c.seq = r.notice_seq")
                    .map { try $0.get(0, as: String.self) }
            }
        }
        try await waitUntil("the first two are journaled") { try await journaled().count == 2 }
        #expect(Set(try await journaled()) == Set(ids[0..<2]))
        #expect(try await service.notices.countsByStatus() == [.sending: 3])
        let started = ContinuousClock.now
        let finished = await recorder.finish()
        #expect(ContinuousClock.now - started < .seconds(30), "finish waited for the recorder's interval")
        #expect(Set(finished.results.map(\.noticeID)) == Set(ids))
        #expect(finished.journaled)
        try await service.notices.record(finished.results, clearingJournal: finished.journaled)
        #expect(try await service.notices.countsByStatus() == [.sent: 3])
        #expect(try await service.notices.attemptCounts().map(\.count).reduce(0, +) == 3)
        #expect(try await journaled().isEmpty)
    }

    /// Recording an attempt: a failure writes the error and the retry time; an accepted send (the lean statement,
    /// found by the seq of its claim) leaves both as they were; a result without a seq finds its notice by id.
    @Test func recordingAnAttemptWritesWhatTheOutcomeChangesAndNoMore() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let ids = try await arrangeNotices(service, keys: ["first", "second"])
        func result(_ id: String, _ attempt: Int, _ status: NoticeStatus, seq: Int64?, retry: Date? = nil)
            -> AttemptResult
        {
            var result = AttemptResult(
                noticeID: id, attempt: attempt, channel: .email, startedAt: noon, finishedAt: noon,
                outcomeName: status == .sent ? "accepted" : "temporary_failure", detail: nil, nextStatus: status,
                reason: status == .sent ? "accepted by provider" : "SMTP 451", nextAttemptAt: retry,
                providerMessageID: status == .sent ? "prov-\(attempt)" : nil)
            result.seq = seq
            return result
        }
        let retryAt = noon.addingTimeInterval(600)
        let first = try await service.notices.claim(channel: .email, limit: 10, now: noon, lease: 3600)
        #expect(Set(first.notices.map(\.id)) == Set(ids))
        try await service.notices.record([
            // One found by its claim's seq, one by its id (as callers other than the dispatcher do).
            result(ids[1], 1, .sent, seq: nil),
            result(ids[0], 1, .temporaryFailure, seq: first.seqs[ids[0]], retry: retryAt),
        ])
        let failed = try #require(try await service.notices.notice(ids[0]))
        #expect(failed.status == .temporaryFailure)
        #expect(failed.lastError == "SMTP 451")
        #expect(failed.nextAttemptAt == retryAt)
        let byID = try #require(try await service.notices.notice(ids[1]))
        #expect(byID.status == .sent)
        #expect(byID.attempts == 1)
        #expect(byID.providerMessageID == "prov-1")
        #expect(try await service.notices.history(of: ids[1]).transitions.map(\.to) == ["queued", "sending", "sent"])
        #expect(try await service.notices.history(of: ids[1]).attempts.map(\.outcome) == ["accepted"])

        let second = try await service.notices.claim(channel: .email, limit: 10, now: retryAt, lease: 60)
        #expect(second.notices.map(\.id) == [ids[0]])
        try await service.notices.record([result(ids[0], 2, .sent, seq: second.seqs[ids[0]])])
        let sent = try #require(try await service.notices.notice(ids[0]))
        #expect(sent.status == .sent)
        #expect(sent.attempts == 2)
        #expect(sent.providerMessageID == "prov-2")
        #expect(sent.lastError == "SMTP 451")
        #expect(sent.nextAttemptAt == retryAt)
        #expect(
            try await service.notices.history(of: ids[0]).transitions.map(\.to) == [
                "queued", "sending", "temporary_failure", "sending", "sent",
            ])
        // A receipt may name the provider's message id instead of ours (the look-up's second branch).
        #expect(
            try await service.notices.applyReceipt(
                id: "prov-2", channel: .email, delivered: true, reason: nil, now: noon) == .applied)
        #expect(try await service.notices.notice(ids[0])?.status == .delivered)
        #expect(
            try await service.notices.applyReceipt(
                id: "prov-9", channel: .email, delivered: true, reason: nil, now: noon)
                == .unknownNotice)
    }

    @Test func aConfirmationIsQueuedWithTheStatusChange() async throws {
        let service = try await makeService(clock: ManualClock(noon))
        let outcome = try await service.intake.arrange(
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: preschool))
        let hook = service.confirmationHook()
        try await service.arrangements.database.write { connection in
            let previous = try #require(try ArrangementStore.arrangement(outcome.arrangementID, in: connection))
            let accepted = try ArrangementStore.transition(
                outcome.arrangementID, to: .accepted, reason: "chat", actor: "R1", now: noon, in: connection)
            try hook(connection, accepted, previous.status)
        }
        let notices = try await service.notices.notices(residentID: "R1")
        #expect(notices.map(\.templateID).sorted() == ["confirmation_accepted", "preschool_place"])
    }

    @Test func remindersAreQueuedOnceBeforeTheDeadline() async throws {
        let clock = ManualClock(noon)
        let service = try await makeService(clock: clock)
        _ = try await service.intake.arrange(
            ArrangementRequest(
                resident: "R1", kind: "preschool_place",
                details: ["unit": "U", "start_date": "2027-08-01", "accept_by": "2026-11-27"]))
        #expect(try await service.queueReminders() == 1)
        #expect(try await service.queueReminders() == 0)
    }
}

@Suite("Retry policy, quiet hours and links")
struct RetryPolicyTests {
    let policy = RetryPolicy()

    @Test func backoffGrowsExponentiallyWithJitterAndIsCapped() {
        #expect(policy.delay(afterAttempt: 1, random: 0) == 15)
        #expect(policy.delay(afterAttempt: 1, random: 1) == 30)
        #expect(policy.delay(afterAttempt: 3, random: 1) == 120)
        #expect(policy.delay(afterAttempt: 20, random: 1) == 3600)
        #expect(policy.delay(afterAttempt: 4, random: 0.5) > policy.delay(afterAttempt: 3, random: 0.5))
    }

    @Test func outcomesMapToStatuses() {
        let created = noon
        #expect(
            policy.decide(.accepted(providerMessageID: "p1"), attempt: 1, createdAt: created, now: noon, random: 0)
                .status == .sent)
        #expect(
            policy.decide(.permanentFailure(reason: "550"), attempt: 1, createdAt: created, now: noon, random: 0).status
                == .permanentFailure)
        let retry = policy.decide(
            .temporaryFailure(reason: "503", retryAfter: 600), attempt: 1, createdAt: created, now: noon, random: 0)
        #expect(retry.status == .temporaryFailure)
        #expect(retry.nextAttemptAt == noon.addingTimeInterval(600))  // Retry-After wins over a shorter backoff
        let dead = policy.decide(
            .temporaryFailure(reason: "503", retryAfter: nil), attempt: 10, createdAt: created, now: noon, random: 0)
        #expect(dead.status == .dead)
        #expect(dead.reason.contains("503"))
        let old = policy.decide(
            .temporaryFailure(reason: "timeout", retryAfter: nil), attempt: 2,
            createdAt: noon.addingTimeInterval(-49 * 3600),
            now: noon, random: 0)
        #expect(old.status == .dead)
    }

    @Test func quietHoursWrapMidnightAndFollowHelsinkiTime() {
        let calendar = QuietHoursCalendar(timeZone: helsinki)
        #expect(calendar.nextAllowed(noon, start: 21 * 60, end: 8 * 60) == noon)
        let late = noon.addingTimeInterval(10 * 3600)  // 22:00
        #expect(calendar.nextAllowed(late, start: 21 * 60, end: 8 * 60) == noon.addingTimeInterval(20 * 3600))
        let early = noon.addingTimeInterval(-6 * 3600)  // 06:00
        #expect(calendar.nextAllowed(early, start: 21 * 60, end: 8 * 60) == noon.addingTimeInterval(-4 * 3600))
        #expect(calendar.nextAllowed(late, start: 0, end: 0) == late)
    }

    @Test func signedLinksVerifyExpireAndRejectTampering() throws {
        let signer = ResidentLinkSigner(
            key: Array("k".utf8), baseURL: URL(string: "https://neuvo.example/")!, lifetime: 3600)
        let token = signer.token(.open, residentID: "R|1", arrangementID: "A1", now: noon)
        let claims = try signer.verify(token, purpose: .open, now: noon.addingTimeInterval(60))
        #expect(claims.residentID == "R|1" && claims.arrangementID == "A1" && claims.nonce.count == 32)
        #expect(throws: ResidentLinkSigner.LinkError.expired) {
            try signer.verify(token, purpose: .open, now: noon.addingTimeInterval(3601))
        }
        var tampered = Array(token)
        tampered[2] = tampered[2] == "A" ? "B" : "A"
        #expect(throws: ResidentLinkSigner.LinkError.self) {
            try signer.verify(String(tampered), purpose: .open, now: noon)
        }
        let other = ResidentLinkSigner(key: Array("other".utf8), baseURL: URL(string: "https://x")!)
        #expect(throws: ResidentLinkSigner.LinkError.badSignature) {
            try other.verify(token, purpose: .open, now: noon)
        }
        #expect(
            signer.link(.open, residentID: "R1", arrangementID: nil, now: noon).hasPrefix("https://neuvo.example/r/"))
        // The stand-in a notice is checked with at queueing has the shape of a link and opens nothing.
        let checking = signer.link(forChecking: .open)
        #expect(checking.hasPrefix("https://neuvo.example/r/"))
        #expect(throws: ResidentLinkSigner.LinkError.malformed) {
            try signer.verify(String(checking.split(separator: "/").last!), purpose: .open, now: noon)
        }
        // Purpose-bound: an unsubscribe token opens nothing, and the reverse.
        let unsubscribe = signer.token(.unsubscribe, residentID: "R1", arrangementID: nil, noticeID: "n1", now: noon)
        #expect(throws: ResidentLinkSigner.LinkError.wrongPurpose) {
            try signer.verify(unsubscribe, purpose: .open, now: noon)
        }
        // Two links for the same thing differ (their nonces), so redeeming one leaves the other usable.
        #expect(signer.token(.open, residentID: "R1", arrangementID: "A1", now: noon) != token)
        // Rotation: a signer with a new key and the previous one verifies links of both; the new key signs.
        let rotated = ResidentLinkSigner(
            keys: [Array("new".utf8), Array("k".utf8)], baseURL: URL(string: "https://neuvo.example/")!)
        #expect(try rotated.verify(token, purpose: .open, now: noon).residentID == "R|1")
        let fresh = rotated.token(.open, residentID: "R1", arrangementID: nil, now: noon)
        #expect(throws: ResidentLinkSigner.LinkError.badSignature) {
            try signer.verify(fresh, purpose: .open, now: noon)
        }
    }
}

@Suite("HTML of staff-written notice texts")
struct StaffTextEscapingTests {
    /// A `&` or `<` typed by staff into locales/notices.json must reach the email as text, not markup.
    @Test func templateTextIsEscapedInTheHTMLPart() throws {
        let source = CatalogLoader(root: projectRoot).load()
        var strings = source.locales
        let original = try #require(strings["notice.reminder.body"])
        var translations = original.translations
        translations[.en] = .single(try Template(parsing: "Terms & <conditions> for ((name)): ((link))"))
        strings["notice.reminder.body"] = LocalizedString(
            key: original.key, translations: translations, file: original.file, line: original.line)
        let renderer = NoticeRenderer(locales: LocaleTable(strings))
        let message = try renderer.render(
            .reminder, channel: .email, locale: "en",
            values: ["name": "A & B", "link": "https://x.example/r/t", "accept_by": "1.1.2027"])
        let html = try #require(message.html)
        #expect(html.contains("Terms &amp; &lt;conditions&gt; for A &amp; B"))
        #expect(!html.contains("<conditions>"))
        #expect(message.text.contains("Terms & <conditions> for A & B"))
    }
}
