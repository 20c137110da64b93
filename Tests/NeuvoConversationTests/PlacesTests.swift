import Foundation
import NeuvoCatalog
import NeuvoConversation
import NeuvoLanguage
import NeuvoRegistry
import NeuvoStorage
import NeuvoSupport
import Testing

/// Units and districts named as residents name them, over the bundled Service Map registry: short names
/// ("Oodi", "Ode"), inflected ("Oodissa"), by street ("Yrjönkadun halli", "simhallen på Georgsgatan"), and a
/// service with a district in any language ("the library in Kallio", "biblioteket i Berghäll").
@Suite("Units and places in every language")
struct PlacesTests {
    static let registry = Task { try await RegistrySearch.bundled() }

    /// One fresh conversation over the bundled registry.
    func ask(_ messages: [String]) async throws -> [Reply] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-places-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try Database(
            path: folder.appendingPathComponent("neuvo.db").path, options: .init(migrations: conversationSchema))
        let engine = try await ConversationEngine.make(
            catalog: { projectCatalog }, database: database, directory: try await Self.registry.value,
            clock: ManualClock(ChatFixture.wednesdayMorning))
        var session: SessionID?
        var replies: [Reply] = []
        for message in messages {
            let reply = try await engine.respond(to: message, session: session, residentID: nil, language: nil)
            session = reply.sessionID
            replies.append(reply)
        }
        await database.close()
        return replies
    }

    static let oodi = "51342"
    static let yrjonkatu = "41102"
    static let kallioLibrary = "8215"

    @Test(arguments: [
        ("milloin Oodi on auki?", oodi, Language.fi), ("Oodin aukioloajat", oodi, .fi),
        ("onks Oodissa auki sunnuntaina", oodi, .fi), ("när är Ode öppet?", oodi, .sv),
        ("when is Oodi open?", oodi, .en), ("Yrjönkadun hallin aukioloajat", yrjonkatu, .fi),
        ("när är simhallen på Georgsgatan öppen?", yrjonkatu, .sv),
        ("when is the library in Kallio open?", kallioLibrary, .en),
        ("när har biblioteket i Berghäll öppet?", kallioLibrary, .sv),
        ("Kallio library opening hours", kallioLibrary, .en),
        ("mikä on Oodin osoite", oodi, .fi), ("telefonnummer till simhallen på Georgsgatan", yrjonkatu, .sv),
    ])
    func unitNamedAsResidentsSayIt(_ message: String, unit: String, language: Language) async throws {
        let reply = try await ask([message]).last!
        #expect(reply.language == language, "\(message) → \(reply.text)")
        #expect(
            reply.sources.contains { $0.kind == "unit" && $0.id == unit },
            "\(message) → [\(reply.intent ?? "-")] \(reply.text)")
    }

    @Test func aServiceInADistrictWithoutSuchAUnitIsNotAnsweredWithAnotherDistrictsUnit() async throws {
        let reply = try await ask(["milloin Vuosaaren kirjasto on auki?"]).last!
        #expect(reply.intent == "unit.opening_hours")
        #expect(!reply.sources.contains { $0.kind == "unit" }, "\(reply.text)")
        #expect(reply.text.contains("En löytänyt"), "\(reply.text)")
    }

    @Test func pastOpeningHourExceptionsAreNeverShownAsCurrent() async throws {
        let reply = try await ask(["Yrjönkadun uimahallin aukioloajat"]).last!
        #expect(reply.sources.contains { $0.id == Self.yrjonkatu }, "\(reply.text)")
        #expect(!reply.text.contains("2023"), "\(reply.text)")
        #expect(reply.text.contains("12.00-20.00"), "the regular week is still shown: \(reply.text)")
    }

    @Test(arguments: [
        (["missä on lähin kirjasto Kalliossa?", "entä uimahalli?"], yrjonkatu, "unit.find"),
        (["var ligger närmaste bibliotek i Berghäll?", "och simhallen?"], yrjonkatu, "unit.find"),
        (["where is the nearest library in Kallio?", "what about a swimming hall?"], yrjonkatu, "unit.find"),
    ])
    func followUpsCarryThePlaceInEveryLanguage(_ messages: [String], unit: String, intent: String) async throws {
        let reply = try await ask(messages).last!
        #expect(reply.intent == intent, "\(messages) → \(reply.text)")
        #expect(reply.sources.contains { $0.id == unit }, "\(messages) → \(reply.text)")
    }

    @Test(arguments: [
        (["miten haen päiväkotipaikkaa?", "paljonko se maksaa?"], "daycare.fees", Language.fi),
        (["hur ansöker jag om dagvård?", "vad kostar det?"], "daycare.fees", .sv),
        (["how do I apply for daycare?", "how much does it cost?"], "daycare.fees", .en),
    ])
    func followUpsCarryTheTopicInEveryLanguage(_ messages: [String], intent: String, language: Language) async throws {
        let reply = try await ask(messages).last!
        #expect(reply.intent == intent && reply.language == language, "\(messages) → \(reply.text)")
    }

    @Test(arguments: [
        ("hur ansöker jag om dagvård?", Language.sv), ("how do I apply for a daycare place?", .en),
        ("miten haen päiväkotipaikkaa?", .fi),
    ])
    func theFirstMessagesLanguageDecidesTheReplysLanguage(_ message: String, language: Language) async throws {
        // No explicit choice: the widget no longer sends the page's language as one.
        let reply = try await ask([message]).last!
        #expect(reply.language == language && reply.intent == "daycare.apply", "\(message) → \(reply.text)")
    }
}

@Suite("Uncertain messages")
struct UncertainMessageTests {
    /// A farewell to the messages is not a goodbye: Neuvo unsubscribes, or asks which of the two is meant.
    @Test func aFarewellToTheMessagesIsNotAGoodbye() async throws {
        let chat = try ChatFixture()
        let reply = try await chat.say("bye bye city texts, no more please")
        #expect(reply.intent != "goodbye", "\(reply.text)")
        #expect(
            reply.intent == "notifications.unsubscribe"
                || reply.text.contains("Did you mean")
                    && reply.text.contains("stopping the messages"),
            "\(reply.text)")
    }

    /// A complaint about an e-service that also reports a fault: feedback, or a question between the two.
    @Test func aComplaintAboutAFailingFormIsNotMistakenForAHelpRequest() async throws {
        let chat = try ChatFixture()
        let reply = try await chat.say("I want to complain about the online form, it kept crashing")
        #expect(
            reply.intent == "feedback" || reply.text.contains("Did you mean") && reply.suggestions.count == 2,
            "\(reply.text)")
    }
}
