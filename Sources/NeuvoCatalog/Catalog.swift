import Foundation
import NeuvoLanguage

/// A validated, trained catalog: intents, locale strings and the classifier trained on the intents'
/// examples. An immutable value: a reload builds a new one and swaps it in whole, or keeps the old one.
public struct Catalog: Sendable {
    public let intents: [String: IntentDefinition]
    public let locales: LocaleTable
    public let classifier: IntentClassifier
    public let root: URL
    public let loadedAt: Date
    /// Warnings that do not stop the catalog from serving.
    public let warnings: [CatalogProblem]

    /// Every problem that stopped the catalog from loading.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public let problems: [CatalogProblem]

        public var description: String {
            let errors = problems.filter { $0.severity == .error }
            let shown = errors.prefix(3).map(\.description).joined(separator: "; ")
            return "the catalog has \(errors.count) problem\(errors.count == 1 ? "" : "s"): \(shown)"
                + (errors.count > 3 ? "; ... (run neuvo check for all)" : "")
        }
    }

    /// Loads, validates and trains (or reads the model trained on the same examples from `cache`). Throws when any
    /// error-level problem is found.
    public static func load(
        root: URL, options: IntentClassifierOptions = .init(), cache: ModelCache? = .fromEnvironment()
    ) throws(LoadError) -> Catalog {
        let source = CatalogLoader(root: root).load()
        let errors = source.problems.filter { $0.severity == .error }
        guard errors.isEmpty else { throw LoadError(problems: source.problems) }
        return Catalog(source: source, root: root, options: options, cache: cache)
    }

    init(source: CatalogLoader.Result, root: URL, options: IntentClassifierOptions, cache: ModelCache? = nil) {
        intents = Dictionary(uniqueKeysWithValues: source.intents.map { ($0.id, $0) })
        locales = LocaleTable(source.locales)
        let examples = Self.trainingExamples(source.intents)
        let options = Self.trainingOptions(options)
        classifier =
            cache?.classifier(for: examples, options: options) ?? IntentClassifier.train(examples, options: options)
        self.root = root
        loadedAt = Date()
        warnings = source.problems.filter { $0.severity == .warning }
    }

    /// The catalog's out-of-scope examples are the classifier's negatives: their class means "no intent" and
    /// their held-out share sets the thresholds.
    static func trainingOptions(_ options: IntentClassifierOptions) -> IntentClassifierOptions {
        var options = options
        if options.outOfScopeIntent == nil { options.outOfScopeIntent = CatalogLoader.outOfScopeID }
        return options
    }

    static func trainingExamples(_ intents: [IntentDefinition]) -> [LabeledUtterance] {
        intents.flatMap { intent in
            intent.examples.map { LabeledUtterance(text: $0.text, intent: intent.id, lang: $0.language) }
        }
    }

    /// Classifies a message against the catalog's intents. Messages closest to the out-of-scope
    /// examples are out of scope, like those the classifier is unsure of; alternatives never name it.
    public func classify(_ text: String, language: Language?) -> IntentPrediction {
        let raw = classifier.classify(text, language: language)
        let alternatives = raw.alternatives.filter { $0.intent != CatalogLoader.outOfScopeID }
        let intent = raw.intent == CatalogLoader.outOfScopeID ? nil : raw.intent
        return IntentPrediction(
            intent: intent, confidence: raw.confidence, alternatives: alternatives, margin: raw.margin)
    }

    /// The intent that carries out `action` (the first by id when staff gave it to several).
    public func intentID(for action: IntentAction) -> String? {
        intents.values.filter { $0.action == action }.map(\.id).min()
    }

    /// Entity names contributed by the catalog (none yet; the registry adds districts, units and services).
    public var intentIDs: [String] { intents.keys.filter { $0 != CatalogLoader.outOfScopeID }.sorted() }
}

extension Catalog {
    /// Only the locale strings, validated, without training the classifier: for tools that render notices.
    public static func loadLocales(root: URL) throws(LoadError) -> LocaleTable {
        let source = CatalogLoader(root: root).loadLocales()
        guard !source.problems.contains(where: { $0.severity == .error }) else {
            throw LoadError(problems: source.problems)
        }
        return LocaleTable(source.locales)
    }
}
