import Foundation
import NeuvoLanguage
import NeuvoTestSupport
import Testing

@testable import NeuvoCatalog

/// Each rule of `TextRules` fires on the kind of text the native review found, and stays quiet on the catalog the
/// project ships (which `neuvo check --strict` also runs in CI).
@Suite("Text rules: what a native clerk would catch")
struct TextRulesTests {
    func warnings(_ key: String, fi: String, sv: String, en: String, glossary: Glossary? = nil) throws -> [String] {
        func forms(_ text: String) throws -> LocalizedString.Forms { .single(try Template(parsing: text)) }
        let string = LocalizedString(
            key: key, translations: [.fi: try forms(fi), .sv: try forms(sv), .en: try forms(en)],
            file: "locales/test.json", line: 1)
        return TextRules.problems([string], glossary: glossary).map(\.message)
    }

    @Test func aValueThatMayBeMissingInRunningTextIsCaught() throws {
        let found = try warnings(
            "unit.find.answer", fi: "((unit)) on osoitteessa ((address)).", sv: "((unit)) ligger på ((address)).",
            en: "((unit)) is at ((address)).")
        #expect(found.count == 3)
        #expect(found.allSatisfy { $0.contains("((address)) may be missing") })
    }

    @Test func aLabelOrAnOptionalPartKeepsTheSentenceWhole() throws {
        #expect(
            try warnings(
                "unit.find.answer", fi: "((unit))\nOsoite: ((address))", sv: "((unit))\nAdress: ((address))",
                en: "((unit))\nAddress: ((address))"
            ).isEmpty)
        #expect(
            try warnings(
                "arrangement.accept.confirm", fi: "Hyväksytkö tämän: ((arrangement))((place??, ((place))))?",
                sv: "Tackar du ja till: ((arrangement))((place??, ((place))))?",
                en: "Do you accept this: ((arrangement))((place??, ((place))))?"
            ).isEmpty)
    }

    @Test func finnishCaseEndingsOnANameAreCaught() throws {
        let glued = try warnings(
            "conversation.x", fi: "Tervetuloa ((unit)):ssa!", sv: "Välkommen till ((unit))!", en: "Welcome to ((unit))!"
        )
        #expect(glued.count == 1 && glued[0].contains("case ending"), "\(glued)")
        let genitive = try warnings(
            "conversation.unit.hours_unknown", fi: "Toimipisteen ((unit)) aukioloajat eivät ole tiedossani.",
            sv: "Jag känner inte till öppettiderna för ((unit)).", en: "I don't have the opening hours for ((unit)).")
        #expect(genitive.count == 1 && genitive[0].contains("genitive"), "\(genitive)")
        // Postpositions after a value are fine: "((closes)) asti", "viimeistään ((accept_by))."
        #expect(
            try warnings(
                "notice.x", fi: "Äänestys on auki ((closes)) asti. Vastaa viimeistään ((accept_by)).",
                sv: "Öppen till ((closes)). Svara senast ((accept_by)).",
                en: "Open until ((closes)). Reply by ((accept_by))."
            ).isEmpty)
    }

    @Test func aSentenceOverTwentyFiveWordsIsCaught() throws {
        let long = Array(repeating: "sana", count: 26).joined(separator: " ") + "."
        let found = try warnings("help.answer", fi: long, sv: "Kort mening.", en: "A short one. Another one.")
        #expect(found.count == 1 && found[0].contains("26 words"), "\(found)")
        let exactly = Array(repeating: "word", count: 25).joined(separator: " ") + "."
        #expect(try warnings("help.answer", fi: "Lyhyt.", sv: "Kort.", en: exactly).isEmpty)
    }

    @Test func aWordTheGlossaryAvoidsIsCaughtInAnyInflection() throws {
        let glossary = Glossary(terms: [
            Glossary.Term(
                concept: "early childhood education",
                preferred: [.fi: "varhaiskasvatus", .sv: "småbarnspedagogik", .en: "early childhood education"],
                avoid: [.fi: ["päivähoi*"], .en: ["day care", "daycare"]])
        ])
        let found = try warnings(
            "widget.intro", fi: "Kysy päivähoidosta.", sv: "Fråga om småbarnspedagogik.",
            en: "Ask about day care or the ((unit)).", glossary: glossary)
        #expect(found.count == 2, "\(found)")
        #expect(found.contains { $0.contains("'päivähoidosta'") } && found.contains { $0.contains("'day care'") })
    }

    /// The shipped catalog passes every text rule (cross-validation findings are about examples, not texts).
    @Test func theShippedTextsPassEveryRule() throws {
        let result = CatalogLoader(root: projectRoot).load()
        let textProblems = result.problems.filter { $0.file.hasPrefix("locales/") }
        #expect(textProblems.isEmpty, "\(textProblems.map(\.description).joined(separator: "\n"))")
        #expect(!result.locales.keys.contains("terms"), "the glossary is not read as locale strings")
    }
}
