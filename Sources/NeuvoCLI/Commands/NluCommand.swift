import ArgumentParsing
import Foundation
import NeuvoCatalog
import NeuvoLanguage
import NeuvoRegistry
import NeuvoSupport

/// `neuvo nlu`: the language engine on the command line, in the exact forms integrations use.
struct NluCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "nlu", abstract: "Language identification, intent classification and evaluation.",
            subcommands: [NluClassifyCommand.self, NluDetectCommand.self, NluEvalCommand.self])
    }
}

/// Standard input a line at a time, invalid UTF-8 decoded with replacement characters instead of failing.
struct StandardInputLines: Sequence, IteratorProtocol {
    mutating func next() -> String? {
        guard let line = readLine(strippingNewline: true) else { return nil }
        return line.hasSuffix("\r") ? String(line.dropLast()) : line
    }
}

/// Writes one line and flushes it, so that a program on the other end of a pipe sees every answer at once.
enum StandardOutput {
    static func writeLine(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func json<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// `neuvo nlu detect`: `LANG CONFIDENCE` for every input line.
struct NluDetectCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "detect", abstract: "Identify the language (fi, sv, en) of each line on standard input.",
            discussion: "Writes 'LANG CONFIDENCE' a line. Text too short to tell gets the previous line's language.")
    }

    @Flag(help: "Judge every line on its own, without falling back to the previous line's language.")
    var independent = false

    func run() async throws {
        let identifier = LanguageIdentifier.bundled
        var previous: Language?
        for line in StandardInputLines() {
            let guess = identifier.identify(line, fallback: independent ? nil : previous)
            if guess.isReliable { previous = guess.language }
            StandardOutput.writeLine("\(guess.language.rawValue) \(String(format: "%.4f", guess.confidence))")
        }
    }
}

/// One classified message, in the JSON form integrations read.
struct ClassifiedMessage: Encodable {
    let text: String
    let lang: String
    let langConfidence: Double
    let intent: String?
    let confidence: Double
    let alternatives: [ScoredIntent]
    let entities: [Entity]

    enum CodingKeys: String, CodingKey {
        case text, lang, intent, confidence, alternatives, entities
        case langConfidence = "lang_confidence"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(lang, forKey: .lang)
        try container.encode(Self.rounded(langConfidence), forKey: .langConfidence)
        try container.encode(intent, forKey: .intent)  // null when out of scope, never left out
        try container.encode(Self.rounded(confidence), forKey: .confidence)
        try container.encode(
            alternatives.map { ScoredIntent(intent: $0.intent, confidence: Self.rounded($0.confidence)) },
            forKey: .alternatives)
        try container.encode(entities, forKey: .entities)
    }

    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
}

/// `neuvo nlu classify`: language, intent, confidence, alternatives and entities for each input line.
struct NluClassifyCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "classify",
            abstract: "Classify each line on standard input with the project's intent catalog.",
            discussion: """
                With --json, writes one JSON object a line: {"text", "lang", "lang_confidence", "intent", "confidence",
                "alternatives": [{"intent", "confidence"}], "entities": [...]}; "intent" is null when out of scope.
                """)
    }

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Write one JSON object a line (the form integrations read).") var json = false

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let catalog = try global.loadCatalog(configuration)
        let identifier = LanguageIdentifier.bundled
        // District, unit and service names from the bundled registry, so entities include places.
        let extractor = EntityExtractor(gazetteer: Gazetteer(try await RegistrySearch.bundled().gazetteerEntries()))
        let fallback = Language(rawValue: configuration.defaultLanguage) ?? .fi
        var previous = fallback
        for line in StandardInputLines() {
            let guess = identifier.identify(line, fallback: previous)
            if guess.isReliable { previous = guess.language }
            let prediction = catalog.classify(line, language: guess.language)
            let entities = extractor.extract(
                line, language: guess.language, now: Date(), timeZone: configuration.timeZone)
            let message = ClassifiedMessage(
                text: line, lang: guess.language.rawValue, langConfidence: guess.confidence, intent: prediction.intent,
                confidence: prediction.confidence, alternatives: prediction.alternatives, entities: entities)
            if json {
                StandardOutput.writeLine(try StandardOutput.json(message))
            } else {
                let alternatives = prediction.alternatives.dropFirst().map {
                    "\($0.intent) \(String(format: "%.2f", $0.confidence))"
                }
                StandardOutput.writeLine(
                    "\(guess.language.rawValue)  \(prediction.intent ?? "(out of scope)")  "
                        + String(format: "%.2f", prediction.confidence)
                        + (alternatives.isEmpty ? "" : "  | " + alternatives.joined(separator: ", ")))
            }
        }
    }
}

