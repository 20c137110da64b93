import Foundation
import NeuvoLanguage
import Testing

@testable import NeuvoCatalog

/// Writes a small catalog into a temporary folder; each test breaks it in one way.
final class CatalogFixture {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-catalog-\(UUID())")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("intents"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("locales"), withIntermediateDirectories: true)
        let words: [Language: [String]] = [
            .fi: ["kirjasto", "uimahalli", "terveysasema", "neuvola", "päiväkoti"],
            .sv: ["bibliotek", "simhall", "hälsostation", "rådgivning", "daghem"],
            .en: ["library", "swimming hall", "health station", "child clinic", "daycare"],
        ]
        let openers: [Language: [String]] = [
            .fi: ["milloin on auki", "aukioloajat", "onko auki"], .sv: ["när är öppet", "öppettider", "har öppet"],
            .en: ["when is open", "opening hours", "is it open"],
        ]
        let greetings: [Language: [String]] = [
            .fi: ["moi", "hei", "terve", "huomenta", "päivää"], .sv: ["hej", "hallå", "god dag", "tjena", "morjens"],
            .en: ["hi", "hello", "hey", "good morning", "howdy"],
        ]
        try write("intents/unit.opening_hours.json", intent("unit.opening_hours", examples: combine(openers, words)))
        try write("intents/greeting.json", intent("greeting", examples: combine(greetings, ["", "!", "?"])))
        try write(
            "locales/general.json",
            """
            {
              "unit.opening_hours.answer": {"fi": "((unit)) on auki ((hours)).", "sv": "((unit)) har öppet ((hours)).", "en": "((unit)) is open ((hours))."},
              "greeting.answer": {"fi": "Hei! Miten voin auttaa?", "sv": "Hej! Hur kan jag hjälpa?", "en": "Hi! How can I help?"}
            }
            """)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func combine(_ first: [Language: [String]], _ second: [Language: [String]]) -> [Language: [String]] {
        first.mapValues { _ in [] }.merging(first) { _, new in new }.reduce(into: [:]) { result, entry in
            result[entry.key] = entry.value.flatMap { a in second[entry.key]!.map { "\(a) \($0)" } }
        }
    }

    func combine(_ first: [Language: [String]], _ suffixes: [String]) -> [Language: [String]] {
        first.mapValues { words in words.flatMap { word in suffixes.map { word + $0 } } }
    }

    func intent(_ id: String, examples: [Language: [String]], extra: String = "") -> String {
        func list(_ language: Language) -> String {
            examples[language]!.map { "\"\($0)\"" }.joined(separator: ", ")
        }
        return """
            {
              "id": "\(id)",
              "summary": "test intent",
              "examples": {
                "fi": [\(list(.fi))],
                "sv": [\(list(.sv))],
                "en": [\(list(.en))]
              },
              "responses": ["\(id).answer"]\(extra)
            }
            """
    }

    func write(_ path: String, _ contents: String) throws {
        try contents.write(to: root.appendingPathComponent(path), atomically: true, encoding: .utf8)
    }

    func load() -> CatalogLoader.Result { CatalogLoader(root: root).load() }
}

