import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoLanguage
import NeuvoRegistry
import NeuvoStorage
import NeuvoSupport
import Synchronization
import Testing

private final class Seen: Sendable {
    let values = Mutex<[String]>([])
}

@Suite("What the city arranged: identified residents, confirmations, privacy")
struct ArrangementDialogueTests {
    @Test func acceptAsksFirstThenYesAcceptsAndAudits() async throws {
        let chat = try ChatFixture()
        try await chat.residentWithPreschoolOffer()
        chat.residentID = "resident-1"
        let ask = try await chat.say("hyväksyn esiopetuspaikan")
        #expect(ask.intent == "arrangement.accept")
        #expect(ask.text.contains("esiopetuspaikka, Kallion ala-aste, 1.8.2027 alkaen"), "\(ask.text)")
        #expect(ask.suggestions == ["kyllä", "ei"])
        // Nothing changed before the yes.
        #expect(try await chat.arrangements.arrangement("arr-preschool-1")?.status == .offered)
        let done = try await chat.say("kyllä")
        #expect(done.text.contains("Kiitos, tallensin hyväksyntäsi."), "\(done.text)")
        #expect(
            done.actions.contains(
                ReplyAction(kind: "arrangement.accepted", arrangementID: "arr-preschool-1", status: "accepted")))
        #expect(try await chat.arrangements.arrangement("arr-preschool-1")?.status == .accepted)
        let audit = try await chat.arrangements.transitions(of: "arr-preschool-1")
        #expect(audit.map(\.to) == ["offered", "accepted"])
        #expect(audit.last?.reason.contains("chat") == true)
    }

    /// The decision comes from the intent's action: a catalog whose decline intent has another id and file name
    /// still declines (today's main took the decision from the id and would have accepted).
    @Test func theDecisionComesFromTheActionNotTheFileName() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-renamed-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        for part in ["intents", "locales"] {
            try manager.copyItem(at: projectRoot.appendingPathComponent(part), to: folder.appendingPathComponent(part))
        }
        let old = folder.appendingPathComponent("intents/arrangement.decline.json")
        let renamed = try String(contentsOf: old, encoding: .utf8).replacingOccurrences(
            of: "\"id\": \"arrangement.decline\"", with: "\"id\": \"offer.turn_down\"")
        try manager.removeItem(at: old)
        try renamed.write(
            to: folder.appendingPathComponent("intents/offer.turn_down.json"), atomically: true, encoding: .utf8)
        let catalog = try Catalog.load(root: folder)
        #expect(catalog.intents["offer.turn_down"]?.action == .declineArrangement)
        let chat = try ChatFixture(catalog: catalog)
        try await chat.residentWithPreschoolOffer()
        chat.residentID = "resident-1"
        let ask = try await chat.say("en ota esiopetuspaikkaa vastaan")
        #expect(ask.intent == "offer.turn_down", "\(ask.text)")
        _ = try await chat.say("kyllä")
        #expect(try await chat.arrangements.arrangement("arr-preschool-1")?.status == .declined)
    }

    @Test func declineInSwedishAndNoKeepsTheOffer() async throws {
        let chat = try ChatFixture()
        try await chat.residentWithPreschoolOffer(language: "sv")
        chat.residentID = "resident-1"
        let ask = try await chat.say("jag vill inte ha platsen")
        #expect(ask.language == .sv)
        #expect(ask.text.contains("tacka nej till följande: förskoleplats, Kallion ala-aste, från och med 1.8.2027"))
        let kept = try await chat.say("nej")
        #expect(kept.text.contains("Erbjudandet gäller fortfarande"), "\(kept.text)")
        #expect(try await chat.arrangements.arrangement("arr-preschool-1")?.status == .offered)
        _ = try await chat.say("jag tackar nej")
        let done = try await chat.say("1")  // the first suggestion: "ja"
        #expect(done.text.contains("jag har sparat att du tackar nej"), "\(done.text)")
        #expect(try await chat.arrangements.arrangement("arr-preschool-1")?.status == .declined)
    }

    @Test func rescheduleAsksForTheDateThenConfirms() async throws {
        let chat = try ChatFixture()
        try await chat.residentWithPreschoolOffer(language: "en")
        chat.residentID = "resident-1"
        let ask = try await chat.say("I'd like to change the time")
        #expect(ask.text.contains("Which day or time would suit you better?"), "\(ask.text)")
        let confirm = try await chat.say("15.8.2027")
        #expect(confirm.text.contains("Preferred new time: 15 August 2027"), "\(confirm.text)")
        let done = try await chat.say("yes")
        #expect(done.text.contains("I have sent your change request"), "\(done.text)")
        let changed = try await chat.arrangements.arrangement("arr-preschool-1")
        #expect(changed?.status == .rescheduled)
        #expect(changed?.details["requested_date"] == "2027-08-15")
    }

    @Test func listShowsOnlyTheResidentsOwn() async throws {
        let chat = try ChatFixture()
        try await chat.residentWithPreschoolOffer(id: "resident-a", arrangementID: "arr-of-a")
        try await chat.arrangements.upsert(Resident(id: "resident-b", name: "B", language: "fi"), now: chat.clock.now())
        chat.residentID = "resident-b"
        let list = try await chat.say("mitä kaupunki on järjestänyt minulle")
        #expect(list.text.contains("Kaupungilla ei ole sinulle tällä hetkellä tarjouksia tai kutsuja"), "\(list.text)")
        #expect(!list.text.contains("Kallion ala-aste"))
        // Even a link naming someone else's arrangement shows nothing of it.
        let started = try await chat.engine.start(residentID: "resident-b", arrangementID: "arr-of-a", language: .fi)
        #expect(!started.text.contains("Kallion ala-aste"))
        #expect(!started.sources.contains { $0.id == "arr-of-a" })
        let accept = try await chat.say("hyväksyn paikan")
        #expect(accept.text.contains("ei ole tällä hetkellä mitään"), "\(accept.text)")
        // The desk refuses in the same words as for an id that does not exist.
        await #expect(throws: ArrangementError.notFound("arr-of-a")) {
            try await ArrangementDesk().apply(
                .accept, to: "arr-of-a", access: SessionAccess(residentID: "resident-b", assurance: .strong),
                now: chat.clock.now(), database: chat.database)
        }
        #expect(try await chat.arrangements.arrangement("arr-of-a")?.status == .offered)
    }

    @Test func identificationMidChatKeepsTheConversation() async throws {
        let chat = try ChatFixture()
        try await chat.residentWithPreschoolOffer()
        let anonymous = try await chat.say("näytä mun järjestelyt")
        #expect(anonymous.text.contains("Tunnistaudu ensin"))
        #expect(!anonymous.text.contains("Kallion ala-aste"))
        chat.residentID = "resident-1"
        let identified = try await chat.say("näytä mun järjestelyt")
        #expect(identified.sessionID == anonymous.sessionID)
        #expect(identified.text.contains("1. esiopetuspaikka, Kallion ala-aste, 1.8.2027 alkaen – odottaa vastaustasi"))
    }

    @Test func anotherResidentCannotContinueABoundSession() async throws {
        let chat = try ChatFixture()
        try await chat.residentWithPreschoolOffer()
        try await chat.arrangements.upsert(Resident(id: "resident-b", name: "B", language: "fi"), now: chat.clock.now())
        chat.residentID = "resident-1"
        let first = try await chat.say("näytä mun järjestelyt")
        let other = try await chat.engine.respond(
            to: "näytä mun järjestelyt", session: first.sessionID, residentID: "resident-b", language: nil)
        #expect(other.sessionID != first.sessionID)
        #expect(!other.text.contains("Kallion ala-aste"))
    }

    @Test func unknownResidentIsAClearErrorAndTheSessionIsKept() async throws {
        let chat = try ChatFixture()
        let first = try await chat.say("hei")
        await #expect(throws: ConversationError.unknownResident("nobody")) {
            try await chat.engine.respond(to: "hei", session: first.sessionID, residentID: "nobody", language: nil)
        }
        let again = try await chat.say("kiitos")
        #expect(again.sessionID == first.sessionID)
    }

    @Test func gatewayHookRunsInTheSameTransaction() async throws {
        let seen = Seen()
        let chat = try ChatFixture(afterTransition: { connection, arrangement, previous in
            // Visible inside the transaction already; a throw here would roll the status back.
            let status = try connection.scalar(
                "SELECT status FROM arrangements WHERE id = ?", arrangement.id, as: String.self)
            seen.values.withLock { $0.append("\(previous.rawValue)→\(status ?? "?")") }
        })
        try await chat.residentWithPreschoolOffer()
        chat.residentID = "resident-1"
        _ = try await chat.say("hyväksyn")
        _ = try await chat.say("kyllä")
        #expect(seen.values.withLock { $0 } == ["offered→accepted"])

        let failing = try ChatFixture(afterTransition: { _, _, _ in throw SQLiteError(code: 1, message: "queue full") })
        try await failing.residentWithPreschoolOffer()
        failing.residentID = "resident-1"
        _ = try await failing.say("hyväksyn")
        await #expect(throws: SQLiteError.self) { try await failing.say("kyllä") }
        #expect(try await failing.arrangements.arrangement("arr-preschool-1")?.status == .offered)
    }
}