/// `neuvo nlu eval`: train on one labelled file and evaluate on another, or cross-validate the catalog.
struct NluEvalCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "eval",
            abstract: "Train on a labelled JSONL file and evaluate on another, or cross-validate the catalog.",
            discussion: """
                Each line is {"text": ..., "intent": ..., "lang": "fi"|"sv"|"en"} (other fields are ignored), the format
                of MASSIVE. Prints accuracy overall and per language, macro-F1, the most confused intent pairs,
                training time and classification time per message. With --catalog instead, runs k-fold
                cross-validation on the project's intent catalog and prints per-intent precision and recall, the
                calibration (temperature, expected calibration error) and the out-of-scope rejection curve. With
                --catalog and --test FILE, trains on the catalog and evaluates FILE as residents would be answered
                (intent null marks an out-of-scope message; lines the catalog holds verbatim are left out).
                """)
    }

    @Option(valueName: "file", help: "Labelled JSONL file to train on.") var train: String?
    @Option(valueName: "file", help: "Labelled JSONL file to evaluate on.") var test: String?
    @Flag(help: "Cross-validate the intent catalog instead of --train/--test.") var catalog = false
    @Option(name: "catalog-folder", valueName: "folder", help: "Folder holding intents/ (default: configuration).")
    var catalogFolder: String?
    @Option(help: "Number of cross-validation folds.") var folds: Int = 5
    @Option(
        name: "set", valueName: "name=value",
        help: """
            Change a training option (repeatable): c, tolerance, probe-tolerance, calibration-folds, char-ngrams \
            (e.g. 1-5), word-bigrams, word-trigrams, boundary-bigrams, stems, stem-bigrams, initialisms, \
            fold-characters, fold-words, apostrophes (whole, head, parts or both), sublinear, character-weight, \
            word-weight, stem-weight, stem-bigram-weight, min-df, nb-weight (a number, or auto: chosen on the \
            calibration folds), nb-weights (the candidates, e.g. 0:0.02:0.04), nb-alpha, group-weight (a number, or \
            auto), group-weights, smoothed-weights, warm-start (booleans: true or false).
            """)
    var settings: [String]
    @Flag(help: "Print one JSON object.") var json = false

    /// The classifier options with every --set applied; an unknown name or a bad value is a usage error.
    func trainingOptions() throws -> IntentClassifierOptions {
        var options = IntentClassifierOptions()
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--set wants name=value, not '\(setting)'") }
            let (name, value) = (parts[0], parts[1])
            func number() throws -> Double {
                guard let number = Double(value), number.isFinite else {
                    throw ValidationError("--set \(name): '\(value)' is not a number")
                }
                return number
            }
            func flag() throws -> Bool {
                guard let flag = Bool(value) else { throw ValidationError("--set \(name): use true or false") }
                return flag
            }
            switch name {
            case "c": options.c = try number()
            case "tolerance": options.tolerance = try number()
            case "calibration-folds": options.calibrationFolds = Int(try number())
            case "min-df": options.minimumDocumentFrequency = Int(try number())
            case "nb-weight": options.naiveBayesWeight = value == "auto" ? nil : try number()
            case "nb-alpha": options.naiveBayesAlpha = try number()
            case "group-weight": options.groupWeight = value == "auto" ? nil : try number()
            case "warm-start": options.warmStart = try flag()
            case "smoothed-weights": options.smoothedWeightChoice = try flag()
            case "probe-tolerance": options.probeTolerance = try number()
            case "char-ngrams":
                let bounds = value.split(separator: "-").compactMap { Int($0) }
                guard bounds.count == 2, bounds[0] >= 1, bounds[0] <= bounds[1], bounds[1] <= 8 else {
                    throw ValidationError("--set char-ngrams wants LOW-HIGH within 1-8, not '\(value)'")
                }
                options.features.characterNGrams = bounds[0]...bounds[1]
            case "word-bigrams": options.features.wordBigrams = try flag()
            case "boundary-bigrams": options.features.boundaryBigrams = try flag()
            case "stems": options.features.stems = try flag()
            case "fold-characters": options.features.foldCharacters = try flag()
            case "fold-words": options.features.foldWords = try flag()
            case "apostrophes":
                guard let handling = ApostropheWords(rawValue: value) else {
                    throw ValidationError(
                        "--set apostrophes wants one of \(ApostropheWords.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                options.features.apostropheWords = handling
            case "stem-bigrams": options.features.stemBigrams = try flag()
            case "initialisms": options.features.joinInitialisms = try flag()
            case "word-trigrams": options.features.wordTrigrams = try flag()
            case "nb-weights", "group-weights":
                let weights = value.split(separator: ":").compactMap { Double($0) }.filter(\.isFinite)
                guard !weights.isEmpty, weights.count == value.split(separator: ":").count else {
                    throw ValidationError("--set \(name) wants numbers separated by ':', not '\(value)'")
                }
                if name == "nb-weights" { options.naiveBayesWeights = weights } else { options.groupWeights = weights }
            case "sublinear": options.features.sublinearTF = try flag()
            case "character-weight": options.features.characterWeight = try number()
            case "word-weight": options.features.wordWeight = try number()
            case "stem-weight": options.features.stemWeight = try number()
            case "stem-bigram-weight": options.features.stemBigramWeight = try number()
            default: throw ValidationError("--set: unknown option '\(name)'")
            }
        }
        return options
    }

    func validate() throws {
        if catalog {
            if train != nil {
                throw ValidationError("use either --catalog or --train (--catalog trains on the catalog)")
            }
            if folds < 2 { throw ValidationError("--folds must be at least 2") }
        } else if train == nil || test == nil {
            throw ValidationError("--train and --test are both required (or use --catalog)")
        }
    }

    func run() async throws {
        if catalog, let test {
            try evaluateAgainstCatalog(test)
            return
        }
        if catalog {
            try crossValidateCatalog()
            return
        }
        let training = try Self.read(train!)
        let testing = try Self.read(test!)
        guard !training.isEmpty else { throw CommandFailure(exitCode: .dataError, message: "\(train!): no examples") }
        guard !testing.isEmpty else { throw CommandFailure(exitCode: .dataError, message: "\(test!): no examples") }
        let report = IntentEvaluation.run(train: training, test: testing, options: try trainingOptions())
        if json {
            print(try StandardOutput.json(report))
            return
        }
        print(EvaluationTable.render(report))
    }

    struct CatalogReport: Encodable {
        let accuracy: Double
        let byLang: [String: Double]
        let folds: Int
        let examples: Int
        let intents: [CrossValidation.IntentFigures]
        let calibration: CalibrationSummary?

        enum CodingKeys: String, CodingKey {
            case accuracy, folds, examples, intents, calibration
            case byLang = "by_lang"
        }
    }

    func catalogRoot() throws -> URL {
        var configuration = try Configuration.load(environment: ProcessInfo.processInfo.environment)
        if let catalogFolder { configuration.catalogPath = catalogFolder }
        return try GlobalOptions.catalogRoot(configuration)
    }

    func loadCatalog() throws -> Catalog {
        do {
            return try Catalog.load(root: try catalogRoot())
        } catch {
            throw CommandFailure(exitCode: .dataError, message: "\(error); run neuvo check")
        }
    }

    struct CatalogTestReport: Encodable {
        let file: String
        let leftOut: Int
        let languages: [CatalogEvaluation.Figures]
        let misses: [CatalogEvaluation.Miss]

        enum CodingKeys: String, CodingKey {
            case file, languages, misses
            case leftOut = "left_out_verbatim"
        }
    }

    func evaluateAgainstCatalog(_ path: String) throws {
        let lines: [CatalogEvaluation.Line]
        do {
            lines = try CatalogEvaluation.read(URL(fileURLWithPath: path))
        } catch let error as LabeledUtteranceReadError {
            if case .unreadable = error.problem { throw CommandFailure(exitCode: .noInput, message: error.description) }
            throw CommandFailure(exitCode: .dataError, message: error.description)
        }
        guard !lines.isEmpty else { throw CommandFailure(exitCode: .dataError, message: "\(path): no examples") }
        let evaluation = CatalogEvaluation.run(try loadCatalog(), lines: lines)
        if json {
            print(
                try StandardOutput.json(
                    CatalogTestReport(
                        file: path, leftOut: evaluation.leftOut, languages: evaluation.figures,
                        misses: evaluation.misses), pretty: true))
            return
        }
        print("\(path): \(lines.count) messages, \(evaluation.leftOut) left out (in the catalog verbatim)")
        print("lang  in scope  answered right  top choice right  refused  out of scope  refused  calibration error")
        for figures in evaluation.figures {
            print(
                String(
                    format: "%@    %8d  %12.1f %%  %14.1f %%  %5.1f %%  %12d  %5.1f %%  %17.3f", figures.lang,
                    figures.inScope, figures.accuracy * 100, figures.topChoiceAccuracy * 100,
                    figures.inScopeRejected * 100, figures.outOfScope, figures.outOfScopeRejected * 100,
                    figures.expectedCalibrationError))
        }
        var pairs: [String: Int] = [:]
        for miss in evaluation.misses {
            pairs["\(miss.expected ?? "out_of_scope") → \(miss.answered ?? "(not understood)")", default: 0] += 1
        }
        if !pairs.isEmpty {
            print("most frequent misses (expected → answered):")
            for (pair, count) in pairs.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(15) {
                print("  \(String(count).padding(toLength: 4, withPad: " ", startingAt: 0)) \(pair)")
            }
        }
    }

    func crossValidateCatalog() throws {
        let root = try catalogRoot()
        let source = CatalogLoader(root: root).load()
        if let problem = source.problems.first(where: { $0.severity == .error }) {
            throw CommandFailure(
                exitCode: .dataError, message: "the catalog has problems, first: \(problem); run neuvo check")
        }
        // The folds' models are read for their best class only: no calibration folds inside them.
        var options = try trainingOptions()
        options.calibrationFolds = 0
        let validation = CrossValidation.run(source.intents, folds: folds, options: options)
        let calibration = try loadCatalog().classifier.calibration
        let report = CatalogReport(
            accuracy: validation.accuracy,
            byLang: Dictionary(
                uniqueKeysWithValues: Language.allCases.map { ($0.rawValue, validation.accuracy(in: $0)) }),
            folds: folds, examples: validation.outcomes.count, intents: validation.perIntent, calibration: calibration)
        if json {
            print(try StandardOutput.json(report, pretty: true))
            return
        }
        print("\(folds)-fold cross-validation over \(report.examples) examples (best class, out of scope as a class)")
        print("accuracy  \(EvaluationTable.percent(report.accuracy))")
        for language in Language.allCases {
            print("  \(language.rawValue)      \(EvaluationTable.percent(report.byLang[language.rawValue] ?? 0))")
        }
        if let calibration { print("\n" + EvaluationTable.render(calibration)) }
        let width = (report.intents.map(\.intent.count).max() ?? 10) + 2
        print("\n" + "intent".padding(toLength: width, withPad: " ", startingAt: 0) + "precision  recall  examples")
        for figures in report.intents {
            print(
                figures.intent.padding(toLength: width, withPad: " ", startingAt: 0)
                    + String(
                        format: "%8.1f %%  %5.1f %%  %8d", figures.precision * 100, figures.recall * 100,
                        figures.support))
        }
    }

    static func read(_ path: String) throws -> [LabeledUtterance] {
        do {
            return try LabeledUtteranceReader.read(URL(fileURLWithPath: path))
        } catch let error as LabeledUtteranceReadError {
            if case .unreadable = error.problem { throw CommandFailure(exitCode: .noInput, message: error.description) }
            throw CommandFailure(exitCode: .dataError, message: error.description)
        }
    }
}