@Suite("Catalog loading and checks")
struct CatalogLoaderTests {
    @Test func aValidCatalogLoadsTrainsAndRenders() throws {
        let fixture = try CatalogFixture()
        let result = fixture.load()
        #expect(result.problems.isEmpty, "\(result.problems)")
        let catalog = try Catalog.load(root: fixture.root)
        #expect(catalog.intentIDs == ["greeting", "unit.opening_hours"])
        #expect(catalog.classify("moi!", language: .fi).alternatives.first?.intent == "greeting")
        #expect(
            catalog.classify("library opening hours", language: .en).alternatives.first?.intent == "unit.opening_hours")
        #expect(
            try catalog.locales.render(
                "unit.opening_hours.answer", language: .sv, values: ["unit": "Oodi", "hours": "8–22"])
                == "Oodi har öppet 8–22.")
        #expect(throws: LocaleTable.LookupError.self) {
            try catalog.locales.render("unit.opening_hours.answer", language: .sv, values: ["unit": "Oodi"])
        }
    }

    /// Processes that only render notices read `locales/` alone: the same strings as a whole load, a broken
    /// locale file still refused, and an intent's problem (which concerns the chat only) not in their way.
    @Test func theLocalesAloneLoadAsInTheWholeCatalog() throws {
        let fixture = try CatalogFixture()
        let whole = fixture.load()
        let alone = CatalogLoader(root: fixture.root).loadLocales()
        #expect(alone.problems.isEmpty)
        #expect(alone.intents.isEmpty)
        #expect(alone.locales == whole.locales)
        #expect(try Catalog.loadLocales(root: fixture.root).strings.count == 2)

        try fixture.write("intents/greeting.json", "{ not json")
        #expect(fixture.load().problems.contains { $0.severity == .error })
        #expect(try Catalog.loadLocales(root: fixture.root).strings.count == 2)

        try fixture.write(
            "locales/general.json", #"{"greeting.answer": {"fi": "Hei ((name", "sv": "Hej", "en": "Hi"}}"#)
        #expect(throws: Catalog.LoadError.self) { try Catalog.loadLocales(root: fixture.root) }
    }

    /// A text rule's warning points at the language's own text, however the file is laid out (a fuzzed one-line
    /// file once got a warning on its line 2).
    @Test func aTextWarningPointsAtTheLanguagesLine() throws {
        let fixture = try CatalogFixture()
        try fixture.write(
            "locales/general.json",
            #"{"unit.opening_hours.answer": {"fi": "((unit)) on auki ((hours)).", "sv": "((unit)) har öppet ((hours)).", "en": "((unit)) is open ((hours))."}, "greeting.answer": {"fi": "Hei ((count))ssa", "sv": "Hej", "en": "Hi"}}"#
        )
        let oneLine = fixture.load().problems.filter { $0.message.contains("case ending") }
        #expect(oneLine.count == 1)
        #expect(oneLine.first?.line == 1)
        try fixture.write(
            "locales/general.json",
            """
            {
              "unit.opening_hours.answer": {"fi": "((unit)) on auki ((hours)).", "sv": "((unit)) har öppet ((hours)).", "en": "((unit)) is open ((hours))."},
              "greeting.answer": {
                "sv": "Hej",
                "en": "Hi",
                "fi": "Hei ((count))ssa"
              }
            }
            """)
        let laidOut = fixture.load().problems.filter { $0.message.contains("case ending") }
        #expect(laidOut.map(\.line) == [6])
    }

    @Test func aSyntaxErrorNamesFileLineAndColumn() throws {
        let fixture = try CatalogFixture()
        try fixture.write("locales/broken.json", "{\n  \"a.b\": {\"fi\": \"x\" \"sv\": \"y\"}\n}")
        let problems = fixture.load().problems
        #expect(problems.count == 1)
        #expect(problems.first?.description.hasPrefix("locales/broken.json:2:21: error: expected ',' or '}'") == true)
        #expect(throws: Catalog.LoadError.self) { try Catalog.load(root: fixture.root) }
    }

    @Test func aMissingTranslationAndDifferentPlaceholdersAreReported() throws {
        let fixture = try CatalogFixture()
        try fixture.write(
            "locales/extra.json",
            """
            {
              "extra.one": {"fi": "Hei ((name))", "sv": "Hej ((namn))", "en": "Hi ((name))"},
              "extra.two": {"fi": "Vain suomeksi", "en": "Only in English"}
            }
            """)
        let messages = fixture.load().problems.map(\.description)
        #expect(
            messages.contains { $0.hasPrefix("locales/extra.json:2:3: error: 'extra.one' uses different placeholders") }
        )
        #expect(messages.contains { $0.hasPrefix("locales/extra.json:3:3: error: 'extra.two' has no sv translation") })
    }

    @Test func anExampleUnderTwoIntentsIsReported() throws {
        let fixture = try CatalogFixture()
        var examples: [Language: [String]] = [:]
        for language in Language.allCases {
            examples[language] = (1...15).map { "thanks number \($0) \(language.rawValue)" }
        }
        examples[.fi]![0] = "MOI!"  // also under greeting, in another case
        try fixture.write("intents/thanks.json", fixture.intent("thanks", examples: examples))
        try fixture.write(
            "locales/thanks.json",
            #"{"thanks.answer": {"fi": "Ole hyvä!", "sv": "Varsågod!", "en": "You're welcome!"}}"#)
        let problems = fixture.load().problems
        #expect(problems.count == 1)
        #expect(problems.first?.file == "intents/thanks.json")
        #expect(problems.first?.line == 5)
        #expect(problems.first?.message.contains("also listed under 'greeting'") == true)
    }

    @Test func fieldAndReferenceProblemsAreAllReported() throws {
        let fixture = try CatalogFixture()
        var examples: [Language: [String]] = [:]
        for language in Language.allCases {
            examples[language] = (1...15).map { "feedback \($0) \(language.rawValue)" }
        }
        examples[.sv] = Array(examples[.sv]!.prefix(3))
        let extra = """
            ,
              "servces": [],
              "action": "launch.rocket",
              "slots": [{"name": "when", "entity": "weekday", "required": true}]
            """
        try fixture.write("intents/feedback.json", fixture.intent("feedbak", examples: examples, extra: extra))
        let messages = fixture.load().problems.map(\.description)
        #expect(messages.contains { $0.contains("the id 'feedbak' does not match the file name") })
        #expect(messages.contains { $0.contains("3 sv examples, at least 15 are needed") })
        #expect(messages.contains { $0.contains("unknown field 'servces'") && $0.contains("did you mean 'services'?") })
        #expect(messages.contains { $0.contains("unknown action 'launch.rocket'") })
        #expect(messages.contains { $0.contains("unknown entity 'weekday'") })
        #expect(messages.contains { $0.contains("unknown locale key 'feedbak.answer'") })
        #expect(messages.allSatisfy { $0.hasPrefix("intents/feedback.json:") })
    }

    @Test func aKeyDefinedTwiceIsReported() throws {
        let fixture = try CatalogFixture()
        try fixture.write("locales/again.json", #"{"greeting.answer": {"fi": "a", "sv": "b", "en": "c"}}"#)
        let messages = fixture.load().problems.map(\.description)
        #expect(
            messages == [
                "locales/general.json:1:1: error: the key 'greeting.answer' is already defined in locales/again.json:1 (hint: define each key once; rename or remove one)"
            ]
                || messages.contains { $0.contains("already defined") })
    }

    @Test func aMissingFolderIsAClearProblem() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-empty-\(UUID())")
        let problems = CatalogLoader(root: empty).load().problems
        #expect(problems.contains { $0.file == "intents" && $0.message.contains("does not exist") })
    }
}
