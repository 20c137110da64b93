import Foundation
import Testing

@testable import NeuvoLanguage

/// The distinct feature keys of one view of a text.
private func keys(_ text: String, _ view: FeatureView, _ features: IntentFeatureOptions, _ language: Language = .en)
    -> Set<UInt64>
{
    var keys: [UInt64] = []
    IntentFeaturizer(options: features).appendKeys(of: text, language: language, to: &keys)
    return Set(keys.filter { FeatureView.of($0) == view })
}

@Test func apostrophePartsAreTheHeadAndEachCliticWithItsApostrophe() {
    #expect(IntentFeaturizer.apostropheParts(of: "what's") == ["what", "'s"])
    #expect(IntentFeaturizer.apostropheParts(of: "don't") == ["don", "'t"])
    #expect(IntentFeaturizer.apostropheParts(of: "rock'n'roll") == ["rock", "'n", "'roll"])
    #expect(IntentFeaturizer.apostropheParts(of: "alarm") == ["alarm"])
}

@Test func aContractionSharesItsHeadWordWithTheWordWrittenOut() {
    var features = IntentFeatureOptions()
    features.boundaryBigrams = false  // a one-word text's words view is then that word alone
    features.apostropheWords = .whole
    let wholeWords = keys("what's the weather", .words, features)
    // As one word, "what's" has nothing in common with "what" in the words view.
    #expect(!keys("what", .words, features).isSubset(of: wholeWords))
    features.apostropheWords = .both
    let both = keys("what's the weather", .words, features)
    let what = keys("what", .words, features)
    #expect(what.isSubset(of: both))
    #expect(both.isSuperset(of: wholeWords), "the word as written and its bigrams stay")
    // The possessive's head is the noun: "the alarm's time" shares "alarm" with "the alarm".
    #expect(keys("alarm", .words, features).isSubset(of: keys("the alarm's time", .words, features)))
    // Words without an apostrophe are featurised as before.
    var whole = features
    whole.apostropheWords = .whole
    #expect(keys("set an alarm", .words, features) == keys("set an alarm", .words, whole))
}

@Test func stemBigramsAreAViewOfTheirOwnSharedByInflectedForms() {
    var features = IntentFeatureOptions()
    features.stemBigrams = false
    #expect(keys("set the alarms", .stemBigrams, features).isEmpty)
    features.stemBigrams = true
    let bigrams = keys("setting alarms", .stemBigrams, features)
    #expect(bigrams.count == 1)
    #expect(bigrams == keys("set alarm", .stemBigrams, features))
    #expect(bigrams != keys("alarm set", .stemBigrams, features), "order counts")
    // The stems view itself is unchanged by the bigrams.
    var without = features
    without.stemBigrams = false
    #expect(keys("setting alarms", .stems, features) == keys("setting alarms", .stems, without))
    // Finnish inflection: "kirjastossa huomenna" and "kirjastoon huomenna" share the stem bigram.
    #expect(
        keys("kirjastossa huomenna", .stemBigrams, features, .fi)
            == keys("kirjastoon huomenna", .stemBigrams, features, .fi))
}

@Test func aModelWithFourViewsIsReadBackAndAnOlderFormatIsRefused() throws {
    var examples: [LabeledUtterance] = []
    for (text, intent) in [
        ("what's the weather like", "weather"), ("is it going to rain", "weather"), ("set an alarm", "alarm"),
        ("wake me up at seven", "alarm"), ("what's on my calendar", "calendar"), ("add a meeting", "calendar"),
    ] {
        examples.append(LabeledUtterance(text: text, intent: intent, lang: .en))
    }
    var options = IntentClassifierOptions()
    options.threads = 1
    options.features.stemBigrams = true
    options.features.stemBigramWeight = 0.5
    options.features.apostropheWords = .both
    let trained = IntentClassifier.train(examples, options: options)
    let data = trained.modelData()
    let read = try IntentClassifier(modelData: data, options: options)
    #expect(read.model.views.contains(UInt8(FeatureView.stemBigrams.rawValue)))
    #expect(read.model.viewWeights == [1, 1, 1, 0.5])
    for text in ["what's the weather tomorrow", "setting alarms", "meetings"] {
        #expect(read.classify(text, language: .en).alternatives == trained.classify(text, language: .en).alternatives)
    }
    var older = [UInt8](data)
    older[4] = 3
    #expect(throws: IntentModelError.unsupportedVersion(3)) {
        try IntentClassifier(modelData: Data(older), options: options)
    }
}

@Test func initialismsWrittenWithPeriodsAreOneWord() {
    func words(_ text: String) -> [String] { IntentFeaturizer.tokens(of: text, joinInitialisms: true).map(\.text) }
    #expect(words("alert me at three p. m. to go") == ["alert", "me", "at", "three", "pm", "to", "go"])
    #expect(words("play B.B.C. news") == ["play", "bbc", "news"])
    #expect(words("vad är s. v. t. senaste nyheter") == ["vad", "är", "svt", "senaste", "nyheter"])
    // One letter alone is not an initialism; letters without periods, numbers and ordinary words are left alone.
    #expect(words("Ville a. Virtanen") == ["ville", "a", "virtanen"])
    #expect(words("plan a or b") == ["plan", "a", "or", "b"])
    #expect(words("1. 2. 3. kerros") == ["1", "2", "3", "kerros"])
    #expect(words("klo 12.30 a. m. tai p.m.") == ["klo", "12.30", "am", "tai", "pm"])
    #expect(IntentFeaturizer.tokens(of: "three p. m.").map(\.text) == ["three", "p", "m"], "only when asked")
    var features = IntentFeatureOptions()
    features.joinInitialisms = true
    #expect(keys("wake me at seven a. m.", .words, features) == keys("wake me at seven am", .words, features))
}
