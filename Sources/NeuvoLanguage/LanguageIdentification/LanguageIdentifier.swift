import Foundation

/// The result of `LanguageIdentifier.identify`.
public struct LanguageGuess: Sendable, Hashable {
    public let language: Language
    /// Calibrated probability (0...1) that the text is in `language` according to the model. When the fallback was
    /// used this is the model's probability for the fallback language.
    public let confidence: Double
    /// False when the text was too short or too ambiguous to tell (then a given fallback is returned).
    public let isReliable: Bool
    /// Probability of every language (sums to 1).
    public let scores: [Language: Double]

    public init(language: Language, confidence: Double, isReliable: Bool, scores: [Language: Double]) {
        self.language = language
        self.confidence = confidence
        self.isReliable = isReliable
        self.scores = scores
    }
}

/// Finnish / Swedish / English identification with a small log-linear (multinomial logistic regression) model over
/// hashed character 1–5-grams and whole words (see `FeatureHasher`), with temperature-scaled probabilities.
///
/// Weights are stored as Int8 with one scale, so the bundled model is 3 × 2^bits bytes and scoring is integer sums.
public struct LanguageIdentifier: Sendable {
    /// Texts with fewer letters than this ("ok", "1234", emoji) are never reliable.
    public static let minimumLetters = 3
    /// A guess whose probability is below this is not reliable (and the fallback, if given, wins).
    public static let minimumConfidence = 0.6
    /// Name of the bundled model file in `Resources/`.
    public static let resourceName = "LanguageModel"
    public static let resourceExtension = "bin"

    /// The model bundled with the module, trained on MASSIVE 1.1 train (fi, sv, en; CC BY 4.0).
    public static let bundled: LanguageIdentifier = {
        guard let url = Bundle.module.url(forResource: resourceName, withExtension: resourceExtension) else {
            fatalError("NeuvoLanguage: bundled resource \(resourceName).\(resourceExtension) is missing")
        }
        do {
            return try LanguageIdentifier(modelData: Data(contentsOf: url))
        } catch {
            fatalError("NeuvoLanguage: cannot load \(url.path): \(error)")
        }
    }()

    let languages: [Language]
    let hasher: FeatureHasher
    /// `weights[bucket * languages.count + class]`; the real weight is `weights[i] * scale`.
    let weights: [Int8]
    let scale: Float
    let bias: [Float]
    /// Logits are divided by this before the softmax (fitted on held-out training data).
    let temperature: Float

    init(languages: [Language], bits: Int, weights: [Int8], scale: Float, bias: [Float], temperature: Float) {
        self.languages = languages
        self.hasher = FeatureHasher(bits: bits)
        self.weights = weights
        self.scale = scale
        self.bias = bias
        self.temperature = temperature
    }

    /// Identifies the language of `text`.
    ///
    /// When the text has fewer than `minimumLetters` letters, or the best probability is below `minimumConfidence`,
    /// the guess is unreliable: with a `fallback` the fallback language is returned, otherwise the model's best guess
    /// (or Finnish, the city's main language, for text without any letters).
    public func identify(_ text: String, fallback: Language? = nil) -> LanguageGuess {
        let probabilities = self.probabilities(TextNormalizer.normalize(text))
        var best = 0
        for index in 1..<languages.count where probabilities.values[index] > probabilities.values[best] {
            best = index
        }
        var scores: [Language: Double] = [:]
        for (index, language) in languages.enumerated() { scores[language] = probabilities.values[index] }
        let hasLetters = probabilities.letters > 0
        let reliable =
            probabilities.letters >= Self.minimumLetters && probabilities.values[best] >= Self.minimumConfidence
        if !reliable, let fallback {
            return LanguageGuess(
                language: fallback, confidence: scores[fallback] ?? 0, isReliable: false, scores: scores)
        }
        let language = hasLetters ? languages[best] : .fi
        return LanguageGuess(
            language: language, confidence: scores[language] ?? 0, isReliable: reliable, scores: scores)
    }

    /// Class probabilities of already normalised text and the number of letters seen.
    func probabilities(_ normalized: String) -> (values: [Double], letters: Int) {
        let logits = self.logits(normalized)
        guard logits.letters > 0 else {
            return (Array(repeating: 1 / Double(languages.count), count: languages.count), 0)
        }
        return (Self.softmax(logits.values, temperature: Double(temperature)), logits.letters)
    }

    /// Raw (untempered) logits of already normalised text.
    func logits(_ normalized: String) -> (values: [Double], letters: Int) {
        var sums = (Int32(0), Int32(0), Int32(0))
        let letters = weights.withUnsafeBufferPointer { weights in
            hasher.forEachFeature(normalized) { bucket in
                let base = bucket &* 3
                sums.0 &+= Int32(weights[base])
                sums.1 &+= Int32(weights[base &+ 1])
                sums.2 &+= Int32(weights[base &+ 2])
            }
        }
        let values = [
            Double(Float(sums.0) * scale + bias[0]), Double(Float(sums.1) * scale + bias[1]),
            Double(Float(sums.2) * scale + bias[2]),
        ]
        return (values, letters)
    }

    static func softmax(_ logits: [Double], temperature: Double) -> [Double] {
        let scaled = logits.map { $0 / temperature }
        let maximum = scaled.max() ?? 0
        let exponentials = scaled.map { Foundation.exp($0 - maximum) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }
}
