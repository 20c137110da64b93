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

    /// One held-out prediction: its confidence, its top-two margin, whether the best class was right, and
    /// whether the example was out of scope (then `correct` means the best class was the out-of-scope one).
    public struct Sample: Sendable, Hashable {
        public var confidence: Double
        public var margin: Double
        public var correct: Bool
        public var isOutOfScope: Bool
        /// The best class was the out-of-scope one.
        public var bestIsOutOfScope: Bool

        public init(
            confidence: Double, margin: Double, correct: Bool, isOutOfScope: Bool = false,
            bestIsOutOfScope: Bool = false
        ) {
            self.confidence = confidence
            self.margin = margin
            self.correct = correct
            self.isOutOfScope = isOutOfScope
            self.bestIsOutOfScope = bestIsOutOfScope
        }

        /// Whether a policy gives this example no intent: its best class is out of scope, or it is too unsure.
        func rejected(by policy: OutOfScopePolicy) -> Bool {
            bestIsOutOfScope || !policy.accepts(confidence: confidence, margin: margin)
        }

        /// Answered with the right intent under the policy.
        func answeredRight(by policy: OutOfScopePolicy) -> Bool { !isOutOfScope && correct && !rejected(by: policy) }
    }

    /// Grid of thresholds the tuners search: confidence 0–0.95 in steps of 0.01, margin 0–0.5 in steps of 0.05.
    static var grid: [OutOfScopePolicy] {
        (0...95).flatMap { c in
            (0...10).map { m in OutOfScopePolicy(minimumConfidence: Double(c) / 100, minimumMargin: Double(m) / 20) }
        }
    }

    /// With held-out out-of-scope examples: the thresholds that reject at least `outOfScopeTarget` of them
    /// and, among those, answer the most in-scope examples right. Ties go to lower thresholds. When no
    /// thresholds reach the target, those that reject the most out-of-scope examples.
    public static func tune(_ samples: [Sample], outOfScopeTarget: Double) -> OutOfScopePolicy {
        let outOfScope = samples.filter(\.isOutOfScope)
        let inScope = samples.filter { !$0.isOutOfScope }
        guard !outOfScope.isEmpty else { return .default }
        let needed = Int((outOfScopeTarget * Double(outOfScope.count)).rounded(.up))
        var best = OutOfScopePolicy(minimumConfidence: 0, minimumMargin: 0)
        var bestKey = (reaches: false, answered: -1, rejected: -1)
        for policy in grid {
            let rejected = outOfScope.count { $0.rejected(by: policy) }
            let answered = inScope.count { $0.answeredRight(by: policy) }
            let reaches = rejected >= needed
            let better: Bool =
                if reaches != bestKey.reaches { reaches } else if reaches { answered > bestKey.answered } else {
                    rejected > bestKey.rejected || (rejected == bestKey.rejected && answered > bestKey.answered)
                }
            if better {
                best = policy
                bestKey = (reaches, answered, rejected)
            }
        }
        return best
    }

    /// Grid search (steps of 0.01, confidence 0–0.95, margin 0–0.5) for the thresholds with the best accuracy
    /// on the accepted samples while rejecting at most `rejectionBudget` of them. Ties go to fewer
    /// rejections, then to lower thresholds, so the result is unique.
    public static func tune(_ samples: [Sample], rejectionBudget: Double) -> OutOfScopePolicy {
        guard !samples.isEmpty else { return .default }
        let allowed = Int((rejectionBudget * Double(samples.count)).rounded(.down))
        // Each sample counted once in the cell of the highest thresholds it passes; suffix sums then give every
        // grid point's accepted and correct counts (the same as testing every sample at every point, which cost
        // a tenth of a second of training on MASSIVE).
        let confidences = (0...95).map { Double($0) / 100 }
        let margins = (0...50).map { Double($0) / 100 }
        let columns = margins.count + 1
        var acceptedAt = [Int](repeating: 0, count: (confidences.count + 1) * columns)
        var correctAt = acceptedAt
        for sample in samples {
            let c = confidences.lastIndex { sample.confidence >= $0 }
            let m = margins.lastIndex { sample.margin >= $0 }
            guard let c, let m else { continue }
            acceptedAt[c * columns + m] += 1
            if sample.correct { correctAt[c * columns + m] += 1 }
        }
        for c in stride(from: confidences.count - 1, through: 0, by: -1) {
            for m in stride(from: margins.count - 1, through: 0, by: -1) {
                let cell = c * columns + m
                acceptedAt[cell] += acceptedAt[cell + 1] + acceptedAt[cell + columns] - acceptedAt[cell + columns + 1]
                correctAt[cell] += correctAt[cell + 1] + correctAt[cell + columns] - correctAt[cell + columns + 1]
            }
        }
        var best = OutOfScopePolicy(minimumConfidence: 0, minimumMargin: 0)
        var bestAccuracy = -1.0
        var bestRejected = Int.max
        for (c, confidence) in confidences.enumerated() {
            for (m, margin) in margins.enumerated() {
                let accepted = acceptedAt[c * columns + m]
                let correct = correctAt[c * columns + m]
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

/// What calibration found on out-of-fold predictions: the temperature, how well the confidences match
/// how often the best intent is right, and what each confidence threshold costs and catches.
public struct CalibrationSummary: Sendable, Codable, Hashable {
    /// One point of the rejection curve: with `minimumConfidence` (and the chosen margin), the share of
    /// held-out in-scope examples answered right, the share of them refused, and of out-of-scope ones refused.
    public struct Point: Sendable, Codable, Hashable {
        public let minimumConfidence: Double
        public let inScopeAnsweredRight: Double
        public let inScopeRejected: Double
        public let outOfScopeRejected: Double?

        enum CodingKeys: String, CodingKey {
            case minimumConfidence = "minimum_confidence"
            case inScopeAnsweredRight = "in_scope_answered_right"
            case inScopeRejected = "in_scope_rejected"
            case outOfScopeRejected = "out_of_scope_rejected"
        }
    }

    public let folds: Int
    public let heldOut: Int
    public let temperature: Double
    /// Expected calibration error of the best class's probability, 10 equal-width bins.
    public let expectedCalibrationError: Double
    public let policy: OutOfScopePolicy
    /// The chosen policy on the held-out examples.
    public let chosen: Point
    public let curve: [Point]

    enum CodingKeys: String, CodingKey {
        case folds
        case heldOut = "held_out"
        case temperature
        case expectedCalibrationError = "expected_calibration_error"
        case policy, chosen, curve
    }

    init(samples: [OutOfScopePolicy.Sample], folds: Int, temperature: Double, policy: OutOfScopePolicy) {
        self.folds = folds
        heldOut = samples.count
        self.temperature = temperature
        expectedCalibrationError = Calibration.expectedCalibrationError(
            samples.map { ($0.confidence, $0.correct) })
        self.policy = policy
        chosen = Self.point(samples, policy: policy)
        curve = (0..<20).map {
            Self.point(
                samples,
                policy: OutOfScopePolicy(minimumConfidence: Double($0) / 20, minimumMargin: policy.minimumMargin))
        }
    }

    static func point(_ samples: [OutOfScopePolicy.Sample], policy: OutOfScopePolicy) -> Point {
        let inScope = samples.filter { !$0.isOutOfScope }
        let outOfScope = samples.filter(\.isOutOfScope)
        let rejectedIn = inScope.count { $0.rejected(by: policy) }
        let rejectedOut = outOfScope.count { $0.rejected(by: policy) }
        let n = Double(max(inScope.count, 1))
        return Point(
            minimumConfidence: policy.minimumConfidence,
            inScopeAnsweredRight: Double(inScope.count { $0.answeredRight(by: policy) }) / n,
            inScopeRejected: Double(rejectedIn) / n,
            outOfScopeRejected: outOfScope.isEmpty ? nil : Double(rejectedOut) / Double(outOfScope.count))
    }
}

public enum Calibration {
    /// Expected calibration error: the gap between confidence and accuracy, averaged over 10 equal-width
    /// confidence bins weighted by how many predictions fall in each.
    public static func expectedCalibrationError(_ predictions: [(confidence: Double, correct: Bool)]) -> Double {
        guard !predictions.isEmpty else { return 0 }
        var sums = [(confidence: Double, correct: Double, count: Double)](repeating: (0, 0, 0), count: 10)
        for (confidence, correct) in predictions {
            let bin = min(9, max(0, Int(confidence * 10)))
            sums[bin].confidence += confidence
            sums[bin].correct += correct ? 1 : 0
            sums[bin].count += 1
        }
        return sums.reduce(0) { $0 + abs($1.confidence - $1.correct) } / Double(predictions.count)
    }

    /// A held-out prediction as the policy tuner sees it.
    static func sample(_ scores: [Double], gold: Int, temperature: Double, outOfScope: Int?) -> OutOfScopePolicy.Sample
    {
        let ranked = ranked(softmax(scores, temperature: temperature))
        return OutOfScopePolicy.Sample(
            confidence: ranked[0].probability,
            margin: ranked[0].probability - (ranked.count > 1 ? ranked[1].probability : 0),
            correct: ranked[0].index == gold, isOutOfScope: gold == outOfScope,
            bestIsOutOfScope: ranked[0].index == outOfScope)
    }

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
