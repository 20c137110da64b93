import Foundation
import Testing

@testable import NeuvoLanguage

/// Two classes, three features: class 0 holds features 0 and 1, class 1 feature 2 (and a little of 1).
private func toyRows() -> (rows: SparseRows, labels: [Int]) {
    var rows = SparseRows()
    rows.append(indices: [0, 1], values: [1, 1])
    rows.append(indices: [0], values: [2])
    rows.append(indices: [1, 2], values: [0.5, 3])
    return (rows, [0, 0, 1])
}

@Test func naiveBayesLogLikelihoodsAreSmoothedShares() {
    let (rows, labels) = toyRows()
    let alpha = 0.5
    let model = MultinomialNaiveBayes.train(rows: rows, labels: labels, classCount: 2, featureCount: 3, alpha: alpha)
    // Class 0: mass 3, 1, 0 of total 4; class 1: 0, 0.5, 3 of 3.5; each smoothed by alpha over 3 features.
    let expected: [[Double]] = [
        [log(3.5 / 5.5), log(1.5 / 5.5), log(0.5 / 5.5)],
        [log(0.5 / 5), log(1 / 5), log(3.5 / 5)],
    ]
    for f in 0..<3 {
        for k in 0..<2 {
            #expect(abs(Double(model.logLikelihood[f * 2 + k]) - expected[k][f]) < 1e-5, "feature \(f) class \(k)")
        }
    }
    #expect(abs(Double(model.logPrior[0]) - log(2.0 / 3)) < 1e-6)
    #expect(abs(Double(model.logPrior[1]) - log(1.0 / 3)) < 1e-6)
    // Each class's likelihoods are a distribution over the features.
    for k in 0..<2 {
        let total = (0..<3).map { exp(Double(model.logLikelihood[$0 * 2 + k])) }.reduce(0, +)
        #expect(abs(total - 1) < 1e-5)
    }
}

@Test func naiveBayesAloneSeparatesAToySet() {
    let (rows, labels) = toyRows()
    let model = MultinomialNaiveBayes.train(rows: rows, labels: labels, classCount: 2, featureCount: 3, alpha: 0.1)
    func best(_ features: [(Int, Float)]) -> Int {
        let scores = (0..<2).map { k in
            features.reduce(model.logPrior[k]) { $0 + $1.1 * model.logLikelihood[$1.0 * 2 + k] }
        }
        return scores[1] > scores[0] ? 1 : 0
    }
    #expect(best([(0, 1)]) == 0)
    #expect(best([(2, 1)]) == 1)
    #expect(best([(0, 0.2), (2, 1)]) == 1)
}

private let mixExamples: [LabeledUtterance] = [
    ("milloin kirjasto on auki", "library"), ("kirjaston aukioloajat", "library"), ("lainaan kirjan", "library"),
    ("uimahalli hinta", "swimming"), ("missä voi uida", "swimming"), ("uimahallin aukioloajat", "swimming"),
    ("haluan päiväkotipaikan", "daycare"), ("päiväkoti lähellä", "daycare"), ("miten haen päiväkotiin", "daycare"),
].map { LabeledUtterance(text: $0.0, intent: $0.1, lang: .fi) }

