import Foundation

/// How the intent classifier is trained. The defaults are the configuration measured best on MASSIVE dev
/// (see benchmarks/nlu).
public struct IntentClassifierOptions: Sendable {
    public var features = IntentFeatureOptions()
    /// SVM cost: larger fits the training set harder.
    public var c: Double = 0.5
    /// Dual coordinate descent stops when the projected-gradient spread falls below this.
    public var tolerance: Double = 0.1
    public var maximumEpochs: Int = 1_000
    /// Features seen in fewer training utterances are dropped.
    public var minimumDocumentFrequency: Int = 1
    public var seed: UInt64 = 0x4E55_5645_4F00_0001
    /// Classes train independently with their own seeds, so any thread count gives the same model.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Share of each intent's training examples held out to fit the probability temperature and the
    /// out-of-scope thresholds; the final model is then trained on everything. 0 skips calibration.
    public var calibrationFraction: Double = 0.1
    /// Most of the held-out (in-scope) examples the tuned policy may reject.
    public var rejectionBudget: Double = 0.1
    /// When set, used instead of tuned thresholds.
    public var outOfScopePolicy: OutOfScopePolicy? = nil
    /// When set, used instead of the fitted softmax temperature.
    public var temperature: Double? = nil

    public init() {}
}

public struct ScoredIntent: Sendable, Hashable, Codable {
    public let intent: String
    public let confidence: Double

    public init(intent: String, confidence: Double) {
        self.intent = intent
        self.confidence = confidence
    }
}

public struct IntentPrediction: Sendable {
    /// nil when the message is out of scope: too unsure, or too close between the top two.
    public let intent: String?
    /// Probability of the best intent.
    public let confidence: Double
    /// The best three intents, best first (also when `intent` is nil).
    public let alternatives: [ScoredIntent]
    /// Probability of the best minus that of the second.
    public let margin: Double
}

/// Linear intent classifier over character n-grams, words, word bigrams and stems.
public struct IntentClassifier: Sendable {
    public let intents: [String]
    public let options: IntentClassifierOptions
    public let outOfScopePolicy: OutOfScopePolicy
    /// Scales SVM scores before the softmax so that confidences are calibrated.
    public let temperature: Double
    let model: LinearModel

    static let defaultTemperature = 8.0

    public static func train(_ examples: [LabeledUtterance], options: IntentClassifierOptions = .init())
        -> IntentClassifier
    {
        let intents = Array(Set(examples.map(\.intent))).sorted()
        var temperature = options.temperature ?? defaultTemperature
        var policy = options.outOfScopePolicy ?? .default
        let split = calibrationSplit(examples, fraction: options.calibrationFraction)
        if let (fit, heldOut) = split, options.temperature == nil || options.outOfScopePolicy == nil {
            let probe = LinearModel.train(fit, intents: intents, options: options)
            let scores = heldOut.map { probe.scores(for: $0.text, language: $0.lang).scores }
            let gold = heldOut.map { intents.firstIndex(of: $0.intent)! }
            if options.temperature == nil { temperature = Calibration.fitTemperature(scores: scores, gold: gold) }
            if options.outOfScopePolicy == nil {
                let samples = zip(scores, gold).map { score, label in
                    let ranked = Calibration.ranked(Calibration.softmax(score, temperature: temperature))
                    return OutOfScopePolicy.Sample(
                        confidence: ranked[0].probability,
                        margin: ranked[0].probability - (ranked.count > 1 ? ranked[1].probability : 0),
                        correct: ranked[0].index == label)
                }
                policy = OutOfScopePolicy.tune(samples, rejectionBudget: options.rejectionBudget)
            }
        }
        let model = LinearModel.train(examples, intents: intents, options: options)
        return IntentClassifier(
            intents: intents, options: options, outOfScopePolicy: policy, temperature: temperature, model: model)
    }