@Suite("Transcripts, hand-offs, feedback and retention")
struct TranscriptTests {
    @Test func henkilotunnusNeverReachesTheTables() async throws {
        let chat = try ChatFixture()
        let hetu = "131052-308T"
        let newHetu = "010594Y9032"
        _ = try await chat.say("hetuni on \(hetu) ja puhelin 040 123 4567, mikä on tulevaisuus")
        _ = try await chat.say("palaute: lapseni \(newHetu) ei saanut paikkaa")
        _ = try await chat.say("haluan puhua ihmisen kanssa \(hetu)")
        for table in [
            "conversation_turns", "conversation_handoffs", "conversation_feedback", "conversation_unanswered",
        ] {
            let rows = try await chat.rows("SELECT * FROM \(table)")
            let dump = rows.map { "\($0.values)" }.joined()
            #expect(!dump.contains(hetu) && !dump.contains(newHetu) && !dump.contains("123 4567"), "\(table): \(dump)")
        }
        let turns = try await chat.transcripts.turns(of: chat.session!)
        #expect(turns.first?.text.contains("[HETU]") == true)
        #expect(try await chat.transcripts.feedback().first?.contains("[HETU]") == true)
        let handoff = try #require(try await chat.transcripts.handoffs().first)
        #expect(handoff.transcript.contains("resident: hetuni on [HETU]"))
    }

