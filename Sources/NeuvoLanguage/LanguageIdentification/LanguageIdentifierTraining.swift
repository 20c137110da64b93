import Foundation

/// Training settings; the defaults are what the bundled model uses (tuned on MASSIVE dev).
public struct LanguageTrainingOptions: Sendable {
    public var bits = 19
    public var epochs = 6
    public var learningRate: Float = 0.2
    /// Also train on a diacritic-free copy of every sample that has diacritics ("paivakoti", "halsostation").
    public var foldedCopies = true
    /// Weight of extra one-word samples cut from every training sentence (0 = none); helps single-word queries.
    public var singleWordWeight: Float = 1
    /// Fit the softmax temperature on every `holdOutEvery`-th sample held out of a first training run (0 = no fit).
    public var holdOutEvery = 10
    public var seed: UInt64 = 0x4E_6575_766F

    public init() {}
}

extension LanguageIdentifier {
    /// Trains a model on labelled texts. Deterministic: the same samples in the same order give the same model bytes.
    public static func train(_ samples: [(text: String, language: Language)]) -> LanguageIdentifier {
        train(samples, options: LanguageTrainingOptions())
    }

    /// Regenerates the bundled model file (`Resources/LanguageModel.bin`) from MASSIVE 1.1: reads
    /// `{fi,sv,en}.train.jsonl` in `massiveDirectory` (e.g. `../shared/data/massive`) and returns the model bytes.
    /// When `serviceMapDirectory` (e.g. `../shared/data/helsinki`) is given, its names are added to the training data.
    public static func generateModel(massiveDirectory: URL, serviceMapDirectory: URL? = nil) throws -> Data {
        var samples = try massiveSamples(directory: massiveDirectory, split: "train")
        if let serviceMapDirectory { samples += try serviceMapSamples(directory: serviceMapDirectory) }
        return train(samples).modelData()
    }