    /// Every intent keeps at least one example for fitting; every k-th of the rest is held out, in input
    /// order, so the split is reproducible. nil when too small to say anything.
    static func calibrationSplit(_ examples: [LabeledUtterance], fraction: Double)
        -> ([LabeledUtterance], [LabeledUtterance])?
    {
        guard fraction > 0, fraction < 1 else { return nil }
        let period = max(2, Int((1 / fraction).rounded()))
        var seen: [String: Int] = [:]
        var fit: [LabeledUtterance] = []
        var heldOut: [LabeledUtterance] = []
        for example in examples {
            let n = seen[example.intent, default: 0]
            seen[example.intent] = n + 1
            if n % period == period - 1 { heldOut.append(example) } else { fit.append(example) }
        }
        // Thresholds tuned on a handful of examples would be noise.
        guard heldOut.count >= 100 else { return nil }
        return (fit, heldOut)
    }

    public func classify(_ text: String, language: Language?) -> IntentPrediction {
        let (scores, knownFeatures) = model.scores(for: text, language: language)
        let probabilities = Calibration.softmax(scores, temperature: temperature)
        let ranked = Calibration.ranked(probabilities)
        let top = ranked.prefix(3).map { ScoredIntent(intent: intents[$0.index], confidence: $0.probability) }
        let confidence = ranked.first?.probability ?? 0
        let margin = confidence - (ranked.count > 1 ? ranked[1].probability : 0)
        // With nothing recognised the scores are the biases alone: never an answer.
        let accepted = knownFeatures > 0 && outOfScopePolicy.accepts(confidence: confidence, margin: margin)
        return IntentPrediction(
            intent: accepted ? top.first?.intent : nil, confidence: confidence, alternatives: top, margin: margin)
    }
}

/// The vocabulary, IDF weights and linear weights behind the classifier.
struct LinearModel: Sendable {
    let featurizer: IntentFeaturizer
    let vocabulary: [UInt64: Int32]
    let idf: [Float]
    let weights: [Float]
    let bias: [Float]
    let classCount: Int
    let viewWeights: [Float]

    static func train(_ examples: [LabeledUtterance], intents: [String], options: IntentClassifierOptions)
        -> LinearModel
    {
        let featurizer = IntentFeaturizer(options: options.features)
        let classIndex = Dictionary(uniqueKeysWithValues: intents.enumerated().map { ($1, $0) })
        var counted: [[(key: UInt64, count: Int)]] = []
        counted.reserveCapacity(examples.count)
        var documentFrequency: [UInt64: Int] = [:]
        var firstSeen: [UInt64] = []
        var keys: [UInt64] = []
        for example in examples {
            keys.removeAll(keepingCapacity: true)
            featurizer.appendKeys(of: example.text, language: example.lang, to: &keys)
            let runs = runLengths(&keys)
            for run in runs {
                let previous = documentFrequency[run.key]
                if previous == nil { firstSeen.append(run.key) }
                documentFrequency[run.key] = (previous ?? 0) + 1
            }
            counted.append(runs)
        }
        // Indices follow first appearance in the input, so the same input gives the same model.
        var vocabulary: [UInt64: Int32] = [:]
        var idf: [Float] = []
        let n = Double(examples.count)
        for key in firstSeen {
            let df = documentFrequency[key]!
            guard df >= options.minimumDocumentFrequency else { continue }
            vocabulary[key] = Int32(idf.count)
            idf.append(Float(log((1 + n) / (1 + Double(df))) + 1))
        }
        let features = options.features
        let viewWeights = [features.characterWeight, features.wordWeight, features.stemWeight].map { Float($0) }
        var rows = SparseRows()
        for runs in counted {
            let (indices, values) = vectorize(
                runs, vocabulary: vocabulary, idf: idf, sublinear: features.sublinearTF, viewWeights: viewWeights)
            rows.append(indices: indices, values: values)
        }
        let labels = examples.map { classIndex[$0.intent]! }
        let parameters = LinearSVM.Parameters(
            c: options.c, tolerance: options.tolerance, maximumEpochs: options.maximumEpochs, seed: options.seed,
            threads: options.threads)
        let (weights, bias) = LinearSVM.train(
            rows: rows, labels: labels, classCount: intents.count, featureCount: idf.count, parameters: parameters)
        return LinearModel(
            featurizer: featurizer, vocabulary: vocabulary, idf: idf, weights: weights, bias: bias,
            classCount: intents.count, viewWeights: viewWeights)
    }

