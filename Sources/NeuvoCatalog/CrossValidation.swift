import NeuvoLanguage

/// k-fold cross-validation over the catalog's own examples: every example is classified by a model that
/// never saw it. Used by `neuvo check` (examples that the model assigns to another intent) and by
/// `neuvo nlu eval --catalog` (per-intent precision and recall).
public struct CrossValidation: Sendable {
    public struct Outcome: Sendable, Hashable {
        public let intent: String
        public let example: IntentDefinition.Example
        public let file: String
        public let predicted: String
        public let confidence: Double
    }

    public struct IntentFigures: Sendable, Hashable, Codable {
        public let intent: String
        public let precision: Double
        public let recall: Double
        public let support: Int
    }

    public let outcomes: [Outcome]
    public let folds: Int

    /// Splits every intent's examples round-robin into `folds` parts (deterministic), trains on k-1, predicts the rest.
    /// Only the best class is compared, so by default the fold models skip their own calibration.
    public static func run(
        _ intents: [IntentDefinition], folds: Int = 5, options: IntentClassifierOptions = .uncalibrated
    ) -> CrossValidation {
        var assigned: [(intent: IntentDefinition, example: IntentDefinition.Example, fold: Int)] = []
        for intent in intents {
            for (index, example) in intent.examples.enumerated() {
                assigned.append((intent, example, index % folds))
            }
        }
        var outcomes: [Outcome] = []
        for fold in 0..<folds {
            let training = assigned.filter { $0.fold != fold }.map {
                LabeledUtterance(text: $0.example.text, intent: $0.intent.id, lang: $0.example.language)
            }
            guard !training.isEmpty else { continue }
            let classifier = IntentClassifier.train(training, options: Catalog.trainingOptions(options))
            for item in assigned where item.fold == fold {
                let prediction = classifier.classify(item.example.text, language: item.example.language)
                let best = prediction.alternatives.first
                outcomes.append(
                    Outcome(
                        intent: item.intent.id, example: item.example, file: item.intent.file,
                        predicted: best?.intent ?? CatalogLoader.outOfScopeID, confidence: best?.confidence ?? 0))
            }
        }
        return CrossValidation(outcomes: outcomes, folds: folds)
    }

    public var accuracy: Double {
        outcomes.isEmpty ? 0 : Double(outcomes.filter { $0.predicted == $0.intent }.count) / Double(outcomes.count)
    }

    public func accuracy(in language: Language) -> Double {
        let subset = outcomes.filter { $0.example.language == language }
        return subset.isEmpty ? 0 : Double(subset.filter { $0.predicted == $0.intent }.count) / Double(subset.count)
    }

    public var mistakes: [Outcome] { outcomes.filter { $0.predicted != $0.intent } }

    public var perIntent: [IntentFigures] {
        let intents = Set(outcomes.map(\.intent)).sorted()
        return intents.map { intent in
            let truePositives = outcomes.filter { $0.intent == intent && $0.predicted == intent }.count
            let predicted = outcomes.filter { $0.predicted == intent }.count
            let actual = outcomes.filter { $0.intent == intent }.count
            return IntentFigures(
                intent: intent, precision: predicted == 0 ? 0 : Double(truePositives) / Double(predicted),
                recall: actual == 0 ? 0 : Double(truePositives) / Double(actual), support: actual)
        }
    }

    /// Notes for `neuvo check`: examples that a model trained on the other examples files under another intent
    /// with at least `minimumConfidence`. Intents that border each other (finding a unit and its contact details)
    /// always share some phrasing, and which examples disagree changes with the fold split, so these guide a review
    /// of the examples and never fail a check, not even `--strict`.
    public func problems(minimumConfidence: Double = 0.5) -> [CatalogProblem] {
        mistakes.filter { $0.confidence >= minimumConfidence }.map { outcome in
            CatalogProblem(
                file: outcome.file, line: outcome.example.line, severity: .note,
                message:
                    "the example \"\(outcome.example.text)\" (\(outcome.example.language.rawValue)) is classified as "
                    + "'\(outcome.predicted)' (\(Int((outcome.confidence * 100).rounded())) %) by a model trained on the "
                    + "other examples",
                hint:
                    "rephrase it to be clearly about '\(outcome.intent)', or move it to '\(outcome.predicted)' if it belongs there"
            )
        }
    }
}

extension IntentClassifierOptions {
    /// Defaults without the calibration folds: for models whose best class is all that is read.
    public static var uncalibrated: IntentClassifierOptions {
        var options = IntentClassifierOptions()
        options.calibrationFolds = 0
        return options
    }
}
