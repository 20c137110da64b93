import Foundation
import NeuvoLanguage

/// The catalog's trained model against labelled resident messages it never saw: what a resident would get.
/// A message counts as understood only when the answered intent (after the out-of-scope policy) is the labelled
/// one; an out-of-scope message (intent null) counts as rejected when no intent is answered. Messages the
/// catalog holds verbatim (compared normalised) are left out, so the figures say how new phrasings fare.
public struct CatalogEvaluation: Sendable {
    /// One labelled message: `intent` nil means out of scope.
    public struct Line: Sendable, Hashable, Codable {
        public let text: String
        public let intent: String?
        public let lang: Language

        public init(text: String, intent: String?, lang: Language) {
            self.text = text
            self.intent = intent
            self.lang = lang
        }
    }

    public struct Figures: Sendable, Codable, Hashable {
        public let lang: String
        public let inScope: Int
        /// Share of in-scope messages answered with the right intent.
        public let accuracy: Double
        /// Share of in-scope messages whose best intent, ignoring the out-of-scope policy, is right.
        public let topChoiceAccuracy: Double
        /// Share of in-scope messages given no intent.
        public let inScopeRejected: Double
        public let outOfScope: Int
        /// Share of out-of-scope messages given no intent.
        public let outOfScopeRejected: Double
        /// Expected calibration error of the best intent's confidence on the in-scope messages.
        public let expectedCalibrationError: Double

        enum CodingKeys: String, CodingKey {
            case lang
            case inScope = "in_scope"
            case accuracy
            case topChoiceAccuracy = "top_choice_accuracy"
            case inScopeRejected = "in_scope_rejected"
            case outOfScope = "out_of_scope"
            case outOfScopeRejected = "out_of_scope_rejected"
            case expectedCalibrationError = "expected_calibration_error"
        }
    }

    public struct Miss: Sendable, Codable, Hashable {
        public let text: String
        public let lang: String
        public let expected: String?
        public let answered: String?
        public let best: String?
        public let confidence: Double
    }

    public let figures: [Figures]
    /// Lines left out because the catalog holds them verbatim.
    public let leftOut: Int
    public let misses: [Miss]

    /// Classifies each line as the product does: its language identified from the text (the labelled language is
    /// only the fallback for text too short to tell).
    public static func run(_ catalog: Catalog, lines: [Line], identifier: LanguageIdentifier = .bundled)
        -> CatalogEvaluation
    {
        let known = Set(catalog.intents.values.flatMap { $0.examples.map { TextNormalizer.normalize($0.text) } })
        let kept = lines.filter { !known.contains(TextNormalizer.normalize($0.text)) }
        var outcomes: [(line: Line, prediction: IntentPrediction)] = []
        for line in kept {
            let language = identifier.identify(line.text, fallback: line.lang).language
            outcomes.append((line, catalog.classify(line.text, language: language)))
        }
        var figures: [Figures] = []
        for language in Language.allCases {
            let subset = outcomes.filter { $0.line.lang == language }
            guard !subset.isEmpty else { continue }
            let inScope = subset.filter { $0.line.intent != nil }
            let outOfScope = subset.filter { $0.line.intent == nil }
            func share(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
            figures.append(
                Figures(
                    lang: language.rawValue, inScope: inScope.count,
                    accuracy: share(inScope.count { $0.prediction.intent == $0.line.intent }, inScope.count),
                    topChoiceAccuracy: share(
                        inScope.count { $0.prediction.alternatives.first?.intent == $0.line.intent }, inScope.count),
                    inScopeRejected: share(inScope.count { $0.prediction.intent == nil }, inScope.count),
                    outOfScope: outOfScope.count,
                    outOfScopeRejected: share(outOfScope.count { $0.prediction.intent == nil }, outOfScope.count),
                    expectedCalibrationError: Calibration.expectedCalibrationError(
                        inScope.map {
                            (
                                $0.prediction.alternatives.first?.confidence ?? 0,
                                $0.prediction.alternatives.first?.intent == $0.line.intent
                            )
                        })))
        }
        let misses = outcomes.filter { $0.prediction.intent != $0.line.intent }.map {
            Miss(
                text: $0.line.text, lang: $0.line.lang.rawValue, expected: $0.line.intent,
                answered: $0.prediction.intent,
                best: $0.prediction.alternatives.first?.intent, confidence: $0.prediction.confidence)
        }
        return CatalogEvaluation(figures: figures, leftOut: lines.count - kept.count, misses: misses)
    }

    /// Reads JSONL lines `{"text", "intent" (a string, or null for out of scope), "lang"}`; errors name the file
    /// and the line.
    public static func read(_ url: URL) throws -> [Line] {
        try LabeledUtteranceReader.read(url, nullIntent: CatalogLoader.outOfScopeID).map {
            Line(text: $0.text, intent: $0.intent == CatalogLoader.outOfScopeID ? nil : $0.intent, lang: $0.lang)
        }
    }
}
