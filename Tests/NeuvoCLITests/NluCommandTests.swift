import Foundation
import NeuvoTestSupport
import Testing

/// The project's own catalog (intents/ and locales/ at the repository root).

struct ClassifiedLine: Decodable {
    struct Alternative: Decodable {
        let intent: String
        let confidence: Double
    }
    let text: String
    let lang: String
    let langConfidence: Double
    let intent: String?
    let confidence: Double
    let alternatives: [Alternative]
    let entities: [[String: JSONAny]]

    enum CodingKeys: String, CodingKey {
        case text, lang, intent, confidence, alternatives, entities
        case langConfidence = "lang_confidence"
    }
}

/// Decodes any JSON value without caring about its shape.
struct JSONAny: Decodable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if (try? container.decode(String.self)) != nil { return }
        if (try? container.decode(Double.self)) != nil { return }
        if (try? container.decode(Bool.self)) != nil { return }
        if container.decodeNil() { return }
        _ = try? container.decode([String: JSONAny].self)
    }
}

@Suite("neuvo nlu: the forms integrations use")
struct NluCommandTests {
    @Test func detectWritesLanguageAndConfidencePerLine() async throws {
        let result = try await NeuvoProcess.run(
            ["nlu", "detect"],
            stdin: "missä on lähin kirjasto?\nvar ligger närmaste hälsostation?\nwhere is the library\n")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(lines.map { String($0[0]) } == ["fi", "sv", "en"])
        #expect(lines.allSatisfy { Double($0[1]).map { $0 > 0.9 && $0 <= 1 } == true })
    }

    @Test func classifyAnswersEveryLineEvenForHostileInput() async throws {
        var input = Data()
        let lines: [Data] = [
            Data("onks uimahalli auki sunnuntaina".utf8),
            Data(),
            Data(String(repeating: "kirjasto ", count: 12_000).utf8),  // ~100 kB
            Data([0xFF, 0xFE, 0x00, 0xC3, 0x28, 0x41]),  // invalid UTF-8 and a NUL byte
            Data("🙂🙂🙂".utf8),
            Data("hej can you tell me missä on terveysasema".utf8),
        ]
        for line in lines {
            input.append(line)
            input.append(0x0A)
        }
        let result = try await NeuvoProcess.run(
            ["nlu", "classify", "--json", "--catalog", projectRoot.path], stdin: String(decoding: input, as: UTF8.self))
        #expect(result.status == 0, "\(result.stderr)")
        let outputs = try result.stdout.split(separator: "\n").map {
            try JSONDecoder().decode(ClassifiedLine.self, from: Data($0.utf8))
        }
        #expect(outputs.count == lines.count)
        #expect(outputs[0].intent == "unit.opening_hours")
        #expect(outputs[0].lang == "fi")
        #expect(outputs[1].intent == nil)
        #expect(outputs[4].intent == nil)
        #expect(outputs.allSatisfy { $0.alternatives.count <= 3 && (0...1).contains($0.confidence) })
    }

    @Test func classifyFindsEntities() async throws {
        let result = try await NeuvoProcess.run(
            ["nlu", "classify", "--json", "--catalog", projectRoot.path],
            stdin: "voinko siirtää ajan huomiseen klo 14\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(#""kind":"datetime""#) || result.stdout.contains(#""kind":"time""#))
    }

    @Test func evalReportsFiguresAndRejectsMalformedFilesWithFileAndLine() async throws {
        let folder = try TemporaryFolder()
        let train = folder.path("train.jsonl")
        let test = folder.path("test.jsonl")
        var trainLines: [String] = []
        for (index, word) in ["kirjasto", "uimahalli", "terveysasema", "päiväkoti"].enumerated() {
            for suffix in ["", "ssa", "an", "lle", "sta"] {
                trainLines.append(#"{"text": "\#(word)\#(suffix) auki", "intent": "i\#(index)", "lang": "fi"}"#)
            }
        }
        try trainLines.joined(separator: "\n").write(toFile: train, atomically: true, encoding: .utf8)
        try #"{"text": "kirjastossa", "intent": "i0", "lang": "fi"}"#.write(
            toFile: test, atomically: true, encoding: .utf8)
        let result = try await NeuvoProcess.run(["nlu", "eval", "--train", train, "--test", test, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONDecoder().decode([String: JSONAny].self, from: Data(result.stdout.utf8))
        for key in ["accuracy", "by_lang", "macro_f1", "train_seconds", "us_per_message"] {
            #expect(report[key] != nil, "missing \(key)")
        }

        try
            "{\"text\": \"a\", \"intent\": \"x\", \"lang\": \"fi\"}\n{\"text\": \"b\", \"intent\": \"x\", \"lang\": \"de\"}\n"
            .write(toFile: test, atomically: true, encoding: .utf8)
        let bad = try await NeuvoProcess.run(["nlu", "eval", "--train", train, "--test", test])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("\(test):2:"))
        #expect(bad.stderr.contains("de"))
    }

    @Test func evalNeedsItsInputs() async throws {
        let result = try await NeuvoProcess.run(["nlu", "eval", "--train", "x.jsonl"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--train and --test are both required"))
    }
}
