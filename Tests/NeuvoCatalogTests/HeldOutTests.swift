import Foundation
import NeuvoLanguage
import Testing

@testable import NeuvoCatalog

/// The project's catalog against messages written independently of it (Fixtures/heldout.jsonl: realistic
/// resident messages over every intent plus out-of-scope ones, in fi, sv and en). Targets from the issue:
/// at least 90 % intent accuracy per language and at least 80 % of out-of-scope messages not understood.
@Suite("Held-out resident messages")
struct HeldOutTests {
    struct Line: Decodable {
        let text: String
        let intent: String?
        let lang: Language
    }

    static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func catalogMeetsTheAccuracyTargets() throws {
        let catalog = try Catalog.load(root: Self.projectRoot)
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/heldout.jsonl")
        let lines = try String(contentsOf: fixture, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(Line.self, from: Data($0.utf8))
        }
        #expect(lines.count > 500)
        let identifier = LanguageIdentifier.bundled
        for language in Language.allCases {
            let inScope = lines.filter { $0.lang == language && $0.intent != nil }
            let outOfScope = lines.filter { $0.lang == language && $0.intent == nil }
            func predict(_ line: Line) -> String? {
                catalog.classify(line.text, language: identifier.identify(line.text, fallback: language).language)
                    .intent
            }
            let correct = inScope.filter { predict($0) == $0.intent }.count
            let rejected = outOfScope.filter { predict($0) == nil }.count
            let accuracy = Double(correct) / Double(inScope.count)
            let rejection = Double(rejected) / Double(outOfScope.count)
            print(
                "held-out \(language.rawValue): intent accuracy \(String(format: "%.1f", accuracy * 100)) % "
                    + "(\(correct)/\(inScope.count)), out of scope rejected \(String(format: "%.1f", rejection * 100)) % "
                    + "(\(rejected)/\(outOfScope.count))")
            #expect(accuracy >= 0.90, "\(language.rawValue) intent accuracy \(accuracy)")
            #expect(rejection >= 0.80, "\(language.rawValue) out-of-scope rejection \(rejection)")
        }
    }

    @Test func everyRequiredIntentIsInTheCatalog() throws {
        let catalog = try Catalog.load(root: Self.projectRoot)
        let required = [
            "arrangements.list", "arrangement.accept", "arrangement.decline", "arrangement.reschedule",
            "preschool.place", "daycare.apply", "daycare.fees", "health.checkup", "health.appointment",
            "health.child_clinic", "budgeting.participate", "budgeting.vote", "planning.city_model",
            "planning.decisions", "unit.find", "unit.opening_hours", "unit.contact", "digital.services",
            "notifications.preferences", "notifications.unsubscribe", "greeting", "thanks", "goodbye", "help",
            "handoff.human", "language.change", "feedback",
        ]
        #expect(Set(required).subtracting(catalog.intentIDs).isEmpty)
        #expect(catalog.warnings.isEmpty)
    }
}