enum EvaluationTable {
    static func percent(_ value: Double) -> String { String(format: "%.2f %%", value * 100) }

    /// The calibration of a trained model and its rejection curve.
    static func render(_ calibration: CalibrationSummary) -> String {
        var lines = [
            "calibration on \(calibration.folds)-fold out-of-fold predictions (\(calibration.heldOut) examples): "
                + "temperature \(String(format: "%.2f", calibration.temperature)), expected calibration error "
                + String(format: "%.3f", calibration.expectedCalibrationError),
            "out-of-scope policy: confidence ≥ \(String(format: "%.2f", calibration.policy.minimumConfidence)), "
                + "margin ≥ \(String(format: "%.2f", calibration.policy.minimumMargin))",
            "rejection curve (margin fixed):",
            "  min confidence  in scope answered right  in scope refused  out of scope refused",
        ]
        let chosenOnCurve = calibration.curve.contains {
            $0.minimumConfidence == calibration.policy.minimumConfidence
        }
        for point in calibration.curve + (chosenOnCurve ? [] : [calibration.chosen]) {
            let chosen = point == calibration.chosen && point.minimumConfidence == calibration.policy.minimumConfidence
            lines.append(
                String(
                    format: "  %14.2f  %21.1f %%  %14.1f %%  %18@", point.minimumConfidence,
                    point.inScopeAnsweredRight * 100, point.inScopeRejected * 100,
                    point.outOfScopeRejected.map { String(format: "%.1f %%", $0 * 100) } ?? "n/a")
                    + (chosen ? "  ← chosen" : ""))
        }
        return lines.joined(separator: "\n")
    }

