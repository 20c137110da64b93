import ArgumentParsing
import Foundation
import NeuvoCatalog
import NeuvoRegistry
import NeuvoSupport

/// `neuvo check`: validates intents and locales together, with file:line and a hint for every problem.
struct CheckCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "check", abstract: "Validate the intent catalog and translations (exit 0 only when clean).",
            discussion: """
                Reports every problem as FILE:LINE:COLUMN: error|warning: message (hint: ...): syntax, missing
                translations, placeholders that differ between languages, examples listed under two intents,
                unknown locale keys, too few examples, and the text rules (values that may be missing in running text,
                Finnish case endings on names, sentences over 25 words, words the glossary avoids). Warnings alone do
                not fail the check unless --strict is given. Notes list examples that a model trained on the other
                examples assigns to another intent (5-fold cross-validation): for review, never fatal.
                """)
    }

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print one JSON object: {\"ok\", \"errors\", \"warnings\", \"problems\": [...]}.") var json = false
    @Flag(help: "Fail on warnings too.") var strict = false
    @Flag(name: "no-cross-validation", help: "Skip the cross-validation (faster).") var skipCrossValidation = false

    struct Report: Encodable {
        let ok: Bool
        let errors: Int
        let warnings: Int
        let notes: Int
        let intents: Int
        let localeKeys: Int
        let crossValidationAccuracy: Double?
        let problems: [CatalogProblem]

        enum CodingKeys: String, CodingKey {
            case ok, errors, warnings, notes, intents, problems
            case localeKeys = "locale_keys"
            case crossValidationAccuracy = "cross_validation_accuracy"
        }
    }

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let root = try GlobalOptions.catalogRoot(configuration)
        let source = CatalogLoader(root: root).load()
        var problems = source.problems
        // Services named by intents must exist in the city's service tree.
        let registry = try await RegistrySearch.bundled()
        for intent in source.intents {
            for service in intent.services where !registry.hasService(id: service) {
                problems.append(
                    CatalogProblem(
                        file: intent.file, line: intent.lines["services"] ?? 1,
                        message: "unknown service id '\(service)'",
                        hint: "use an ontologytree id of the Service Map (see neuvo registry search)"))
            }
        }
        var accuracy: Double?
        if !skipCrossValidation && !source.intents.isEmpty && !problems.contains(where: { $0.severity == .error }) {
            let validation = CrossValidation.run(source.intents)
            accuracy = validation.accuracy
            problems += validation.problems(minimumConfidence: 0.8)
        }
        problems.sort { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
        let errors = problems.filter { $0.severity == .error }.count
        let notes = problems.filter { $0.severity == .note }.count
        let warnings = problems.count - errors - notes
        let ok = errors == 0 && (!strict || warnings == 0)
        if json {
            let report = Report(
                ok: ok, errors: errors, warnings: warnings, notes: notes, intents: source.intents.count,
                localeKeys: source.locales.count, crossValidationAccuracy: accuracy, problems: problems)
            print(try StandardOutput.json(report, pretty: true))
        } else {
            for problem in problems { print(problem.description) }
            var summary = "\(source.intents.count) intents, \(source.locales.count) locale keys: "
            summary += "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
            if notes > 0 { summary += ", \(notes) note\(notes == 1 ? "" : "s") for review" }
            if let accuracy { summary += "; cross-validation accuracy \(String(format: "%.1f", accuracy * 100)) %" }
            print(summary)
        }
        if !ok { throw CommandFailure(exitCode: .dataError, message: "the catalog has problems (see above)") }
        // A checked catalog is about to be served: its model is trained into the cache now, so that the reload
        // or start that follows reads it instead of training.
        if errors == 0 { _ = try? Catalog.load(root: root) }
    }
}
