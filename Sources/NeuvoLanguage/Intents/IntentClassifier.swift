import Foundation

/// How the intent classifier is trained. The defaults are the configuration measured best on splits of MASSIVE
/// train (`benchmarks/nlu/trainsplit.sh`; see benchmarks/nlu/README.md).
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
    /// Folds of cross-validation whose out-of-fold scores fit the probability temperature and the
    /// out-of-scope thresholds; the final model is then trained on everything. Below 2 skips calibration.
    public var calibrationFolds: Int = 5
    /// The label of examples that are not any intent (the catalog's `out_of_scope`). A message whose best
    /// class it is gets no intent; its held-out examples set the thresholds (`outOfScopeTarget`).
    public var outOfScopeIntent: String? = nil
    /// Share of held-out out-of-scope examples the tuned policy must reject; among the thresholds that do,
    /// the one answering the most in-scope examples right wins.
    public var outOfScopeTarget: Double = 0.85
    /// Without out-of-scope examples: most of the held-out (in-scope) examples the tuned policy may reject.
    public var rejectionBudget: Double = 0.1
    /// When set, used instead of tuned thresholds.
    public var outOfScopePolicy: OutOfScopePolicy? = nil
    /// When set, used instead of the fitted softmax temperature.
    public var temperature: Double? = nil
    /// Scale of the multinomial naive Bayes log-likelihoods added to the SVM's scores (`MultinomialNaiveBayes`);
    /// 0 is the SVM alone. nil: the candidate (`naiveBayesWeights`) whose out-of-fold predictions are right
    /// most often, so each training set decides how much naive Bayes it wants; without calibration folds,
    /// `IntentClassifier.defaultNaiveBayesWeight`, and 0 under 100 examples.
    public var naiveBayesWeight: Double? = nil
    /// The weights tried when `naiveBayesWeight` is nil.
    public var naiveBayesWeights: [Double] = [0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.13, 0.16, 0.2]
    /// The final SVM starts from the calibration probes' averaged dual variables instead of from 0: the same
    /// optimum, reached in fewer epochs.
    public var warmStart: Bool = true
    /// Additive smoothing of naive Bayes, in units of TF-IDF mass (a message holds about 3).
    public var naiveBayesAlpha: Double = 0.003
    /// Scale of a second SVM's scores, trained to tell intent *groups* apart (`IntentGroups`: "unit.find" and
    /// "unit.contact" are both "unit"; MASSIVE's "alarm_set" and "alarm_query" both "alarm"), added to each
    /// member intent's scores. The group model pools the examples of its intents, so an intent with few examples
    /// borrows what its siblings share, and a message is first drawn to the right family. Folded into the same
    /// weight matrix: classification costs nothing more. nil: chosen on the calibration folds with the naive
    /// Bayes weight (`groupWeights`); without folds `IntentClassifier.defaultGroupWeight`, and 0 under 100
    /// examples or when no group has two intents.
    public var groupWeight: Double? = nil
    /// The group weights tried when `groupWeight` is nil.
    public var groupWeights: [Double] = [0, 0.1, 0.2, 0.3, 0.4, 0.5]
    /// Choose the naive Bayes and group weights by their out-of-fold accuracy averaged with their neighbours' on
    /// the grid (`HeldOutScores.bestWeights(naiveBayes:group:smoothed:)`) instead of by their own alone.
    public var smoothedWeightChoice: Bool = false
    /// The calibration probes' stop (`tolerance` if that is looser).
    public var probeTolerance: Double = 2

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

    public init(intent: String?, confidence: Double, alternatives: [ScoredIntent], margin: Double) {
        self.intent = intent
        self.confidence = confidence
        self.alternatives = alternatives
        self.margin = margin
    }
}

/// Linear intent classifier over character n-grams, words, word bigrams and stems.
public struct IntentClassifier: Sendable {
    public let intents: [String]
    public let options: IntentClassifierOptions
    public let outOfScopePolicy: OutOfScopePolicy
    /// Scales SVM scores before the softmax so that confidences are calibrated.
    public let temperature: Double
    /// How the temperature and thresholds were chosen, from out-of-fold predictions; nil when not fitted.
    public let calibration: CalibrationSummary?
    let model: LinearModel
    /// The class whose examples are not intents, if the training set had one.
    let outOfScopeIndex: Int?
    /// The naive Bayes weight the model was trained with (already part of its linear weights).
    public let naiveBayesWeight: Double
    /// The intent-group SVM's weight the model was trained with (already part of its linear weights).
    public let groupWeight: Double

