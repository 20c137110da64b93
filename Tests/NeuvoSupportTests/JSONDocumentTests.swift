import Foundation
import Testing

@testable import NeuvoSupport

@Suite("JSON with positions")
struct JSONDocumentTests {
    @Test func parsesEveryKindOfValueWithPositions() throws {
        let text = """
            {
              "id": "greeting",
              "n": -12.5e1,
              "ok": true,
              "none": null,
              "list": ["a", "\\u00e4\\ud83d\\ude00", "tab\\t"]
            }
            """
        let root = try JSONDocument.parse(text)
        #expect(root.position == SourcePosition(line: 1, column: 1))
        #expect(root["id"]?.stringValue == "greeting")
        #expect(root["id"]?.position == SourcePosition(line: 2, column: 9))
        #expect(root["n"]?.value == .number(-125))
        #expect(root["ok"]?.boolValue == true)
        #expect(root["none"]?.value == .null)
        let list = try #require(root["list"]?.arrayValue)
        #expect(list.map(\.stringValue) == ["a", "ä😀", "tab\t"])
        #expect(list[1].position == SourcePosition(line: 6, column: 17))
        #expect(root.objectMembers?.map(\.key) == ["id", "n", "ok", "none", "list"])
    }

    @Test(arguments: [
        ("{\n  \"a\": 1\n  \"b\": 2\n}", 3, 3, "a comma may be missing"),
        ("{\"a\": [1, 2,]}", 1, 13, "remove the comma before ']'"),
        ("{\"a\": 'x'}", 1, 7, "double quotes"),
        ("{\"a\": \"open\n}", 1, 12, "not closed before the end of the line"),
        ("{\"a\": 1, \"a\": 2}", 1, 10, "appears twice"),
        ("[1] 2", 1, 5, "after the end of the document"),
        ("{\"a\": tru}", 1, 7, "expected 'true'"),
        ("", 1, 1, "file ended"),
        ("{\"a\": 01}", 1, 7, "cannot start with 0"),
        ("[\"\\x\"]", 1, 3, "unknown escape"),
        ("[\"\\ud800\"]", 1, 9, "lone surrogate"),
    ])
    func syntaxErrorsSayWhereAndWhat(text: String, line: Int, column: Int, message: String) {
        #expect {
            try JSONDocument.parse(text)
        } throws: { error in
            guard let error = error as? JSONSyntaxError else { return false }
            return error.position == SourcePosition(line: line, column: column) && error.message.contains(message)
        }
    }

    @Test func refusesNestingBeyondTheLimit() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONSyntaxError.self) { try JSONDocument.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONDocument.parse(fine) }
    }

    @Test func agreesWithFoundationOnValidDocuments() throws {
        let samples = [
            #"{"a": [1, 2.5, -3e-2, true, false, null, "x\"y\\z\/"], "b": {"c": {}}, "d": []}"#,
            #"["\u0041\u00e5\u20ac", "tab\tnew\nline", 0, -0.0, 1E+2]"#,
        ]
        for sample in samples {
            let ours = try JSONDocument.parse(sample)
            let theirs = try JSONDecoder().decode(JSONValue.self, from: Data(sample.utf8))
            #expect(ours.plain == theirs)
        }
    }
}
