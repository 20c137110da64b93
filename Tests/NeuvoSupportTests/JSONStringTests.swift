import Foundation
import Testing

@testable import NeuvoSupport

@Suite("JSON strings and flat objects")
struct JSONStringTests {
    static let awkward: [String: String] = [
        "plain": "Kallion ala-aste", "quote": #"say "hi" \ back"#, "lines": "a\nb\r\tc\u{1}\u{8}\u{C}",
        "finnish": "Päiväkoti Näsinneula, Åbo", "emoji": "🧪 ok", "slash": "https://neuvo.example/r/abc", "": "",
        "prepend": "\u{605}<", "nul": "a\u{0}b",
    ]

    @Test func objectRoundTripsThroughFlatObjectAndFoundation() throws {
        let encoded = JSONString.object(Self.awkward)
        #expect(JSONString.flatObject(encoded) == Self.awkward)
        #expect(try JSONDecoder().decode([String: String].self, from: Data(encoded.utf8)) == Self.awkward)
        // Keys sorted, no whitespace: byte-for-byte stable.
        #expect(JSONString.object(["b": "1", "a": "2"]) == #"{"a":"2","b":"1"}"#)
    }

    @Test func quotingIntoBytesWritesWhatQuoteWrites() throws {
        for text in Self.awkward.keys.sorted() + Self.awkward.values.sorted() {
            var bytes: [UInt8] = Array("x".utf8)
            JSONString.appendQuoted(text, to: &bytes)
            #expect(bytes == Array(("x" + JSONString.quote(text)).utf8), "\(text.debugDescription)")
            #expect(try JSONDecoder().decode(String.self, from: Data(bytes.dropFirst())) == text)
        }
    }

    @Test func flatObjectReadsWhatJSONEncoderWrote() throws {
        for formatting: JSONEncoder.OutputFormatting in [[.sortedKeys], [.prettyPrinted], [.withoutEscapingSlashes]] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = formatting
            let text = String(decoding: try encoder.encode(Self.awkward), as: UTF8.self)
            #expect(JSONString.flatObject(text) == Self.awkward, "\(text)")
        }
        #expect(JSONString.flatObject(#"{"e":"\ud83e\uddea","a":"\u00e4"}"#) == ["e": "🧪", "a": "ä"])
        #expect(JSONString.flatObject(" { } ") == [:])
    }

    @Test func flatObjectRefusesAnythingElse() {
        for text in [
            "", "[]", #"{"a":1}"#, #"{"a":null}"#, #"{"a":"b",}"#, #"{"a":"b"} x"#, #"{"a":"b""#, #"{"a":"\x"}"#,
            #"{"a":"\ud83e"}"#, #"{"a":"\udc00"}"#, "{\"a\":\"raw\nline\"}", #"{"a":"\u12"}"#, #"{a:"b"}"#,
        ] {
            #expect(JSONString.flatObject(text) == nil, "\(text)")
        }
    }

    @Test func stringArraysRoundTripThroughFoundation() throws {
        let values = Array(Self.awkward.values).sorted()
        let encoded = JSONString.array(values)
        #expect(JSONString.stringArray(encoded) == values)
        #expect(try JSONDecoder().decode([String].self, from: Data(encoded.utf8)) == values)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        #expect(encoded == String(decoding: try encoder.encode(values), as: UTF8.self))
        #expect(JSONString.array([]) == "[]")
        #expect(JSONString.stringArray(" [ ] ") == [])
        for text in ["", "{}", "[1]", #"["a",]"#, #"["a"] x"#, #"["a""#, "[null]", #"[["a"]]"#] {
            #expect(JSONString.stringArray(text) == nil, "\(text)")
        }
    }
}