    @Test func purgeByRetentionWithAnInjectedClock() async throws {
        let chat = try ChatFixture()
        _ = try await chat.say("hei")
        _ = try await chat.say("kerro vitsi")
        chat.clock.advance(by: 20 * 86_400)
        let recent = try await chat.engine.respond(to: "kiitos", session: nil, residentID: nil, language: nil)
        chat.clock.advance(by: 11 * 86_400)
        let dry = try await chat.transcripts.purge(retentionDays: 30, now: chat.clock.now(), dryRun: true)
        #expect(dry.sessions == 1 && dry.turns == 4 && dry.unanswered == 1)
        #expect(try await chat.rows("SELECT * FROM conversation_turns").count == 6)
        let report = try await chat.transcripts.purge(retentionDays: 30, now: chat.clock.now())
        #expect(report == dry)
        #expect(try await chat.rows("SELECT * FROM conversation_turns").count == 2)
        #expect(try await chat.rows("SELECT * FROM conversation_unanswered").isEmpty)
        #expect(try await chat.transcripts.turns(of: recent.sessionID).count == 2)
        // A purged session id starts afresh.
        let fresh = try await chat.say("hei")
        #expect(fresh.sessionID != chat.session || fresh.intent == "greeting")
    }

    @Test(arguments: [
        (ChatFixture.wednesdayMorning, true),
        (ChatFixture.wednesdayMorning.addingTimeInterval(6 * 3600), false),  // 16:00, closed
        (ChatFixture.wednesdayMorning.addingTimeInterval(3 * 86_400), false),  // Saturday
    ])
    func handoffSaysTruthfullyWhetherStaffAreIn(at time: Date, open: Bool) async throws {
        let chat = try ChatFixture(at: time)
        let reply = try await chat.say("haluan puhua asiakaspalvelijan kanssa")
        #expect(reply.intent == "handoff.human")
        if open {
            #expect(reply.text.contains("Asiakaspalvelu on nyt paikalla"))
        } else {
            #expect(reply.text.contains("ei ole juuri nyt tavoitettavissa"))
            #expect(reply.text.contains("arkisin klo 8–16"), "\(reply.text)")
        }
        #expect(reply.actions == [ReplyAction(kind: "handoff.requested", status: open ? "open" : "closed")])
        let handoff = try #require(try await chat.transcripts.handoffs().first)
        #expect(handoff.staffAvailable == open)
    }
}