    init(
        intents: [String], options: IntentClassifierOptions, outOfScopePolicy: OutOfScopePolicy, temperature: Double,
        model: LinearModel, outOfScopeIndex: Int? = nil, calibration: CalibrationSummary? = nil,
        naiveBayesWeight: Double = 0, groupWeight: Double = 0
    ) {
        self.naiveBayesWeight = naiveBayesWeight
        self.groupWeight = groupWeight
        self.intents = intents
        self.options = options
        self.outOfScopePolicy = outOfScopePolicy
        self.temperature = temperature
        self.model = model
        self.outOfScopeIndex = outOfScopeIndex
        self.calibration = calibration
    }

    static let defaultTemperature = 4.5
    /// The weight chosen most often on the MASSIVE train split (0.04 for fi and sv, 0.02 for en; any weight from
    /// 0.02 to 0.1 was within 0.4 point there): used when no folds choose one, as in cross-validation.
    public static let defaultNaiveBayesWeight = 0.04
    /// The group weight used when no folds choose one (chosen on the MASSIVE train split, as above).
    public static let defaultGroupWeight = 0.2
    /// Fewer training examples than this are not split into calibration folds, and get no naive Bayes by default.
    static let minimumCalibrationExamples = 100

    public static func train(_ examples: [LabeledUtterance], options: IntentClassifierOptions = .init())
        -> IntentClassifier
    {
        let intents = Array(Set(examples.map(\.intent))).sorted()
        var temperature = options.temperature ?? defaultTemperature
        var policy = options.outOfScopePolicy ?? .default
        var calibration: CalibrationSummary? = nil
        let outOfScopeIndex = options.outOfScopeIntent.flatMap { intents.firstIndex(of: $0) }
        // Featurised once: the calibration folds and the final model share the keys.
        let featurizer = IntentFeaturizer(options: options.features)
        let keyRows = LinearModel.featureKeys(examples, featurizer: featurizer, threads: options.threads)
        let classIndex = Dictionary(uniqueKeysWithValues: intents.enumerated().map { ($1, $0) })
        let labels = examples.map { classIndex[$0.intent]! }
        let matrix = LinearModel.matrix(keyRows: keyRows, options: options)
        // On a handful of examples naive Bayes is overconfident about every feature a class has not seen yet
        // (a toy set's "on" outweighed "päiväkodissa"): the SVM alone, unless the weight is set.
        var startingAlpha: [Double]? = nil
        var naiveBayesWeight =
            options.naiveBayesWeight ?? (examples.count >= minimumCalibrationExamples ? defaultNaiveBayesWeight : 0)
        // A weight of 0, given, needs no group model at all (not even in the probes).
        let groups = options.groupWeight == 0 ? nil : IntentGroups(intents: intents)
        var groupWeight =
            groups == nil
            ? 0 : options.groupWeight ?? (examples.count >= minimumCalibrationExamples ? defaultGroupWeight : 0)
        var startingGroupAlpha: [Double]? = nil
        if options.temperature == nil || options.outOfScopePolicy == nil || options.naiveBayesWeight == nil
            || (groups != nil && options.groupWeight == nil),
            let parts = outOfFoldScores(
                examples, matrix: matrix, keyRows: keyRows, labels: labels, intents: intents, featurizer: featurizer,
                groups: groups, options: options)
        {
            (naiveBayesWeight, groupWeight) = parts.bestWeights(
                naiveBayes: options.naiveBayesWeight.map { [$0] } ?? options.naiveBayesWeights,
                group: groups == nil ? [0] : options.groupWeight.map { [$0] } ?? options.groupWeights,
                smoothed: options.smoothedWeightChoice)
            let heldOut = (scores: parts.combined(naiveBayesWeight, groupWeight), gold: parts.gold)
            if options.warmStart {
                startingAlpha = parts.startingAlpha
                startingGroupAlpha = parts.startingGroupAlpha
            }
            if options.temperature == nil {
                // A one-parameter fit: a few thousand held-out predictions pin it down (an evenly spaced sample
                // keeps large training sets from spending seconds here).
                let step = max(1, heldOut.scores.count / 4_000)
                let sample = Array(stride(from: 0, to: heldOut.scores.count, by: step))
                temperature = Calibration.fitTemperature(
                    scores: sample.map { heldOut.scores[$0] }, gold: sample.map { heldOut.gold[$0] })
            }
            let samples = zip(heldOut.scores, heldOut.gold).map { score, label in
                Calibration.sample(score, gold: label, temperature: temperature, outOfScope: outOfScopeIndex)
            }
            if options.outOfScopePolicy == nil {
                policy =
                    samples.contains(where: \.isOutOfScope)
                    ? OutOfScopePolicy.tune(samples, outOfScopeTarget: options.outOfScopeTarget)
                    : OutOfScopePolicy.tune(samples, rejectionBudget: options.rejectionBudget)
            }
            calibration = CalibrationSummary(
                samples: samples, folds: options.calibrationFolds, temperature: temperature, policy: policy)
        }
        let model = LinearModel.fit(
            matrix, labels: labels, classCount: intents.count, featurizer: featurizer, options: options,
            naiveBayesWeight: naiveBayesWeight, initialAlpha: startingAlpha,
            groups: groupWeight == 0 ? nil : groups, groupWeight: groupWeight, initialGroupAlpha: startingGroupAlpha)
        return IntentClassifier(
            intents: intents, options: options, outOfScopePolicy: policy, temperature: temperature, model: model,
            outOfScopeIndex: outOfScopeIndex, calibration: calibration, naiveBayesWeight: naiveBayesWeight,
            groupWeight: groupWeight)
    }

