import Foundation
import Testing

@testable import NeuvoLanguage

@Test func anIntentsGroupIsItsNameBeforeTheFirstDotOrElseUnderscore() {
    #expect(IntentGroups.group(of: "unit.opening_hours") == "unit")
    #expect(IntentGroups.group(of: "health.child_clinic") == "health")
    #expect(IntentGroups.group(of: "alarm_set") == "alarm")
    #expect(IntentGroups.group(of: "iot_hue_lightchange") == "iot")
    #expect(IntentGroups.group(of: "greeting") == "greeting")
    let groups = IntentGroups(intents: ["alarm_query", "alarm_set", "greeting", "unit.contact", "unit.find"])
    #expect(groups?.names == ["alarm", "greeting", "unit"])
    #expect(groups?.groupOfClass == [0, 0, 1, 2, 2])
    // Grouping that says nothing is none: every intent alone, or all of them one family.
    #expect(IntentGroups(intents: ["daycare", "library", "swimming"]) == nil)
    #expect(IntentGroups(intents: ["unit.contact", "unit.find"]) == nil)
}

/// Two families of two intents each, in English.
private let families: [LabeledUtterance] = [
    ("wake me up at seven", "alarm_set"), ("set an alarm for six am", "alarm_set"),
    ("alarm at nine please", "alarm_set"),
    ("what alarms do i have", "alarm_query"), ("is my alarm on for tomorrow", "alarm_query"),
    ("list my alarms", "alarm_query"), ("will it rain today", "weather_query"),
    ("how cold is it outside", "weather_query"),
    ("weather for tomorrow", "weather_query"), ("is it sunny in helsinki", "weather_find"),
    ("weather in turku this weekend", "weather_find"), ("forecast for oulu", "weather_find"),
].map { LabeledUtterance(text: $0.0, intent: $0.1, lang: .en) }

@Test func theGroupModelIsFoldedIntoEachMemberIntentsWeights() {
    var options = IntentClassifierOptions()
    options.calibrationFolds = 0
    options.naiveBayesWeight = 0
    options.threads = 1
    options.tolerance = 0.5  // the group SVM's own stop, so that the family model below is the same SVM
    options.groupWeight = 0
    let plain = IntentClassifier.train(families, options: options)
    options.groupWeight = 0.5
    let grouped = IntentClassifier.train(families, options: options)
    #expect(grouped.groupWeight == 0.5 && plain.groupWeight == 0)
    // The same examples labelled by family alone: the group SVM the grouped model was given.
    let byFamily = IntentClassifier.train(
        families.map { LabeledUtterance(text: $0.text, intent: IntentGroups.group(of: $0.intent), lang: .en) },
        options: options)
    #expect(byFamily.intents == ["alarm", "weather"] && byFamily.groupWeight == 0)
    for text in ["alarm for tomorrow", "rain in oulu", "what is on", "zzz"] {
        let base = plain.model.scores(for: text, language: .en).scores
        let family = byFamily.model.scores(for: text, language: .en).scores
        let mixed = grouped.model.scores(for: text, language: .en).scores
        for (k, intent) in grouped.intents.enumerated() {
            let expected = base[k] + 0.5 * family[intent.hasPrefix("alarm") ? 0 : 1]
            #expect(abs(mixed[k] - expected) < 1e-4, "\(text): \(intent)")
        }
    }
}

@Test func theGroupWeightSurvivesTheModelFile() throws {
    var options = IntentClassifierOptions()
    options.calibrationFolds = 0
    options.groupWeight = 0.3
    let trained = IntentClassifier.train(families, options: options)
    let loaded = try IntentClassifier(modelData: trained.modelData(), options: options)
    #expect(loaded.groupWeight == 0.3)
    #expect(loaded.model.weights == trained.model.weights)
    for text in ["alarm for tomorrow", "rain in oulu"] {
        #expect(loaded.classify(text, language: .en).alternatives == trained.classify(text, language: .en).alternatives)
    }
}
