import Foundation

/// Errors of `IntentClassifier.init(modelData:)`.
public enum IntentModelError: Error, Equatable, Sendable {
    case badMagic
    case unsupportedVersion(Int)
    case truncated
    case inconsistent(String)
}

/// A trained intent classifier as bytes, so a catalog that did not change is not trained again at start-up.
///
/// Layout (little-endian): "NINT" version:u8, header length:u32, header (JSON: intents, options that shape the
/// features, temperature, policy, calibration, the out-of-scope class, the naive Bayes and group weights already
/// mixed into the weights), then features:u32 and classes:u32 and
/// the arrays: vocabulary keys u64 × features (in id order), idf f32 × features, views u8 × features (0–3),
/// weights f32 × (features × classes), bias f32 × classes.
extension IntentClassifier {
    static let modelMagic: [UInt8] = Array("NINT".utf8)
    /// 2: the weights are the SVM's plus scaled naive Bayes log-likelihoods, and the header says by how much.
    /// 3: plus the scaled weights of the intent-group SVM, and the header says by how much.
    /// 4: a fourth feature view (stem bigrams) with its weight, and the apostrophe handling in the header's options.
    static let modelFormatVersion: UInt8 = 4

    struct ModelHeader: Codable {
        var intents: [String]
        var features: IntentFeatureOptions
        var temperature: Double
        var policy: OutOfScopePolicy
        var calibration: CalibrationSummary?
        var outOfScopeIndex: Int?
        var viewWeights: [Float]
        var naiveBayesWeight: Double
        var groupWeight: Double
    }

    /// Serialises the trained model; `init(modelData:options:)` reads it back.
    public func modelData() -> Data {
        var bytes = Self.modelMagic
        bytes.append(Self.modelFormatVersion)
        let header = ModelHeader(
            intents: intents, features: model.featurizer.options, temperature: temperature, policy: outOfScopePolicy,
            calibration: calibration, outOfScopeIndex: outOfScopeIndex, viewWeights: model.viewWeights,
            naiveBayesWeight: naiveBayesWeight, groupWeight: groupWeight)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = (try? encoder.encode(header)) ?? Data()
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        append(UInt32(json.count))
        bytes.append(contentsOf: json)
        let featureCount = model.idf.count
        append(UInt32(featureCount))
        append(UInt32(model.classCount))
        let keys = model.vocabulary.keysInIDOrder
        bytes.reserveCapacity(bytes.count + featureCount * (8 + 4 + 1 + 4 * model.classCount) + 4 * model.classCount)
        for key in keys { append(key) }
        for value in model.idf { append(value.bitPattern) }
        bytes.append(contentsOf: model.views)
        for value in model.weights { append(value.bitPattern) }
        for value in model.bias { append(value.bitPattern) }
        return Data(bytes)
    }

    /// Reads a model written by `modelData()`. `options` are those it was trained with (kept for reference).
    public init(modelData data: Data, options: IntentClassifierOptions) throws(IntentModelError) {
        let bytes = [UInt8](data)
        guard bytes.count >= 9, Array(bytes[0..<4]) == Self.modelMagic else { throw .badMagic }
        guard bytes[4] == Self.modelFormatVersion else { throw .unsupportedVersion(Int(bytes[4])) }
        var position = 5
        func read<T: FixedWidthInteger>(_: T.Type) throws(IntentModelError) -> T {
            let size = MemoryLayout<T>.size
            guard position + size <= bytes.count else { throw .truncated }
            var value: T = 0
            for offset in 0..<size { value |= T(truncatingIfNeeded: bytes[position + offset]) << (8 * offset) }
            position += size
            return value
        }
        let headerLength = Int(try read(UInt32.self))
        guard position + headerLength <= bytes.count else { throw .truncated }
        let header: ModelHeader
        do {
            header = try JSONDecoder().decode(ModelHeader.self, from: Data(bytes[position..<position + headerLength]))
        } catch {
            throw .inconsistent("header: \(error)")
        }
        position += headerLength
        let featureCount = Int(try read(UInt32.self))
        let classCount = Int(try read(UInt32.self))
        guard classCount == header.intents.count, header.viewWeights.count == FeatureView.allCases.count else {
            throw .inconsistent("\(classCount) classes for \(header.intents.count) intents")
        }
        let expected = featureCount * (8 + 4 + 1 + 4 * classCount) + 4 * classCount
        guard bytes.count - position == expected else { throw .truncated }
        var keys: [UInt64] = []
        keys.reserveCapacity(featureCount)
        for _ in 0..<featureCount { keys.append(try read(UInt64.self)) }
        guard let vocabulary = FeatureTable(keysInIDOrder: keys) else { throw .inconsistent("repeated feature keys") }
        var idf: [Float] = []
        idf.reserveCapacity(featureCount)
        for _ in 0..<featureCount { idf.append(Float(bitPattern: try read(UInt32.self))) }
        let views = Array(bytes[position..<position + featureCount])
        guard views.allSatisfy({ $0 < FeatureView.allCases.count }) else { throw .inconsistent("unknown feature view") }
        position += featureCount
        var weights: [Float] = []
        weights.reserveCapacity(featureCount * classCount)
        for _ in 0..<(featureCount * classCount) { weights.append(Float(bitPattern: try read(UInt32.self))) }
        var bias: [Float] = []
        for _ in 0..<classCount { bias.append(Float(bitPattern: try read(UInt32.self))) }
        if let index = header.outOfScopeIndex, !header.intents.indices.contains(index) {
            throw .inconsistent("out-of-scope class \(index)")
        }
        var options = options
        options.features = header.features
        let model = LinearModel(
            featurizer: IntentFeaturizer(options: header.features), vocabulary: vocabulary, idf: idf, views: views,
            weights: weights, bias: bias, classCount: classCount, viewWeights: header.viewWeights)
        self.init(
            intents: header.intents, options: options, outOfScopePolicy: header.policy, temperature: header.temperature,
            model: model, outOfScopeIndex: header.outOfScopeIndex, calibration: header.calibration,
            naiveBayesWeight: header.naiveBayesWeight, groupWeight: header.groupWeight)
    }
}

extension IntentClassifierOptions {
    /// Everything that shapes a trained model, as text: part of a cache key (thread count excluded, since
    /// training gives the same model with any).
    public var trainingFingerprint: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let features = (try? encoder.encode(features)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let policy = outOfScopePolicy.map { "\($0.minimumConfidence)/\($0.minimumMargin)" } ?? "-"
        return [
            "v\(IntentClassifier.modelFormatVersion)", features, "\(c)", "\(tolerance)", "\(maximumEpochs)",
            "\(minimumDocumentFrequency)", "\(seed)", "\(calibrationFolds)", outOfScopeIntent ?? "-",
            "\(outOfScopeTarget)", "\(rejectionBudget)", policy, temperature.map { "\($0)" } ?? "-",
            naiveBayesWeight.map { "\($0)" } ?? naiveBayesWeights.map { "\($0)" }.joined(separator: ","),
            "\(naiveBayesAlpha)", "\(warmStart)", "\(smoothedWeightChoice)", "\(probeTolerance)",
            groupWeight.map { "\($0)" } ?? groupWeights.map { "\($0)" }.joined(separator: ","),
        ].joined(separator: "|")
    }
}
