import Foundation

/// When the classifier should say it does not understand: the best intent needs at least
/// `minimumConfidence` probability and at least `minimumMargin` more than the second best.
public struct OutOfScopePolicy: Sendable, Codable, Hashable {
    public var minimumConfidence: Double
    public var minimumMargin: Double

    public init(minimumConfidence: Double, minimumMargin: Double) {
        self.minimumConfidence = minimumConfidence
        self.minimumMargin = minimumMargin
    }

    /// Used when there is too little data to tune: Rasa's FallbackClassifier defaults.
    public static let `default` = OutOfScopePolicy(minimumConfidence: 0.3, minimumMargin: 0.1)

    public func accepts(confidence: Double, margin: Double) -> Bool {
        confidence >= minimumConfidence && margin >= minimumMargin
    }

    /// One held-out in-scope prediction: its confidence, its top-two margin and whether it was right.
    public struct Sample: Sendable, Hashable {
        public var confidence: Double
        public var margin: Double
        public var correct: Bool

        public init(confidence: Double, margin: Double, correct: Bool) {
            self.confidence = confidence
            self.margin = margin
            self.correct = correct
        }
    }

    /// Grid search (steps of 0.01, confidence 0–0.95, margin 0–0.5) for the thresholds with the best accuracy
    /// on the accepted samples while rejecting at most `rejectionBudget` of them. Ties go to fewer
    /// rejections, then to lower thresholds, so the result is unique.
    public static func tune(_ samples: [Sample], rejectionBudget: Double) -> OutOfScopePolicy {
        guard !samples.isEmpty else { return .default }
        let allowed = Int((rejectionBudget * Double(samples.count)).rounded(.down))
        var best = OutOfScopePolicy(minimumConfidence: 0, minimumMargin: 0)
        var bestAccuracy = -1.0
        var bestRejected = Int.max
        for c in 0...95 {
            let confidence = Double(c) / 100
            for m in 0...50 {
                let margin = Double(m) / 100
                var accepted = 0
                var correct = 0
                for sample in samples where sample.confidence >= confidence && sample.margin >= margin {
                    accepted += 1
                    if sample.correct { correct += 1 }
                }
                let rejected = samples.count - accepted
                guard rejected <= allowed, accepted > 0 else { continue }
                let accuracy = Double(correct) / Double(accepted)
                if accuracy > bestAccuracy + 1e-12 || (abs(accuracy - bestAccuracy) <= 1e-12 && rejected < bestRejected)
                {
                    best = OutOfScopePolicy(minimumConfidence: confidence, minimumMargin: margin)
                    bestAccuracy = accuracy
                    bestRejected = rejected
                }
            }
        }
        return best
    }
}

enum Calibration {
    static func softmax(_ scores: [Double], temperature: Double) -> [Double] {
        guard let top = scores.max() else { return [] }
        var exps = scores.map { exp(temperature * ($0 - top)) }
        let sum = exps.reduce(0, +)
        for i in exps.indices { exps[i] /= sum }
        return exps
    }

    /// Classes by falling probability; equal probabilities keep class order, so ranking is deterministic.
    static func ranked(_ probabilities: [Double]) -> [(index: Int, probability: Double)] {
        probabilities.enumerated().map { (index: $0.offset, probability: $0.element) }.sorted {
            $0.probability != $1.probability ? $0.probability > $1.probability : $0.index < $1.index
        }
    }

    /// The temperature that minimises held-out negative log-likelihood: a coarse log-spaced scan, then
    /// golden-section refinement (the likelihood is unimodal in the temperature).
    static func fitTemperature(scores: [[Double]], gold: [Int]) -> Double {
        func loss(_ t: Double) -> Double {
            var total = 0.0
            for (row, label) in zip(scores, gold) {
                let top = row.max()!
                var sum = 0.0
                for s in row { sum += exp(t * (s - top)) }
                total += log(sum) - t * (row[label] - top)
            }
            return total
        }
        guard !scores.isEmpty else { return IntentClassifier.defaultTemperature }
        var bestT = 1.0
        var bestLoss = Double.infinity
        for step in 0...40 {
            let t = pow(10, -0.5 + Double(step) * 0.0625)  // 0.3 ... 100
            let l = loss(t)
            if l < bestLoss {
                bestLoss = l
                bestT = t
            }
        }
        var low = bestT / pow(10, 0.0625)
        var high = bestT * pow(10, 0.0625)
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<30 {
            let a = high - ratio * (high - low)
            let b = low + ratio * (high - low)
            if loss(a) < loss(b) { high = b } else { low = a }
        }
        return (low + high) / 2
    }
}