@Test func theMixIsTheSvmPlusWeightedNaiveBayesInOneLinearModel() {
    var options = IntentClassifierOptions()
    options.calibrationFolds = 0
    options.threads = 1
    let featurizer = IntentFeaturizer(options: options.features)
    let keyRows = LinearModel.featureKeys(mixExamples, featurizer: featurizer, threads: 1)
    let matrix = LinearModel.matrix(keyRows: keyRows, options: options)
    let labels = mixExamples.map { ["daycare", "library", "swimming"].firstIndex(of: $0.intent)! }
    let svm = LinearModel.fit(
        matrix, labels: labels, classCount: 3, featurizer: featurizer, options: options, naiveBayesWeight: 0)
    let naiveBayes = LinearModel.naiveBayes(
        matrix, labels: labels, classCount: 3, featurizer: featurizer, alpha: options.naiveBayesAlpha)
    let mixed = LinearModel.fit(
        matrix, labels: labels, classCount: 3, featurizer: featurizer, options: options, naiveBayesWeight: 0.25)
    for text in ["kirjastoon", "uimahalliin huomenna", "päiväkodin paikka", "xyz"] {
        let a = svm.scores(for: text, language: .fi).scores
        let b = naiveBayes.scores(for: text, language: .fi).scores
        let c = mixed.scores(for: text, language: .fi).scores
        for k in 0..<3 { #expect(abs(c[k] - (a[k] + 0.25 * b[k])) < 1e-4, "\(text) class \(k)") }
    }
    let library = naiveBayes.scores(for: "kirjastoon", language: .fi).scores
    #expect(library.indices.max { library[$0] < library[$1] } == 1)
}

@Test func theWeightWithTheMostHeldOutRightWinsTheSmallestAmongEquals() {
    // Example 0: the SVM alone is wrong, naive Bayes puts it right above a weight of 1/3. Example 1: right below
    // 5/3.
    let heldOut = IntentClassifier.HeldOutScores(
        svm: [[1, 0], [1, 0]], naiveBayes: [[0, 3], [0, 0.6]], group: [[], []], gold: [1, 0])
    #expect(heldOut.bestWeights(naiveBayes: [0, 0.5, 1, 2], group: [0]).naiveBayes == 0.5)
    #expect(heldOut.bestWeights(naiveBayes: [0.1, 0], group: [0]).naiveBayes == 0)
    #expect(heldOut.right(0) == 1 && heldOut.right(1) == 2 && heldOut.right(2) == 1)
}

@Test func theNaiveBayesAndGroupWeightsAreChosenTogether() {
    // Example 0 needs naive Bayes (weight ≥ 0.5), example 1 the group score (weight > 0.25) to be right; a group
    // weight of 1 puts example 0 wrong again.
    let heldOut = IntentClassifier.HeldOutScores(
        svm: [[1, 0], [1, 1.2]], naiveBayes: [[0, 2.5], [0, 0]], group: [[1.5, 0], [1, 0]], gold: [1, 0])
    let best = heldOut.bestWeights(naiveBayes: [0, 0.5, 1], group: [0, 0.5, 1])
    #expect(best.naiveBayes == 1 && best.group == 0.5)
    #expect(heldOut.right(1, 0.5) == 2 && heldOut.right(1, 0) == 1 && heldOut.right(1, 1) == 1)
}

@Test func theSmoothedChoiceTakesThePlateauOverALonePeak() {
    // Three group weights (lines) by four naive Bayes weights (columns): a lone 9 at the corner, a plateau of
    // sixes below. Plainly the 9 wins; smoothed, the first cell whose neighbourhood is all sixes (line 2, column 2).
    let counts = [9, 1, 1, 1, 4, 6, 6, 6, 4, 6, 6, 6]
    #expect(IntentClassifier.HeldOutScores.chosen(counts: counts, columns: 4, smoothed: false) == 0)
    #expect(IntentClassifier.HeldOutScores.chosen(counts: counts, columns: 4, smoothed: true) == 10)
    // One line: neighbours along the naive Bayes weights only.
    #expect(IntentClassifier.HeldOutScores.chosen(counts: [5, 0, 4, 4, 4], columns: 5, smoothed: true) == 3)
    #expect(IntentClassifier.HeldOutScores.chosen(counts: [5, 0, 4, 4, 4], columns: 5, smoothed: false) == 0)
}

@Test func trainingChoosesTheWeightOnItsFoldsAndTheModelFileKeepsIt() throws {
    var examples: [LabeledUtterance] = []
    for round in 0..<20 {  // 120 examples: enough for calibration folds
        for (text, intent) in [
            ("kirjasto auki", "library"), ("lainaa kirja", "library"), ("uimahalli hinta", "swimming"),
            ("missä uida", "swimming"), ("päiväkoti paikka", "daycare"), ("hae päiväkotiin", "daycare"),
        ] {
            examples.append(LabeledUtterance(text: "\(text) \(round)", intent: intent, lang: .fi))
        }
    }
    var options = IntentClassifierOptions()
    options.naiveBayesWeights = [0.5, 0.25]
    let classifier = IntentClassifier.train(examples, options: options)
    #expect(classifier.naiveBayesWeight == 0.25)  // every candidate is right on all: the smallest
    let read = try IntentClassifier(modelData: classifier.modelData(), options: options)
    #expect(read.naiveBayesWeight == 0.25)
    #expect(
        read.classify("kirjastossa", language: .fi).alternatives
            == classifier.classify("kirjastossa", language: .fi).alternatives)
    var old = [UInt8](classifier.modelData())
    old[4] = 1
    #expect(throws: IntentModelError.unsupportedVersion(1)) {
        try IntentClassifier(modelData: Data(old), options: options)
    }
    // Without folds the default weight applies.
    options.calibrationFolds = 0
    #expect(
        IntentClassifier.train(examples, options: options).naiveBayesWeight == IntentClassifier.defaultNaiveBayesWeight)
    // Under 100 examples naive Bayes is left out unless set.
    #expect(IntentClassifier.train(Array(examples.prefix(60)), options: options).naiveBayesWeight == 0)
    options.naiveBayesWeight = 0.1
    #expect(IntentClassifier.train(Array(examples.prefix(60)), options: options).naiveBayesWeight == 0.1)
}