@Suite("Bad input and the real registry")
struct RobustnessTests {
    @Test func hostileInputGetsASensibleReplyAndKeepsTheSession() async throws {
        let chat = try ChatFixture()
        let first = try await chat.say("")
        #expect(first.text.contains("Kirjoita kysymyksesi"))
        let huge = try await chat.say(String(repeating: "kirjasto ", count: 12_000))
        #expect(huge.sessionID == first.sessionID)
        let escaped = try await chat.say(
            "\u{1B}[31mmissä on lähin kirjasto\u{1B}]0;title\u{07} Kalliossa?\u{0}\u{202E}")
        #expect(escaped.intent == "unit.find")
        let turns = try await chat.transcripts.turns(of: first.sessionID)
        #expect(turns.allSatisfy { turn in !turn.text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" } })
        #expect(turns.allSatisfy { $0.text.count <= 2_000 + 1 || $0.speaker == "neuvo" })
        let invalid = String(decoding: [0xFF, 0xFE, 0xC3, 0x28, 0x41], as: UTF8.self)
        let replied = try await chat.say(invalid)
        #expect(replied.sessionID == first.sessionID)
        #expect(try await chat.say("\u{7}\u{8}\u{1B}").text.contains("Kirjoita kysymyksesi"))
    }

    @Test func everyKeyTheEngineUsesExistsInEveryLanguage() throws {
        let keys = projectCatalog.locales.strings.keys.filter { $0.hasPrefix("conversation.") }
        #expect(keys.count > 50)
        for intent in projectCatalog.intentIDs {
            #expect(projectCatalog.locales.contains("conversation.topic.\(intent)"), "no topic label for \(intent)")
        }
        for kind in Arrangement.Kind.allCases {
            #expect(projectCatalog.locales.contains("conversation.arrangement.kind.\(kind.rawValue)"))
        }
        for status in ArrangementStatus.allCases {
            #expect(projectCatalog.locales.contains("conversation.arrangement.status.\(status.rawValue)"))
        }
    }

    @Test func answersFromTheBundledRegistry() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-registry-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try Database(
            path: folder.appendingPathComponent("neuvo.db").path, options: .init(migrations: conversationSchema))
        let registry = try await RegistrySearch.bundled()
        let engine = try await ConversationEngine.make(
            catalog: { projectCatalog }, database: database, directory: registry,
            clock: ManualClock(ChatFixture.wednesdayMorning))
        let found = try await engine.respond(
            to: "missä on lähin kirjasto Kalliossa?", session: nil, residentID: nil, language: nil)
        #expect(found.intent == "unit.find")
        #expect(found.sources.contains { $0.kind == "unit" }, "\(found.text)")
        #expect(found.text.contains("Lähde: Helsingin kaupungin Palvelukartta"), "\(found.text)")
        let hours = try await engine.respond(
            to: "entä aukioloajat?", session: found.sessionID, residentID: nil, language: nil)
        #expect(hours.intent == "unit.opening_hours")
        #expect(hours.sources.first?.id == found.sources.first { $0.kind == "unit" }?.id, "\(hours.text)")
        let nowhere = try await engine.respond(
            to: "missä on lähin uimahalli", session: nil, residentID: nil, language: nil)
        #expect(nowhere.text.contains("Missä kaupunginosassa?"), "\(nowhere.text)")
        let there = try await engine.respond(
            to: "Vuosaaressa", session: nowhere.sessionID, residentID: nil, language: nil)
        #expect(there.intent == "unit.find")
        #expect(there.sources.contains { $0.kind == "unit" }, "\(there.text)")
        // A unit written by the Neuvo team says so; texts missing in Swedish say which language they are in.
        let sample = try await engine.respond(
            to: "var finns hälsostationen i Malm", session: nil, residentID: nil, language: .sv)
        #expect(sample.text.contains("exempeldata"), "\(sample.text)")
        #expect(sample.text.contains("Informationen finns bara på finska."), "\(sample.text)")
        #expect(!sample.text.contains("esimerkkitietoa"), "one language per answer: \(sample.text)")
    }
}

