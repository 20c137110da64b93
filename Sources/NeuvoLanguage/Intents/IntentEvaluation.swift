import Foundation

/// Figures from training on one set and classifying another. Accuracy, macro-F1 and confusions use the top
/// intent even when the out-of-scope policy would reject it (comparable with other classifiers); the
/// `out_of_scope` figures show what the policy does.
public struct EvaluationReport: Sendable, Codable {
    public struct Confusion: Sendable, Codable, Hashable {
        public let expected: String
        public let predicted: String
        public let count: Int
    }

    public struct OutOfScope: Sendable, Codable {
        public let minimumConfidence: Double
        public let minimumMargin: Double
        public let temperature: Double
        /// Share of test messages the policy rejected.
        public let rejectionRate: Double
        /// Accuracy on the messages it accepted.
        public let accuracyOnAccepted: Double
        /// Share of wrong top answers the policy caught.
        public let wrongRejected: Double

        enum CodingKeys: String, CodingKey {
            case minimumConfidence = "minimum_confidence"
            case minimumMargin = "minimum_margin"
            case temperature
            case rejectionRate = "rejection_rate"
            case accuracyOnAccepted = "accuracy_on_accepted"
            case wrongRejected = "wrong_rejected"
        }
    }

    public let accuracy: Double
    public let byLang: [String: Double]
    public let macroF1: Double
    /// Right intent among the three alternatives.
    public let top3Accuracy: Double
    /// Expected calibration error of the best intent's confidence on the test set (10 bins).
    public let expectedCalibrationError: Double
    public let trainSeconds: Double
    /// Median time to classify one message.
    public let usPerMessage: Double
    public let trainExamples: Int
    public let testExamples: Int
    public let intents: Int
    /// The most frequent wrong (expected, predicted) pairs, at most 20.
    public let confusions: [Confusion]
    public let outOfScope: OutOfScope
    /// The naive Bayes weight mixed into the model (chosen on the calibration folds unless set).
    public let naiveBayesWeight: Double
    /// The intent-group SVM's weight mixed into the model (chosen on the calibration folds unless set).
    public let groupWeight: Double

    enum CodingKeys: String, CodingKey {
        case accuracy
        case byLang = "by_lang"
        case macroF1 = "macro_f1"
        case top3Accuracy = "top3_accuracy"
        case expectedCalibrationError = "expected_calibration_error"
        case trainSeconds = "train_seconds"
        case usPerMessage = "us_per_message"
        case trainExamples = "train_examples"
        case testExamples = "test_examples"
        case intents
        case confusions
        case outOfScope = "out_of_scope"
        case naiveBayesWeight = "naive_bayes_weight"
        case groupWeight = "group_weight"
    }
}

public enum IntentEvaluation {
    /// Trains on `train`, then classifies `test` one message at a time. Times come from the monotonic clock
    /// and are the only non-deterministic fields of the report.
    public static func run(
        train: [LabeledUtterance], test: [LabeledUtterance], options: IntentClassifierOptions = .init()
    ) -> EvaluationReport {
        let clock = ContinuousClock()
        let start = clock.now
        let classifier = IntentClassifier.train(train, options: options)
        let trainSeconds = seconds(clock.now - start)

        var predictions: [IntentPrediction] = []
        var micros: [Double] = []
        predictions.reserveCapacity(test.count)
        micros.reserveCapacity(test.count)
        for example in test {
            let begin = clock.now
            let prediction = classifier.classify(example.text, language: example.lang)
            micros.append(seconds(clock.now - begin) * 1e6)
            predictions.append(prediction)
        }
        return report(
            test: test, predictions: predictions, classifier: classifier, trainExamples: train.count,
            trainSeconds: trainSeconds, micros: micros)
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    static func report(
        test: [LabeledUtterance], predictions: [IntentPrediction], classifier: IntentClassifier, trainExamples: Int,
        trainSeconds: Double, micros: [Double]
    ) -> EvaluationReport {
        var correct = 0
        var top3 = 0
        var accepted = 0
        var acceptedCorrect = 0
        var wrong = 0
        var wrongRejected = 0
        var byLang: [Language: (right: Int, total: Int)] = [:]
        var truePositives: [String: Int] = [:]
        var goldCounts: [String: Int] = [:]
        var predictedCounts: [String: Int] = [:]
        var confusions: [[String]: Int] = [:]
        for (example, prediction) in zip(test, predictions) {
            let top = prediction.alternatives.first?.intent ?? ""
            let right = top == example.intent
            goldCounts[example.intent, default: 0] += 1
            predictedCounts[top, default: 0] += 1
            byLang[example.lang, default: (0, 0)].total += 1
            if right {
                correct += 1
                truePositives[top, default: 0] += 1
                byLang[example.lang, default: (0, 0)].right += 1
            } else {
                wrong += 1
                confusions[[example.intent, top], default: 0] += 1
                if prediction.intent == nil { wrongRejected += 1 }
            }
            if prediction.alternatives.contains(where: { $0.intent == example.intent }) { top3 += 1 }
            if prediction.intent != nil {
                accepted += 1
                if right { acceptedCorrect += 1 }
            }
        }
        // Macro-F1 over every label seen as gold or predicted, as scikit-learn computes it.
        let labels = Set(goldCounts.keys).union(predictedCounts.keys)
        var f1Sum = 0.0
        for label in labels {
            let tp = Double(truePositives[label] ?? 0)
            let denominator = Double(goldCounts[label] ?? 0) + Double(predictedCounts[label] ?? 0)
            f1Sum += denominator > 0 ? 2 * tp / denominator : 0
        }
        let n = Double(max(test.count, 1))
        let worst = confusions.map {
            EvaluationReport.Confusion(expected: $0.key[0], predicted: $0.key[1], count: $0.value)
        }
        .sorted { ($0.count, $1.expected, $1.predicted) > ($1.count, $0.expected, $0.predicted) }
        let sortedMicros = micros.sorted()
        let median =
            sortedMicros.isEmpty
            ? 0
            : sortedMicros.count % 2 == 1
                ? sortedMicros[sortedMicros.count / 2]
                : (sortedMicros[sortedMicros.count / 2 - 1] + sortedMicros[sortedMicros.count / 2]) / 2
        return EvaluationReport(
            accuracy: Double(correct) / n,
            byLang: Dictionary(
                uniqueKeysWithValues: byLang.map { ($0.key.rawValue, Double($0.value.right) / Double($0.value.total)) }),
            macroF1: labels.isEmpty ? 0 : f1Sum / Double(labels.count),
            top3Accuracy: Double(top3) / n,
            expectedCalibrationError: Calibration.expectedCalibrationError(
                zip(test, predictions).map { ($1.confidence, $1.alternatives.first?.intent == $0.intent) }),
            trainSeconds: trainSeconds,
            usPerMessage: median,
            trainExamples: trainExamples,
            testExamples: test.count,
            intents: classifier.intents.count,
            confusions: Array(worst.prefix(20)),
            outOfScope: EvaluationReport.OutOfScope(
                minimumConfidence: classifier.outOfScopePolicy.minimumConfidence,
                minimumMargin: classifier.outOfScopePolicy.minimumMargin,
                temperature: classifier.temperature,
                rejectionRate: Double(test.count - accepted) / n,
                accuracyOnAccepted: accepted > 0 ? Double(acceptedCorrect) / Double(accepted) : 0,
                wrongRejected: wrong > 0 ? Double(wrongRejected) / Double(wrong) : 0),
            naiveBayesWeight: classifier.naiveBayesWeight, groupWeight: classifier.groupWeight)
    }
}