    /// Sorts the keys and returns each distinct key with its number of occurrences.
    static func runLengths(_ keys: inout [UInt64]) -> [(key: UInt64, count: Int)] {
        keys.sort()
        var runs: [(key: UInt64, count: Int)] = []
        runs.reserveCapacity(keys.count)
        for key in keys {
            if let last = runs.last, last.key == key {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((key, 1))
            }
        }
        return runs
    }

    /// TF-IDF per view, each view L2-normalised and scaled by its weight. Unknown features are dropped first.
    static func vectorize(
        _ runs: [(key: UInt64, count: Int)], vocabulary: [UInt64: Int32], idf: [Float], sublinear: Bool,
        viewWeights: [Float]
    ) -> ([Int32], [Float]) {
        var indices: [Int32] = []
        var values: [Float] = []
        var views: [Int] = []
        indices.reserveCapacity(runs.count)
        values.reserveCapacity(runs.count)
        views.reserveCapacity(runs.count)
        var squaredNorms: [Float] = [0, 0, 0]
        for run in runs {
            guard let index = vocabulary[run.key] else { continue }
            let tf = sublinear ? 1 + log(Float(run.count)) : Float(run.count)
            let value = tf * idf[Int(index)]
            let view = FeatureView.of(run.key).rawValue
            indices.append(index)
            values.append(value)
            views.append(view)
            squaredNorms[view] += value * value
        }
        let scales = (0..<3).map { squaredNorms[$0] > 0 ? viewWeights[$0] / squaredNorms[$0].squareRoot() : 0 }
        for p in values.indices { values[p] *= scales[views[p]] }
        return (indices, values)
    }

    /// Raw SVM scores per class, and how many distinct known features the text had.
    func scores(for text: String, language: Language?) -> (scores: [Double], knownFeatures: Int) {
        var keys: [UInt64] = []
        featurizer.appendKeys(of: text, language: language, known: vocabulary, to: &keys)
        let runs = Self.runLengths(&keys)
        let (indices, values) = Self.vectorize(
            runs, vocabulary: vocabulary, idf: idf, sublinear: featurizer.options.sublinearTF,
            viewWeights: viewWeights)
        var sums = bias
        weights.withUnsafeBufferPointer { w in
            sums.withUnsafeMutableBufferPointer { sums in
                for (index, value) in zip(indices, values) {
                    let row = Int(index) * classCount
                    for k in 0..<classCount { sums[k] += value * w[row + k] }
                }
            }
        }
        return (sums.map(Double.init), indices.count)
    }
}

extension IntentFeaturizer {
    /// All feature keys of a text. Stems need a language: without one, the language whose stems the model
    /// knows best is used (`known`); training always passes the example's language.
    func appendKeys(of text: String, language: Language?, known: [UInt64: Int32]? = nil, to keys: inout [UInt64]) {
        let tokens = Self.tokens(of: text)
        appendSurfaceKeys(of: tokens, to: &keys)
        guard options.stems else { return }
        if let language {
            appendStemKeys(of: tokens, stemmer: language.stemmer, to: &keys)
            return
        }
        var best: [UInt64] = []
        var bestKnown = -1
        for candidate in Language.allCases {
            var stemKeys: [UInt64] = []
            appendStemKeys(of: tokens, stemmer: candidate.stemmer, to: &stemKeys)
            let knownCount = known.map { known in stemKeys.count { known[$0] != nil } } ?? 0
            if knownCount > bestKnown {
                best = stemKeys
                bestKnown = knownCount
            }
        }
        keys.append(contentsOf: best)
    }
}