    /// City-domain vocabulary from the Service Map ontology (CC BY 4.0, "Source: City of Helsinki, Service Map"):
    /// the fi/sv/en names of `tpr_v4_ontology_tree.json` and `tpr_v4_ontology_words.json` in `directory`.
    /// A name that is the same in two languages (an untranslated proper name) is skipped.
    public static func serviceMapSamples(directory: URL) throws -> [(text: String, language: Language)] {
        let files = [
            ("tpr_v4_ontology_tree.json", "name_"), ("tpr_v4_ontology_words.json", "ontologyword_"),
        ]
        var samples: [(text: String, language: Language)] = []
        for (file, prefix) in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            let rows = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            for row in rows {
                let names = Language.allCases.map { (row[prefix + $0.rawValue] as? String) ?? "" }
                let normalized = names.map(TextNormalizer.normalize)
                for (index, language) in Language.allCases.enumerated() where !normalized[index].isEmpty {
                    if normalized.enumerated().contains(where: { $0.offset != index && $0.element == normalized[index] }
                    ) {
                        continue
                    }
                    samples.append((names[index], language))
                }
            }
        }
        return samples
    }

    /// Reads the `text` field of `<language>.<split>.jsonl` for fi, sv and en (MASSIVE 1.1 layout).
    public static func massiveSamples(directory: URL, split: String) throws -> [(text: String, language: Language)] {
        struct Row: Decodable { let text: String }
        var samples: [(text: String, language: Language)] = []
        let decoder = JSONDecoder()
        for language in Language.allCases {
            let url = directory.appendingPathComponent("\(language.rawValue).\(split).jsonl")
            let content = try String(contentsOf: url, encoding: .utf8)
            for line in content.split(whereSeparator: \.isNewline) where !line.isEmpty {
                let row = try decoder.decode(Row.self, from: Data(line.utf8))
                samples.append((row.text, language))
            }
        }
        return samples
    }

    public static func train(_ samples: [(text: String, language: Language)], options: LanguageTrainingOptions)
        -> LanguageIdentifier
    {
        var temperature: Float = 1
        if options.holdOutEvery > 1 && samples.count >= options.holdOutEvery * 10 {
            let isHeldOut = { (index: Int) in index % options.holdOutEvery == options.holdOutEvery - 1 }
            let fitting = samples.indices.filter { !isHeldOut($0) }.map { samples[$0] }
            let heldOut = samples.indices.filter(isHeldOut).map { samples[$0] }
            let first = fit(fitting, options: options, temperature: 1)
            temperature = fitTemperature(first, heldOut)
        }
        return fit(samples, options: options, temperature: temperature)
    }

    /// Multinomial logistic regression by AdaGrad over shuffled samples, then Int8 quantisation.
    private static func fit(
        _ samples: [(text: String, language: Language)], options: LanguageTrainingOptions, temperature: Float
    ) -> LanguageIdentifier {
        let languages = Language.allCases
        let classes = languages.count
        let hasher = FeatureHasher(bits: options.bits)
        var examples: [(features: [Int], label: Int, weight: Float)] = []
        func add(_ text: String, _ label: Int, _ weight: Float) {
            var features: [Int] = []
            _ = hasher.forEachFeature(text) { features.append($0) }
            if !features.isEmpty { examples.append((features, label, weight)) }
        }
        for sample in samples {
            let label = languages.firstIndex(of: sample.language)!
            let normalized = TextNormalizer.normalize(sample.text)
            add(normalized, label, 1)
            if options.foldedCopies {
                let folded = TextNormalizer.foldDiacritics(normalized)
                if folded != normalized { add(folded, label, 1) }
            }
            if options.singleWordWeight > 0 {
                for word in normalized.split(separator: " ") where word.count >= 3 {
                    add(String(word), label, options.singleWordWeight)
                }
            }
        }

        let size = (1 << options.bits) * classes
        var weights = [Float](repeating: 0, count: size)
        var squares = [Float](repeating: 1e-6, count: size)
        var bias = [Float](repeating: 0, count: classes)
        var biasSquares = [Float](repeating: 1e-6, count: classes)
        var order = Array(examples.indices)
        var random = SplitMix64(seed: options.seed)
        var logits = [Float](repeating: 0, count: classes)
        var gradient = [Float](repeating: 0, count: classes)
        let rate = options.learningRate
        for _ in 0..<options.epochs {
            // Fisher–Yates with our own generator: `shuffle()` is not stable across Swift versions.
            for index in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(index, Int(random.next() % UInt64(index + 1)))
            }
            for exampleIndex in order {
                let example = examples[exampleIndex]
                for index in 0..<classes { logits[index] = bias[index] }
                for feature in example.features {
                    for index in 0..<classes { logits[index] += weights[feature * classes + index] }
                }
                let maximum = logits.max()!
                var total: Float = 0
                for index in 0..<classes {
                    logits[index] = Foundation.exp(logits[index] - maximum)
                    total += logits[index]
                }
                for index in 0..<classes {
                    let target: Float = index == example.label ? 1 : 0
                    gradient[index] = (logits[index] / total - target) * example.weight
                }
                for index in 0..<classes {
                    biasSquares[index] += gradient[index] * gradient[index]
                    bias[index] -= rate * gradient[index] / biasSquares[index].squareRoot()
                }
                for feature in example.features {
                    for index in 0..<classes {
                        let slot = feature * classes + index
                        squares[slot] += gradient[index] * gradient[index]
                        weights[slot] -= rate * gradient[index] / squares[slot].squareRoot()
                    }
                }
            }
        }
        let largest = weights.reduce(Float(0)) { max($0, abs($1)) }
        let scale = largest > 0 ? largest / 127 : 1
        let quantized = weights.map { Int8(($0 / scale).rounded()) }
        return LanguageIdentifier(
            languages: languages, bits: options.bits, weights: quantized, scale: scale, bias: bias,
            temperature: temperature)
    }

    /// The temperature that minimises the held-out negative log-likelihood (grid then golden-section search).
    private static func fitTemperature(
        _ model: LanguageIdentifier, _ samples: [(text: String, language: Language)]
    ) -> Float {
        let logits = samples.map { model.logits(TextNormalizer.normalize($0.text)).values }
        let labels = samples.map { Language.allCases.firstIndex(of: $0.language)! }
        func loss(_ temperature: Double) -> Double {
            var total = 0.0
            for (values, label) in zip(logits, labels) {
                let probabilities = softmax(values, temperature: temperature)
                total -= Foundation.log(max(probabilities[label], 1e-12))
            }
            return total
        }
        var low = 0.05
        var high = 20.0
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<60 {
            let left = high - ratio * (high - low)
            let right = low + ratio * (high - low)
            if loss(left) < loss(right) { high = right } else { low = left }
        }
        return Float((low + high) / 2)
    }
}