    /// Out-of-fold scores of the parts of the model, kept apart so that their mix can be chosen.
    struct HeldOutScores {
        var svm: [[Double]]
        var naiveBayes: [[Double]]
        /// The group SVM's score of each class's group, per class (empty rows without groups).
        var group: [[Double]]
        var gold: [Int]
        /// Each example's dual variables (`[class * examples + example]`) averaged over the probes that trained
        /// on it: where the final SVM starts.
        var startingAlpha: [Double]? = nil
        /// The same for the group SVM (`[group * examples + example]`).
        var startingGroupAlpha: [Double]? = nil

        func combined(_ naiveBayesWeight: Double, _ groupWeight: Double = 0) -> [[Double]] {
            svm.indices.map { index in
                svm[index].indices.map { k in score(index, k, naiveBayesWeight, groupWeight) }
            }
        }

        @inline(__always) private func score(_ index: Int, _ k: Int, _ naiveBayesWeight: Double, _ groupWeight: Double)
            -> Double
        {
            let mixed = svm[index][k] + naiveBayesWeight * naiveBayes[index][k]
            return groupWeight == 0 ? mixed : mixed + groupWeight * group[index][k]
        }

        /// How many held-out examples the mix ranks right.
        func right(_ naiveBayesWeight: Double, _ groupWeight: Double = 0) -> Int {
            rightCounts([(naiveBayes: naiveBayesWeight, group: groupWeight)])[0]
        }

        /// The pair of candidate weights with the most held-out examples right; the smallest among equals
        /// (group weight first). Every pair is scored over the same rows, laid out flat once and scored pairs in
        /// parallel: nested arrays made the 54 pairs of a 34,000-example set two seconds of training.
        /// With `smoothed`, a pair is scored by the mean of its own count and its grid neighbours' (one step
        /// either way in each weight): the count of a single pair moves by a few examples with any change to the
        /// features, and the centre of a plateau is a steadier choice than a lone peak.
        func bestWeights(naiveBayes: [Double], group: [Double], smoothed: Bool = false)
            -> (naiveBayes: Double, group: Double)
        {
            let pairs = group.sorted().flatMap { g in naiveBayes.sorted().map { (naiveBayes: $0, group: g) } }
            guard let classCount = svm.first?.count, classCount > 0, !pairs.isEmpty else {
                return pairs.first ?? (0, 0)
            }
            let counts = rightCounts(pairs)
            return pairs[Self.chosen(counts: counts, columns: naiveBayes.count, smoothed: smoothed)]
        }

