import Foundation
import Testing

@testable import NeuvoLanguage

private func examples(_ lang: Language, _ pairs: [(String, String)]) -> [LabeledUtterance] {
    pairs.map { LabeledUtterance(text: $0.0, intent: $0.1, lang: lang) }
}

/// A tiny Finnish/Swedish/English set of city questions, with base forms only.
private let cityExamples =
    examples(
        .fi,
        [
            ("haluan päiväkotipaikan lapselle", "daycare"), ("päiväkoti lähellä kotia", "daycare"),
            ("varhaiskasvatus ja päiväkoti", "daycare"), ("miten haen päiväkotiin", "daycare"),
            ("kirjasto aukioloajat", "library"), ("milloin kirjasto on auki", "library"),
            ("lainaan kirjan kirjastosta", "library"), ("kirjaston aukioloaika", "library"),
            ("uimahalli hinta", "swimming"), ("uimahallin aukioloajat", "swimming"),
            ("missä voi uida", "swimming"), ("uinti ja uimahalli", "swimming"),
        ])
    + examples(
        .sv,
        [
            ("jag vill ha en daghemsplats", "daycare"), ("daghem nära hemmet", "daycare"),
            ("biblioteket öppettider", "library"), ("när är biblioteket öppet", "library"),
            ("simhall pris", "swimming"), ("var kan jag simma", "swimming"),
        ])
    + examples(
        .en,
        [
            ("i need a daycare place", "daycare"), ("daycare centre near home", "daycare"),
            ("library opening hours", "library"), ("when is the library open", "library"),
            ("swimming hall price", "swimming"), ("where can i swim", "swimming"),
        ])

private let cityClassifier = IntentClassifier.train(cityExamples)

@Test func classifiesInflectedAndCompoundForms() {
    let cases: [(String, Language, String)] = [
        ("päiväkodissa on tilaa?", .fi, "daycare"),  // consonant gradation: päiväkoti → päiväkodi-
        ("esiopetus päiväkotiryhmässä", .fi, "daycare"),  // unseen compound
        ("kirjastoissa", .fi, "library"),
        ("uimahalleihin", .fi, "swimming"),
        ("paivakodissa", .fi, "daycare"),  // typed without diacritics
        ("bibliotekens öppettider", .sv, "library"),
        ("the libraries", .en, "library"),
    ]
    for (text, language, expected) in cases {
        let prediction = cityClassifier.classify(text, language: language)
        #expect(prediction.alternatives.first?.intent == expected, "\(text)")
    }
}

@Test func languageCanBeLeftOut() {
    #expect(cityClassifier.classify("kirjastoissa", language: nil).alternatives.first?.intent == "library")
}

@Test func rejectsNonsenseAsOutOfScope() {
    for text in ["xqzv bgrtl wfkp", "", "🙂🙂🙂", "1234 5678"] {
        let prediction = cityClassifier.classify(text, language: .fi)
        #expect(prediction.intent == nil, "\(text)")
    }
}

@Test func alternativesAreTheBestThreeInOrder() {
    let prediction = cityClassifier.classify("kirjaston aukioloajat", language: .fi)
    #expect(prediction.intent == "library")
    #expect(prediction.alternatives.count == 3)
    #expect(Set(prediction.alternatives.map(\.intent)).count == 3)
    let confidences = prediction.alternatives.map(\.confidence)
    #expect(confidences == confidences.sorted(by: >))
    #expect(prediction.confidence == confidences[0])
    #expect(abs(prediction.margin - (confidences[0] - confidences[1])) < 1e-12)
    #expect(confidences.reduce(0, +) <= 1 + 1e-9)
    #expect(cityClassifier.intents == ["daycare", "library", "swimming"])
}

@Test func trainingIsDeterministic() {
    var oneThread = IntentClassifierOptions()
    oneThread.threads = 1
    var twoThreads = IntentClassifierOptions()
    twoThreads.threads = 2
    let a = IntentClassifier.train(cityExamples, options: oneThread)
    let b = IntentClassifier.train(cityExamples, options: twoThreads)
    let c = IntentClassifier.train(cityExamples, options: twoThreads)
    for text in ["päiväkodissa", "simhallen", "library", "mitä kuuluu", "xyz"] {
        let pa = a.classify(text, language: .fi)
        for other in [b, c] {
            let po = other.classify(text, language: .fi)
            #expect(pa.alternatives == po.alternatives)
            #expect(pa.intent == po.intent && pa.margin == po.margin)
        }
    }
    #expect(a.model.weights == c.model.weights)
}

@Test func badInputNeverCrashes() {
    var garbage = [UInt8]()
    var random = SplitMix64(seed: 7)
    for _ in 0..<4_096 { garbage.append(UInt8(truncatingIfNeeded: random.next())) }
    let inputs = [
        "", " \n\t ", String(repeating: "päiväkoti ", count: 10_000), String(decoding: garbage, as: UTF8.self),
        "🏊‍♀️📚👶", "kirjasto library bibliotek päiväkoti daycare", "\u{0}\u{1}\u{FFFD}",
        String(repeating: "a", count: 100_000),
    ]
    for text in inputs {
        for language in [Language.fi, .sv, .en, nil] {
            let prediction = cityClassifier.classify(text, language: language)
            #expect(prediction.alternatives.count == 3)
            #expect(prediction.confidence.isFinite && prediction.margin >= 0)
        }
    }
}