    static func render(_ report: EvaluationReport) -> String {
        var lines: [String] = []
        lines.append(
            "examples        \(report.trainExamples) train, \(report.testExamples) test, \(report.intents) intents")
        lines.append("accuracy        \(percent(report.accuracy))")
        for language in Language.allCases {
            if let value = report.byLang[language.rawValue] {
                lines.append("  \(language.rawValue)            \(percent(value))")
            }
        }
        lines.append("macro-F1        \(String(format: "%.4f", report.macroF1))")
        lines.append("top-3 accuracy  \(percent(report.top3Accuracy))")
        lines.append(
            "calibration     expected calibration error \(String(format: "%.3f", report.expectedCalibrationError))")
        lines.append("training        \(String(format: "%.2f", report.trainSeconds)) s")
        lines.append("classification  \(String(format: "%.1f", report.usPerMessage)) µs per message (median)")
        let oos = report.outOfScope
        lines.append(
            "out of scope    thresholds confidence ≥ \(String(format: "%.3f", oos.minimumConfidence)), "
                + "margin ≥ \(String(format: "%.3f", oos.minimumMargin)); rejects \(percent(oos.rejectionRate)), "
                + "accuracy on accepted \(percent(oos.accuracyOnAccepted))")
        if !report.confusions.isEmpty {
            lines.append("most confused (expected → predicted):")
            for confusion in report.confusions.prefix(10) {
                lines.append(
                    "  \(String(confusion.count).padding(toLength: 4, withPad: " ", startingAt: 0)) \(confusion.expected) → \(confusion.predicted)"
                )
            }
        }
        return lines.joined(separator: "\n")
    }
}