        /// How many held-out examples each pair of weights ranks right, the pairs scored in parallel over the rows
        /// laid out flat once.
        private func rightCounts(_ pairs: [(naiveBayes: Double, group: Double)]) -> [Int] {
            guard let classCount = svm.first?.count, classCount > 0 else { return pairs.map { _ in 0 } }
            let rows = gold.count
            // Without group scores (no groups) every group weight ranks as 0 does.
            let grouped = self.group.count == svm.count && self.group.allSatisfy { $0.count == classCount }
            let flatSVM = svm.flatMap { $0 }
            let flatNaiveBayes = self.naiveBayes.flatMap { $0 }
            let flatGroup = grouped ? self.group.flatMap { $0 } : []
            var counts = [Int](repeating: 0, count: pairs.count)
            counts.withUnsafeMutableBufferPointer { counts in
                nonisolated(unsafe) let out = counts
                DispatchQueue.concurrentPerform(iterations: pairs.count) { p in
                    let (nb, g) = (pairs[p].naiveBayes, grouped ? pairs[p].group : 0)
                    var right = 0
                    flatSVM.withUnsafeBufferPointer { svm in
                        flatNaiveBayes.withUnsafeBufferPointer { naiveBayes in
                            flatGroup.withUnsafeBufferPointer { group in
                                for row in 0..<rows {
                                    let base = row * classCount
                                    var best = 0
                                    var bestScore = -Double.infinity
                                    for k in 0..<classCount {
                                        var score = svm[base + k]
                                        if nb != 0 { score += nb * naiveBayes[base + k] }
                                        if g != 0 { score += g * group[base + k] }
                                        if score > bestScore {
                                            best = k
                                            bestScore = score
                                        }
                                    }
                                    if best == gold[row] { right += 1 }
                                }
                            }
                        }
                    }
                    out[p] = right
                }
            }
            return counts
        }

        /// The index of the best of `counts` laid out in lines of `columns` (one line per group weight, one column
        /// per naive Bayes weight); the first among equals. `smoothed`: each scored by the mean over itself and its
        /// neighbours one step away in each direction (fewer at the edges).
        static func chosen(counts: [Int], columns: Int, smoothed: Bool) -> Int {
            var score = counts.map(Double.init)
            if smoothed && columns > 0 {
                let lines = counts.count / columns
                for p in counts.indices {
                    let (line, column) = (p / columns, p % columns)
                    var sum = 0
                    var cells = 0
                    for l in max(0, line - 1)...min(lines - 1, line + 1) {
                        for c in max(0, column - 1)...min(columns - 1, column + 1) {
                            sum += counts[l * columns + c]
                            cells += 1
                        }
                    }
                    score[p] = Double(sum) / Double(cells)
                }
            }
            var best = 0
            for p in counts.indices where score[p] > score[best] { best = p }
            return best
        }
    }

