import Foundation
import NeuvoConversation
import NeuvoLanguage
import Testing

/// One message and what the answer must be: its language, its intent ("-" for not understood, "*" for any) and
/// words it must and must not contain.
struct Step: Sendable, Decodable {
    let say: String
    let lang: Language
    let intent: String
    var contains: [String] = []
    var excludes: [String] = []

    enum CodingKeys: String, CodingKey { case say, lang, intent, contains, excludes }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        say = try container.decode(String.self, forKey: .say)
        lang = try container.decode(Language.self, forKey: .lang)
        intent = try container.decode(String.self, forKey: .intent)
        contains = try container.decodeIfPresent([String].self, forKey: .contains) ?? []
        excludes = try container.decodeIfPresent([String].self, forKey: .excludes) ?? []
    }
}

struct Script: Sendable, Decodable, CustomTestStringConvertible {
    let name: String
    let steps: [Step]
    var testDescription: String { name }
}

/// Scripted conversations, ten or more a language, in `Tests/Fixtures/dialogues.json`: played here against the
/// engine over the real catalog and a small directory (`TestDirectory`), and by `DialogueReplayTests` through the
/// real binary.
enum Scripts {
    static let all: [Script] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/dialogues.json")
        // A broken fixture fails every dialogue test with this message rather than crashing the run.
        guard let data = try? Data(contentsOf: url), let scripts = try? JSONDecoder().decode([Script].self, from: data)
        else { return [Script(name: "unreadable \(url.path)", steps: [])] }
        return scripts
    }()
    static let finnish = all.filter { $0.name.hasPrefix("fi:") }
    static let swedish = all.filter { $0.name.hasPrefix("sv:") }
    static let english = all.filter { $0.name.hasPrefix("en:") }
}

@Suite("Dialogue: scripted conversations in three languages")
struct DialogueTests {
    @Test(arguments: Scripts.finnish) func finnish(_ script: Script) async throws { try await play(script) }
    @Test(arguments: Scripts.swedish) func swedish(_ script: Script) async throws { try await play(script) }
    @Test(arguments: Scripts.english) func english(_ script: Script) async throws { try await play(script) }

    @Test func everyLanguageHasTenScriptsOrMore() {
        #expect(Scripts.finnish.count >= 10 && Scripts.swedish.count >= 10 && Scripts.english.count >= 10)
        #expect(Scripts.all.allSatisfy { !$0.steps.isEmpty }, "\(Scripts.all.map(\.name))")
    }

    func play(_ script: Script) async throws {
        let chat = try ChatFixture()
        // Someone has an arrangement: anonymous sessions must never see it.
        try await chat.residentWithPreschoolOffer()
        for step in script.steps {
            let reply = try await chat.say(step.say)
            let context =
                "\(script.name) / \(step.say) → [\(reply.language.rawValue) \(reply.intent ?? "-")] \(reply.text)"
            #expect(reply.language == step.lang, "\(context)")
            if step.intent != "*" { #expect((reply.intent ?? "-") == step.intent, "\(context)") }
            for expected in step.contains where !expected.isEmpty {
                #expect(reply.text.contains(expected), "\(context)")
            }
            for excluded in step.excludes { #expect(!reply.text.contains(excluded), "\(context)") }
        }
    }
}