@Suite("Numbers typed when no choices are offered")
struct NumberedChoiceRegressionTests {
    /// Found by schemathesis: "0" (or any number) at the start of a session built the range 1...0 and crashed.
    @Test(arguments: ["0", "1", "-1", "99999999999999999999", "2"])
    func aNumberWithoutSuggestionsIsJustAMessage(text: String) async throws {
        let chat = try ChatFixture()
        let reply = try await chat.say(text, language: .fi)
        #expect(!reply.text.isEmpty)
        #expect(try await chat.say(text).sessionID == reply.sessionID)
    }
}

@Suite("The chat reply's JSON")
struct ReplyJSONTests {
    static func foundation(_ reply: Reply) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(reply), as: UTF8.self)
    }

    @Test func handWrittenJSONIsWhatJSONEncoderWrites() async throws {
        let awkward = Reply(
            sessionID: SessionID(rawValue: "abc123"), language: .sv, text: "Säg \"hej\"\n\\ 🧪 \u{1}\u{8}\u{C}</script>",
            intent: nil, confidence: 0.123456,
            suggestions: ["ja", "nej", "a/b", ""],
            actions: [
                ReplyAction(kind: "arrangement.accepted", arrangementID: "arr-1", status: "accepted"),
                ReplyAction(kind: "handoff.requested"), ReplyAction(kind: "x", status: "open"),
            ],
            sources: [
                ReplySource(kind: "unit", id: "tprek:1", title: "Kallion kirjasto", url: "https://hel.fi/a?b=c&d"),
                ReplySource(kind: "catalog", id: "hours"),
            ])
        var replies = [awkward]
        for confidence in [0, 1, 0.5, 0.99999, 0.00004, 0.00005, 1.0e-9, 0.3] {
            replies.append(
                Reply(
                    sessionID: awkward.sessionID, language: .fi, text: "", intent: "x", confidence: confidence,
                    suggestions: [], actions: [], sources: []))
        }
        // And real replies of the engine, with units, suggestions and actions.
        let chat = try ChatFixture()
        try await chat.residentWithPreschoolOffer()
        for text in ["missä on lähin kirjasto Kalliossa?", "entä aukioloajat?", "asdfgh", "puhun ruotsia"] {
            replies.append(try await chat.say(text))
        }
        chat.residentID = "resident-1"
        replies.append(try await chat.say("hyväksyn esiopetuspaikan"))
        replies.append(try await chat.say("kyllä"))
        for reply in replies {
            #expect(reply.json == (try Self.foundation(reply)))
        }
        #expect(replies.contains { !$0.actions.isEmpty } && replies.contains { !$0.sources.isEmpty })
    }
}

@Suite("Session ids")
struct SessionIDTests {
    @Test func idsAreUnguessableAndSortByCreation() {
        let start = Date(timeIntervalSince1970: 1_804_060_800)
        var ids: [SessionID] = []
        for step in 0..<200 { ids.append(.random(at: start.addingTimeInterval(Double(step / 4) * 0.001))) }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.rawValue.count == 32 && id.isWellFormed)
            #expect(id.rawValue.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
        // Later sessions sort after earlier ones (ids of the same millisecond in any order).
        for (earlier, later) in zip(ids, ids.dropFirst(4)) { #expect(earlier.rawValue < later.rawValue) }
        #expect(ids[0].rawValue.prefix(12) == String(UInt64(1_804_060_800_000), radix: 16).leftPadded(to: 12))
        // Within one millisecond, the 80 random bits differ in many positions, not a counter.
        let sameMillisecond = (0..<50).map { _ in SessionID.random(at: start).rawValue.suffix(20) }
        #expect(Set(sameMillisecond).count == 50)
        #expect(Set(sameMillisecond.map { $0.first! }).count > 4)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: width - count) + self }
}