    /// Every example scored by a model that did not see it: examples are dealt round-robin per intent, in input
    /// order, into `calibrationFolds` folds (reproducible). nil when too small to say anything.
    static func outOfFoldScores(
        _ examples: [LabeledUtterance], matrix: LinearModel.TrainingMatrix, keyRows: [[UInt64]], labels: [Int],
        intents: [String], featurizer: IntentFeaturizer, groups: IntentGroups? = nil, options: IntentClassifierOptions
    ) -> HeldOutScores? {
        let folds = options.calibrationFolds
        // Thresholds tuned on a handful of examples would be noise.
        guard folds >= 2, examples.count >= minimumCalibrationExamples, intents.count >= 2 else { return nil }
        var seen: [String: Int] = [:]
        let fold = examples.map { example -> Int in
            let n = seen[example.intent, default: 0]
            seen[example.intent] = n + 1
            return n % folds
        }
        // Probes only have to rank and scale scores like the final model: a much looser stop is enough (on MASSIVE
        // fi the fitted temperature moves from 4.82 to 4.86 between stops of 0.5 and 2).
        var probeOptions = options
        probeOptions.tolerance = max(options.tolerance, options.probeTolerance)
        var scores = [[Double]](repeating: [], count: examples.count)
        var naiveBayesScores = [[Double]](repeating: [], count: examples.count)
        var groupScores = [[Double]](repeating: [], count: examples.count)
        let classCount = intents.count
        var alphaSum = [Double](repeating: 0, count: examples.count * classCount)
        var groupAlphaSum = [Double](repeating: 0, count: examples.count * (groups?.count ?? 0))
        var probesOf = [Int](repeating: 0, count: examples.count)
        for k in 0..<folds {
            let fit = examples.indices.filter { fold[$0] != k }
            guard !fit.isEmpty else { continue }
            let (probe, probeAlpha) = LinearModel.fitWithDuals(
                matrix, subset: fit, labels: fit.map { labels[$0] }, classCount: classCount, featurizer: featurizer,
                options: probeOptions, naiveBayesWeight: 0)
            for (j, row) in fit.enumerated() {
                probesOf[row] += 1
                for c in 0..<classCount { alphaSum[c * examples.count + row] += probeAlpha[c * fit.count + j] }
            }
            let naiveBayesProbe = LinearModel.naiveBayes(
                matrix, subset: fit, labels: fit.map { labels[$0] }, classCount: intents.count, featurizer: featurizer,
                alpha: options.naiveBayesAlpha)
            var groupProbe: LinearModel? = nil
            if let groups {
                // The group score only has to rank the candidate group weights: a stop looser still than the
                // intent probes' costs a third of the time and chooses as well (docs: benchmarks/nlu/README.md).
                var groupProbeOptions = probeOptions
                groupProbeOptions.tolerance = max(probeOptions.tolerance, 5.0)
                let (model, groupAlpha) = LinearModel.fitGroups(
                    matrix, subset: fit, labels: fit.map { labels[$0] }, groups: groups, featurizer: featurizer,
                    options: groupProbeOptions)
                groupProbe = model
                for (j, row) in fit.enumerated() {
                    for g in 0..<groups.count {
                        groupAlphaSum[g * examples.count + row] += groupAlpha[g * fit.count + j]
                    }
                }
            }
            // As at classification time, a feature the probe never saw is no feature at all.
            var seen = [Bool](repeating: false, count: matrix.idf.count)
            for row in fit {
                for p in matrix.rows.starts[row]..<matrix.rows.starts[row + 1] {
                    seen[Int(matrix.rows.indices[p])] = true
                }
            }
            for index in examples.indices where fold[index] == k {
                // The probes share the vocabulary and weighting: the features are looked up once for both.
                let (indices, values) = probe.features(sortedKeys: keyRows[index], seen: seen)
                scores[index] = probe.scores(indices: indices, values: values)
                naiveBayesScores[index] = naiveBayesProbe.scores(indices: indices, values: values)
                if let groups, let groupProbe {
                    let byGroup = groupProbe.scores(indices: indices, values: values)
                    groupScores[index] = groups.groupOfClass.map { byGroup[$0] }
                }
            }
        }
        let kept = examples.indices.filter { !scores[$0].isEmpty }
        for c in 0..<classCount {
            for row in examples.indices where probesOf[row] > 1 {
                alphaSum[c * examples.count + row] /= Double(probesOf[row])
            }
        }
        for g in 0..<(groups?.count ?? 0) {
            for row in examples.indices where probesOf[row] > 1 {
                groupAlphaSum[g * examples.count + row] /= Double(probesOf[row])
            }
        }
        return HeldOutScores(
            svm: kept.map { scores[$0] }, naiveBayes: kept.map { naiveBayesScores[$0] },
            group: kept.map { groupScores[$0] }, gold: kept.map { labels[$0] }, startingAlpha: alphaSum,
            startingGroupAlpha: groups == nil ? nil : groupAlphaSum)
    }

    public func classify(_ text: String, language: Language?) -> IntentPrediction {
        let (scores, knownFeatures) = model.scores(for: text, language: language)
        let probabilities = Calibration.softmax(scores, temperature: temperature)
        let ranked = Calibration.ranked(probabilities)
        let top = ranked.prefix(3).map { ScoredIntent(intent: intents[$0.index], confidence: $0.probability) }
        let confidence = ranked.first?.probability ?? 0
        let margin = confidence - (ranked.count > 1 ? ranked[1].probability : 0)
        // With nothing recognised the scores are the biases alone: never an answer.
        let accepted =
            knownFeatures > 0 && ranked.first?.index != outOfScopeIndex
            && outOfScopePolicy.accepts(confidence: confidence, margin: margin)
        return IntentPrediction(
            intent: accepted ? top.first?.intent : nil, confidence: confidence, alternatives: top, margin: margin)
    }
}

/// The vocabulary, IDF weights and linear weights behind the classifier.
struct LinearModel: Sendable {
    let featurizer: IntentFeaturizer
    let vocabulary: FeatureTable
    let idf: [Float]
    /// `FeatureView` of each feature.
    let views: [UInt8]
    let weights: [Float]
    let bias: [Float]
    let classCount: Int
    let viewWeights: [Float]

