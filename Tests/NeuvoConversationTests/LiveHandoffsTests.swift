import Foundation
import NeuvoCatalog
import NeuvoConversation
import NeuvoLanguage
import NeuvoStorage
import NeuvoSupport
import Testing

/// The live hand-off's rules, on the engine and `LiveHandoffs` alone: who may act, the assistant's quiet, the ids.
@Suite("Live hand-offs")
struct LiveHandoffsTests {
    struct Fixture {
        let engine: ConversationEngine
        let live: LiveHandoffs
        let clock: ManualClock
        let folder: URL

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-live-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let database = try Database(
                path: folder.appendingPathComponent("neuvo.db").path, options: .init(migrations: conversationSchema))
            clock = ManualClock(ChatFixture.wednesdayMorning)
            live = LiveHandoffs(database: database, catalog: { projectCatalog }, clock: clock)
            var options = ConversationEngine.Options()
            options.live = live
            engine = ConversationEngine(catalog: projectCatalog, database: database, clock: clock, options: options)
        }

        func say(_ text: String, _ session: SessionID? = nil) async throws -> Reply {
            try await engine.respond(to: text, session: session, residentID: nil, language: session == nil ? .en : nil)
        }

        func openHandoff() async throws -> Int64 {
            try #require(try await live.queue().last?.id)
        }
    }

    let aino = AgentRef(id: "m1", name: "Aino")
    let bo = AgentRef(id: "m2", name: "Bo")

    @Test func customerServiceIsAvailableOnlyWhenAnAgentIs() async throws {
        let chat = try Fixture()
        let nobody = try await chat.say("i want to talk to a human")
        #expect(nobody.text.contains("Everyone in customer service is busy"), "\(nobody.text)")
        #expect(nobody.actions.contains(ReplyAction(kind: "handoff.requested", status: "closed")))
        chat.live.setPresence(aino, available: true)
        let someone = try await chat.say("i want to talk to a human")
        #expect(someone.text.contains("Customer service is available now"), "\(someone.text)")
        #expect(someone.actions.contains(ReplyAction(kind: "handoff.requested", status: "open")))
    }

    @Test func whileAnAgentHoldsTheConversationTheAssistantIsQuietAndOnlyTheHolderActs() async throws {
        let chat = try Fixture()
        let asked = try await chat.say("i want to talk to a human")
        let id = try await chat.openHandoff()
        // Not taken yet: the assistant still answers.
        #expect(try await chat.say("where is the nearest library", asked.sessionID).text.isEmpty == false)
        #expect(try await chat.live.take(id, agent: aino) == .taken)
        #expect(try await chat.live.take(id, agent: bo) == .heldByAnother("Aino"))
        #expect(try await chat.live.take(id, agent: aino) == .taken)
        await #expect(throws: LiveHandoffs.ActError.notHolder) { try await chat.live.send("hi", to: id, from: bo) }
        await #expect(throws: LiveHandoffs.ActError.notHolder) { try await chat.live.close(id, by: bo) }
        await #expect(throws: LiveHandoffs.ActError.notFound) { try await chat.live.send("hi", to: 99, from: aino) }
        let hello = try await chat.live.send("Hello, how can I help?", to: id, from: aino)
        let quiet = try await chat.say("my phone is 040 1234567", asked.sessionID)
        #expect(quiet.text.isEmpty)
        #expect(quiet.actions == [ReplyAction(kind: "handoff.relayed", status: "held")])
        let events = try await chat.live.events(session: asked.sessionID, after: 0)
        #expect(events.map(\.kind) == [.joined, .message, .message])
        #expect(events.map(\.from) == [.neuvo, .agent, .resident])
        #expect(events.map(\.id) == events.map(\.id).sorted())
        // Stored redacted, as the transcript is.
        #expect(events.last?.text.contains("1234567") == false)
        #expect(try await chat.live.events(session: asked.sessionID, after: hello.id).count == 1)
        try await chat.live.close(id, by: aino)
        let closed = try await chat.live.events(session: asked.sessionID, after: hello.id).last
        #expect(closed?.kind == .closed)
        #expect(closed?.text.contains("I'm answering your questions again") == true)
        #expect(try await chat.say("where is the nearest library", asked.sessionID).text.isEmpty == false)
        await #expect(throws: LiveHandoffs.ActError.notFound) { try await chat.live.close(id, by: aino) }
    }

    @Test func theQueueShowsTheLanguageTheIdentificationAndTheConversationSoFar() async throws {
        let chat = try Fixture()
        _ = try await chat.say("i want to talk to a human")
        let queued = try #require(try await chat.live.queue().first)
        #expect(queued.language == .en)
        #expect(queued.assurance == .anonymous)
        #expect(queued.agent == nil)
        #expect(queued.messages.map(\.from) == [.resident, .neuvo])
        #expect(queued.messages.first?.text == "i want to talk to a human")
    }
}