@Test func emptyTrainingSetGivesOutOfScope() {
    let classifier = IntentClassifier.train([])
    let prediction = classifier.classify("hello", language: .en)
    #expect(prediction.intent == nil && prediction.alternatives.isEmpty && classifier.intents.isEmpty)
}

@Test func tunedPolicyRespectsTheRejectionBudget() {
    var samples: [OutOfScopePolicy.Sample] = []
    for i in 0..<100 {
        let confidence = Double(i) / 100
        samples.append(.init(confidence: confidence, margin: confidence / 2, correct: i >= 20))
    }
    let policy = OutOfScopePolicy.tune(samples, rejectionBudget: 0.1)
    let rejected = samples.filter { !policy.accepts(confidence: $0.confidence, margin: $0.margin) }.count
    #expect(rejected <= 10)
    #expect(rejected == 10)  // all budget spent on the least confident, which are the wrong ones
    // A wider budget rejects exactly the 20 wrong ones (then stops: more rejections gain nothing).
    let wide = OutOfScopePolicy.tune(samples, rejectionBudget: 0.25)
    let accepted = samples.filter { wide.accepts(confidence: $0.confidence, margin: $0.margin) }
    #expect(accepted.count == 80 && accepted.allSatisfy(\.correct))
}

@Test func evaluationReportUsesSnakeCaseKeys() throws {
    let report = IntentEvaluation.run(train: cityExamples, test: cityExamples)
    #expect(report.accuracy == 1 && report.byLang["sv"] == 1 && report.testExamples == cityExamples.count)
    let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
    for key in ["accuracy", "by_lang", "macro_f1", "train_seconds", "us_per_message", "confusions", "out_of_scope"] {
        #expect(json?[key] != nil, "\(key)")
    }
}

// MARK: - Reader

private func readerError(_ body: String) throws -> LabeledUtteranceReadError? {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-intents-\(UUID().uuidString).jsonl")
    try body.write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    do {
        _ = try LabeledUtteranceReader.read(url)
        return nil
    } catch let error as LabeledUtteranceReadError {
        #expect(error.file == url.path)
        #expect(error.description.hasPrefix("\(url.path):\(error.line): "))
        return error
    }
}

@Test func readerReadsValidLinesAndIgnoresOtherFields() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-ok-\(UUID().uuidString).jsonl")
    try
        "{\"text\": \"herätä minut\", \"intent\": \"alarm_set\", \"lang\": \"fi\", \"id\": \"1\"}\n\n{\"text\": \"hi\", \"intent\": \"greet\", \"lang\": \"en\"}\r\n"
        .write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    let read = try LabeledUtteranceReader.read(url)
    #expect(
        read == [
            LabeledUtterance(text: "herätä minut", intent: "alarm_set", lang: .fi),
            LabeledUtterance(text: "hi", intent: "greet", lang: .en),
        ])
}

@Test func readerErrorsNameFileLineAndProblem() throws {
    let good = "{\"text\": \"a\", \"intent\": \"x\", \"lang\": \"fi\"}\n"
    let cases: [(String, Int, LabeledUtteranceReadError.Problem)] = [
        (good + "{\"text\": \"a\", \"intent\": \n", 2, .badJSON),
        (good + "[1, 2]\n", 2, .badJSON),
        (good + good + "{\"intent\": \"x\", \"lang\": \"fi\"}\n", 3, .missingField("text")),
        ("{\"text\": \"a\", \"lang\": \"fi\"}\n", 1, .missingField("intent")),
        (good + "{\"text\": \"a\", \"intent\": \"x\", \"lang\": \"de\"}\n", 2, .unknownLanguage("de")),
        (good + "{\"text\": \"a\", \"intent\": \" \", \"lang\": \"sv\"}\n", 2, .emptyIntent),
    ]
    for (body, line, problem) in cases {
        let error = try readerError(body)
        #expect(error?.line == line)
        #expect(error?.problem == problem)
    }
}

@Test func readerReportsMissingFile() {
    let url = URL(fileURLWithPath: "/nonexistent/neuvo.jsonl")
    #expect(throws: LabeledUtteranceReadError.self) { try LabeledUtteranceReader.read(url) }
}

// MARK: - MASSIVE

@Test(.enabled(if: SharedData.isAvailable))
func finnishMassiveDevAccuracyBeatsTheScikitLearnBaseline() throws {
    let train = try LabeledUtteranceReader.read(SharedData.url("massive/fi.train.jsonl"))
    let dev = try LabeledUtteranceReader.read(SharedData.url("massive/fi.dev.jsonl"))
    var options = IntentClassifierOptions()
    options.calibrationFolds = 0  // accuracy only: no calibration folds in a debug build
    let report = IntentEvaluation.run(train: train, test: dev, options: options)
    #expect(report.accuracy >= 0.843)
    #expect(report.byLang["fi"] == report.accuracy)
    #expect(report.testExamples == 2_033 && report.intents == 60)
}