    /// Every example's feature keys, sorted (repeats kept), featurised on `threads` threads.
    static func featureKeys(_ examples: [LabeledUtterance], featurizer: IntentFeaturizer, threads: Int)
        -> [[UInt64]]
    {
        var rows = [[UInt64]](repeating: [], count: examples.count)
        let workers = max(1, min(threads, examples.count / 256 + 1))
        rows.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for index in stride(from: worker, to: examples.count, by: workers) {
                    var keys: [UInt64] = []
                    featurizer.appendKeys(of: examples[index].text, language: examples[index].lang, to: &keys)
                    keys.sort()
                    out[index] = keys
                }
            }
        }
        return rows
    }

    /// The TF-IDF training matrix with its vocabulary: built once, shared by the calibration probes and the final
    /// model. The IDF counts every fold, which moves a probe's scores negligibly and saves a matrix per fold; words
    /// a probe never saw are dropped when it scores (`scores(sortedKeys:seen:)`), as classification drops them.
    struct TrainingMatrix {
        var rows: SparseRows
        let vocabulary: FeatureTable
        let idf: [Float]
        let views: [UInt8]
        let viewWeights: [Float]

        /// The matrix of a subset of rows, in the given order.
        func rows(_ subset: [Int]) -> SparseRows {
            var picked = SparseRows()
            for row in subset {
                let range = rows.starts[row]..<rows.starts[row + 1]
                picked.append(indices: Array(rows.indices[range]), values: Array(rows.values[range]))
            }
            return picked
        }
    }

    /// Trains the SVM on `matrix` (or on the rows `subset` of it, whose labels `labels` then are) and adds
    /// `naiveBayesWeight` times the naive Bayes log-likelihoods of the same rows to its weights.
    /// With `groups`, also trains the group SVM and adds `groupWeight` times each class's group weights.
    static func fit(
        _ matrix: TrainingMatrix, subset: [Int]? = nil, labels: [Int], classCount: Int, featurizer: IntentFeaturizer,
        options: IntentClassifierOptions, naiveBayesWeight: Double, initialAlpha: [Double]? = nil,
        groups: IntentGroups? = nil, groupWeight: Double = 0, initialGroupAlpha: [Double]? = nil
    ) -> LinearModel {
        let model = fitWithDuals(
            matrix, subset: subset, labels: labels, classCount: classCount, featurizer: featurizer, options: options,
            naiveBayesWeight: naiveBayesWeight, initialAlpha: initialAlpha
        ).model
        guard let groups, groupWeight != 0 else { return model }
        // The group weights are a correction scaled by at most 0.5: a stop of 0.5 is enough for them.
        var groupOptions = options
        groupOptions.tolerance = max(options.tolerance, 0.5)
        let (groupModel, _) = fitGroups(
            matrix, subset: subset, labels: labels, groups: groups, featurizer: featurizer, options: groupOptions,
            initialAlpha: initialGroupAlpha)
        var weights = model.weights
        var bias = model.bias
        let scale = Float(groupWeight)
        let groupCount = groups.count
        for feature in 0..<matrix.idf.count {
            let row = feature * classCount
            let groupRow = feature * groupCount
            for k in 0..<classCount {
                weights[row + k] += scale * groupModel.weights[groupRow + groups.groupOfClass[k]]
            }
        }
        for k in 0..<classCount { bias[k] += scale * groupModel.bias[groups.groupOfClass[k]] }
        return LinearModel(
            featurizer: featurizer, vocabulary: matrix.vocabulary, idf: matrix.idf, views: matrix.views,
            weights: weights, bias: bias, classCount: classCount, viewWeights: matrix.viewWeights)
    }

    /// The SVM that tells `groups` apart, trained on the same rows with each example labelled by its intent's
    /// group, and its dual variables (`[group * rows + row]`).
    static func fitGroups(
        _ matrix: TrainingMatrix, subset: [Int]? = nil, labels: [Int], groups: IntentGroups,
        featurizer: IntentFeaturizer, options: IntentClassifierOptions, initialAlpha: [Double]? = nil
    ) -> (model: LinearModel, alpha: [Double]) {
        fitWithDuals(
            matrix, subset: subset, labels: labels.map { groups.groupOfClass[$0] }, classCount: groups.count,
            featurizer: featurizer, options: options, naiveBayesWeight: 0, initialAlpha: initialAlpha)
    }

    /// `fit`, also returning the SVM's dual variables (`LinearSVM.train`'s layout, rows in `subset` order).
    static func fitWithDuals(
        _ matrix: TrainingMatrix, subset: [Int]? = nil, labels: [Int], classCount: Int, featurizer: IntentFeaturizer,
        options: IntentClassifierOptions, naiveBayesWeight: Double, initialAlpha: [Double]? = nil
    ) -> (model: LinearModel, alpha: [Double]) {
        let parameters = LinearSVM.Parameters(
            c: options.c, tolerance: options.tolerance, maximumEpochs: options.maximumEpochs, seed: options.seed,
            threads: options.threads)
        let rows = subset.map { matrix.rows($0) } ?? matrix.rows
        var (weights, bias, alpha) = LinearSVM.train(
            rows: rows, labels: labels, classCount: classCount, featureCount: matrix.idf.count, parameters: parameters,
            initialAlpha: initialAlpha)
        if naiveBayesWeight != 0 {
            let (logLikelihood, logPrior) = MultinomialNaiveBayes.train(
                rows: rows, labels: labels, classCount: classCount, featureCount: matrix.idf.count,
                alpha: options.naiveBayesAlpha)
            let scale = Float(naiveBayesWeight)
            for index in weights.indices { weights[index] += scale * logLikelihood[index] }
            for k in bias.indices { bias[k] += scale * logPrior[k] }
        }
        let model = LinearModel(
            featurizer: featurizer, vocabulary: matrix.vocabulary, idf: matrix.idf, views: matrix.views,
            weights: weights, bias: bias, classCount: classCount, viewWeights: matrix.viewWeights)
        return (model, alpha)
    }

    /// Naive Bayes alone on `matrix` (or its rows `subset`), as a linear model: the calibration probes score
    /// it apart from the SVM to choose their mix.
    static func naiveBayes(
        _ matrix: TrainingMatrix, subset: [Int]? = nil, labels: [Int], classCount: Int, featurizer: IntentFeaturizer,
        alpha: Double
    ) -> LinearModel {
        let (logLikelihood, logPrior) = MultinomialNaiveBayes.train(
            rows: subset.map { matrix.rows($0) } ?? matrix.rows, labels: labels, classCount: classCount,
            featureCount: matrix.idf.count, alpha: alpha)
        return LinearModel(
            featurizer: featurizer, vocabulary: matrix.vocabulary, idf: matrix.idf, views: matrix.views,
            weights: logLikelihood, bias: logPrior, classCount: classCount, viewWeights: matrix.viewWeights)
    }

    static func matrix(keyRows: [[UInt64]], options: IntentClassifierOptions) -> TrainingMatrix {
        // One pass gives provisional ids in first-seen order (so the same input gives the same model) and raw
        // counts stored where the TF-IDF values will go: one copy of the training matrix, rewritten in place.
        var provisional: [UInt64: Int32] = [:]
        var keyOfId: [UInt64] = []
        var documentFrequency: [Int] = []
        var rows = SparseRows()
        for keys in keyRows {
            var p = 0
            while p < keys.count {
                var q = p + 1
                while q < keys.count && keys[q] == keys[p] { q += 1 }
                let id: Int32
                if let known = provisional[keys[p]] {
                    id = known
                } else {
                    id = Int32(keyOfId.count)
                    provisional[keys[p]] = id
                    keyOfId.append(keys[p])
                    documentFrequency.append(0)
                }
                documentFrequency[Int(id)] += 1
                rows.indices.append(id)
                rows.values.append(Float(q - p))
                p = q
            }
            rows.starts.append(rows.indices.count)
        }
        provisional = [:]
        // Drop rare features and number the rest densely, still in first-seen order.
        var remap = [Int32](repeating: -1, count: keyOfId.count)
        var vocabularyKeys: [UInt64] = []
        var idf: [Float] = []
        var views: [UInt8] = []
        let n = Double(keyRows.count)
        for (id, key) in keyOfId.enumerated() where documentFrequency[id] >= options.minimumDocumentFrequency {
            remap[id] = Int32(idf.count)
            vocabularyKeys.append(key)
            idf.append(Float(log((1 + n) / (1 + Double(documentFrequency[id]))) + 1))
            views.append(UInt8(FeatureView.of(key).rawValue))
        }
        let features = options.features
        let viewWeights = [
            features.characterWeight, features.wordWeight, features.stemWeight, features.stemBigramWeight,
        ]
        .map { Float($0) }
        var write = 0
        for row in 0..<rows.count {
            let (start, end) = (rows.starts[row], rows.starts[row + 1])
            rows.starts[row] = write
            for p in start..<end where remap[Int(rows.indices[p])] >= 0 {
                rows.indices[write] = remap[Int(rows.indices[p])]
                rows.values[write] = rows.values[p]
                write += 1
            }
            weigh(
                &rows.values, indices: rows.indices, range: rows.starts[row]..<write, idf: idf, views: views,
                sublinear: features.sublinearTF, viewWeights: viewWeights)
        }
        rows.starts[rows.count] = write
        rows.indices.removeSubrange(write...)
        rows.values.removeSubrange(write...)
        // The keys come from first-seen order, each once.
        let vocabulary = FeatureTable(keysInIDOrder: vocabularyKeys)!
        return TrainingMatrix(rows: rows, vocabulary: vocabulary, idf: idf, views: views, viewWeights: viewWeights)
    }

    /// Turns the counts in `values[range]` into TF-IDF, each view L2-normalised and scaled by its weight.
    static func weigh(
        _ values: inout [Float], indices: [Int32], range: Range<Int>, idf: [Float], views: [UInt8], sublinear: Bool,
        viewWeights: [Float]
    ) {
        var squaredNorms: (Float, Float, Float, Float) = (0, 0, 0, 0)
        for p in range {
            let index = Int(indices[p])
            let value = (sublinear ? 1 + log(values[p]) : values[p]) * idf[index]
            values[p] = value
            switch views[index] {
            case 0: squaredNorms.0 += value * value
            case 1: squaredNorms.1 += value * value
            case 2: squaredNorms.2 += value * value
            default: squaredNorms.3 += value * value
            }
        }
        let norms = [squaredNorms.0, squaredNorms.1, squaredNorms.2, squaredNorms.3]
        let scales = (0..<4).map { norms[$0] > 0 ? viewWeights[$0] / norms[$0].squareRoot() : 0 }
        for p in range { values[p] *= scales[Int(views[Int(indices[p])])] }
    }

    /// Raw SVM scores per class, and how many distinct known features the text had.
    func scores(for text: String, language: Language?) -> (scores: [Double], knownFeatures: Int) {
        var keys: [UInt64] = []
        featurizer.appendKeys(of: text, language: language, known: vocabulary, to: &keys)
        keys.sort()
        return scores(sortedKeys: keys)
    }

    /// Raw SVM scores for a message's sorted feature keys; with `seen`, only the features it marks count.
    func scores(sortedKeys keys: [UInt64], seen: [Bool]? = nil) -> (scores: [Double], knownFeatures: Int) {
        let (indices, values) = features(sortedKeys: keys, seen: seen)
        return (scores(indices: indices, values: values), indices.count)
    }

    /// A message's TF-IDF features (vocabulary ids and values) from its sorted keys; with `seen`, only the
    /// features it marks count.
    func features(sortedKeys keys: [UInt64], seen: [Bool]? = nil) -> (indices: [Int32], values: [Float]) {
        var indices: [Int32] = []
        var values: [Float] = []
        for key in keys {
            guard let index = vocabulary[key], seen?[Int(index)] ?? true else { continue }
            if indices.last == index {
                values[values.count - 1] += 1
            } else {
                indices.append(index)
                values.append(1)
            }
        }
        Self.weigh(
            &values, indices: indices, range: 0..<values.count, idf: idf, views: views,
            sublinear: featurizer.options.sublinearTF, viewWeights: viewWeights)
        return (indices, values)
    }

    /// Scores of TF-IDF features from `features(sortedKeys:seen:)` of a model with the same vocabulary.
    func scores(indices: [Int32], values: [Float]) -> [Double] {
        var sums = bias
        weights.withUnsafeBufferPointer { w in
            sums.withUnsafeMutableBufferPointer { sums in
                for (index, value) in zip(indices, values) {
                    let row = Int(index) * classCount
                    for k in 0..<classCount { sums[k] += value * w[row + k] }
                }
            }
        }
        return sums.map(Double.init)
    }
}

extension IntentFeaturizer {
    /// All feature keys of a text. Stems need a language: without one, the language whose stems the model
    /// knows best is used (`known`); training always passes the example's language.
    func appendKeys(of text: String, language: Language?, known: FeatureTable? = nil, to keys: inout [UInt64]) {
        let tokens = Self.tokens(of: text, joinInitialisms: options.joinInitialisms)
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
