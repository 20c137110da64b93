import Foundation
import NeuvoLanguage
import Testing

@Suite struct LanguageIdentifierTests {
    let model = LanguageIdentifier.bundled

    @Test(arguments: [
        ("aukioloajat?", Language.fi), ("Missä on lähin terveysasema?", .fi), ("päiväkoti", .fi), ("paivakoti", .fi),
        ("esiopetuspaikka", .fi), ("kiitos", .fi), ("asiakasmaksu", .fi), ("Haluan varata ajan neuvolaan", .fi),
        ("terveysasema", .fi), ("kirjasto", .fi),
        ("öppettider", .sv), ("hälsostation", .sv), ("halsostation", .sv), ("daghem", .sv), ("förskoleplats", .sv),
        ("tack", .sv), ("klientavgift", .sv), ("Var finns närmaste bibliotek?", .sv), ("oppettider", .sv),
        ("Jag vill boka en tid på rådgivningen", .sv),
        ("opening hours", .en), ("health station", .en), ("daycare centre", .en), ("thanks", .en),
        ("Where is the nearest library?", .en), ("I want to book a health check-up", .en), ("client fee", .en),
    ])
    func identifiesWordsAndSentences(text: String, expected: Language) {
        let guess = model.identify(text)
        #expect(guess.language == expected, "\(text): \(guess)")
        #expect(guess.isReliable, "\(text): \(guess)")
        #expect(guess.confidence >= LanguageIdentifier.minimumConfidence)
    }

    @Test func scoresAreProbabilities() {
        for text in ["hei", "Var ligger simhallen?", "swimming hall", "😀", ""] {
            let guess = model.identify(text)
            #expect(Set(guess.scores.keys) == Set(Language.allCases))
            #expect(abs(guess.scores.values.reduce(0, +) - 1) < 1e-9)
            #expect(guess.scores.values.allSatisfy { (0...1).contains($0) })
            #expect(guess.confidence == guess.scores[guess.language])
        }
    }

    @Test(arguments: ["ok", "1234", "😀👍", "", "   ", "?!", "ja"])
    func tooShortOrAmbiguousTextUsesTheFallback(text: String) {
        for fallback in Language.allCases {
            let guess = model.identify(text, fallback: fallback)
            #expect(guess.language == fallback, "\(text)")
            #expect(!guess.isReliable, "\(text)")
        }
        #expect(!model.identify(text).isReliable)
    }

    @Test func textWithoutLettersHasUniformScores() {
        let guess = model.identify("12:30 🙂 #42")
        #expect(!guess.isReliable)
        for language in Language.allCases { #expect(abs(guess.scores[language]! - 1.0 / 3) < 1e-9) }
    }

    @Test func reliableTextIgnoresTheFallback() {
        let guess = model.identify("Mitkä ovat kirjaston aukioloajat tänään?", fallback: .en)
        #expect(guess.language == .fi)
        #expect(guess.isReliable)
        #expect(guess.confidence > 0.95)
    }

    @Test func longAndOddInputNeverCrashes() {
        let long = String(repeating: "Var ligger närmaste hälsostation? ", count: 3000)
        #expect(model.identify(long).language == .sv)
        #expect(model.identify(String(repeating: "x", count: 5000)).scores.count == 3)
        #expect(model.identify("a\u{0308}\u{0308}\u{0308}\u{FEFF}\u{0000}🇫🇮").scores.count == 3)
    }

    @Test func decomposedInputIsIdentifiedLikePrecomposed() {
        let precomposed = model.identify("Hälsostationens öppettider")
        let decomposed = model.identify("Ha\u{0308}lsostationens o\u{0308}ppettider")
        #expect(precomposed == decomposed)
        #expect(precomposed.language == .sv)
    }

    @Test func serializationRoundTripsExactly() throws {
        let data = model.modelData()
        let restored = try LanguageIdentifier(modelData: data)
        #expect(restored.modelData() == data)
        for text in ["aukioloajat", "öppettider", "opening hours", "ok"] {
            #expect(restored.identify(text, fallback: .sv) == model.identify(text, fallback: .sv))
        }
        let resource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/NeuvoLanguage/Resources/LanguageModel.bin")
        #expect(try Data(contentsOf: resource) == data)
    }

    @Test func corruptModelDataIsRejected() {
        let data = model.modelData()
        #expect(throws: LanguageModelError.badMagic) { try LanguageIdentifier(modelData: Data("nope".utf8)) }
        #expect(throws: LanguageModelError.self) { try LanguageIdentifier(modelData: data.prefix(data.count - 1)) }
        var wrongVersion = data
        wrongVersion[4] = 99
        #expect(throws: LanguageModelError.unsupportedVersion(99)) { try LanguageIdentifier(modelData: wrongVersion) }
    }

    @Test func trainingIsDeterministicAndLearns() {
        let samples: [(text: String, language: Language)] = [
            ("missä on kirjasto", .fi), ("milloin uimahalli aukeaa", .fi), ("haluan varata ajan", .fi),
            ("var finns biblioteket", .sv), ("när öppnar simhallen", .sv), ("jag vill boka en tid", .sv),
            ("where is the library", .en), ("when does the swimming hall open", .en), ("i want to book a time", .en),
        ]
        let first = LanguageIdentifier.train(samples)
        let second = LanguageIdentifier.train(samples)
        #expect(first.modelData() == second.modelData())
        #expect(first.identify("missä kirjasto").language == .fi)
        #expect(first.identify("var finns simhallen").language == .sv)
        #expect(first.identify("where is the swimming hall").language == .en)
    }

    @Test(.enabled(if: SharedData.isAvailable))
    func smallTrainingSubsetGeneralises() throws {
        let all = try LanguageIdentifier.massiveSamples(directory: SharedData.url("massive"), split: "train")
        let subset = Language.allCases.flatMap { language in all.filter { $0.language == language }.prefix(400) }
        let trained = LanguageIdentifier.train(Array(subset))
        let dev = try LanguageIdentifier.massiveSamples(directory: SharedData.url("massive"), split: "dev")
        let sample = stride(from: 0, to: dev.count, by: 10).map { dev[$0] }
        let correct = sample.filter { trained.identify($0.text).language == $0.language }.count
        #expect(Double(correct) / Double(sample.count) > 0.95)
    }

    /// The bundled model must beat lingua (high-accuracy mode, restricted to fi/sv/en) on MASSIVE dev.
    @Test(.enabled(if: SharedData.isAvailable))
    func devAccuracyBeatsLingua() throws {
        let dev = try LanguageIdentifier.massiveSamples(directory: SharedData.url("massive"), split: "dev")
        let lingua: [Language: Double] = [.fi: 0.9946, .sv: 0.9793, .en: 0.9897]
        for language in Language.allCases {
            let samples = dev.filter { $0.language == language }
            #expect(samples.count == 2033)
            let correct = samples.filter { model.identify($0.text).language == language }.count
            let accuracy = Double(correct) / Double(samples.count)
            #expect(accuracy >= lingua[language]!, "\(language): \(accuracy)")
            #expect(accuracy >= 0.995, "\(language): \(accuracy)")
        }
    }
}
