import Foundation
import NeuvoCore
import Testing

@testable import NeuvoSupport

/// `RedactionPattern` is held to ICU's matcher (`NSRegularExpression`) on the redaction rules' own expressions: the
/// same matches, at the same places, on texts made of the characters the rules care about.
@Suite("Redaction patterns")
struct RedactionPatternTests {
    /// Characters the rules turn on (digits, separators, '@', "(at)", ICU's white space in and out of ASCII,
    /// letters that are and are not century signs), plus a combining mark and a character outside the BMP.
    static let alphabet: [String] = [
        "0", "1", "3", "5", "9", "0", "4", " ", " ", "-", "+", "(", ")", "(at)", "@", ".", ":", "_", "%", "a", "Z",
        "A", "x", "t", "fi", "\t", "\n", "\u{0B}", "\u{85}", "\u{A0}", "\u{2003}", "\u{200B}", "ä", "\u{301}", "🙂",
        "00", "358", "040", "09", "mail", ",",
    ]

    /// ICU's matches as UTF-8 offsets, as `RedactionPattern` gives them.
    static func icuMatches(_ expression: NSRegularExpression, _ text: String) -> [Range<Int>] {
        let string = text as NSString
        func utf8Offset(_ utf16Offset: Int) -> Int {
            let index = text.utf16.index(text.utf16.startIndex, offsetBy: utf16Offset)
            return text.utf8.distance(from: text.utf8.startIndex, to: index)
        }
        return expression.matches(in: text, range: NSRange(location: 0, length: string.length)).map {
            utf8Offset($0.range.location)..<utf8Offset($0.range.location + $0.range.length)
        }
    }

    @Test(arguments: Redactor.rules.indices)
    func findsWhatICUFindsOnRandomText(rule: Int) throws {
        let pattern = Redactor.rules[rule].pattern
        let ours = try RedactionPattern(pattern)
        let icu = try NSRegularExpression(pattern: pattern)
        var generator = SplitMix64(seed: UInt64(rule) + 7)
        for _ in 0..<4_000 {
            let length = Int.random(in: 0...30, using: &generator)
            let text = (0..<length).map { _ in Self.alphabet.randomElement(using: &generator)! }.joined()
            let expected = Self.icuMatches(icu, text)
            let found = ours.matches(in: text)
            #expect(found == expected, "\(pattern) on \(text.debugDescription)")
            if found != expected { return }
        }
    }

    @Test func findsWhatICUFindsOnTheRulesExamples() throws {
        let texts = [
            "soita +358 40 123 4567 tai (09) 310 12345, 040-1234567.", "hetu 131052-308T ja 010101A123x",
            "maija (at) example.fi ja a_b-c@sub.domain.example.com.", "+44 (20) 7946-0958 ja 0035840123456789",
            "klo 14.30, 15.3.2027, 00530 Helsinki", "a@b@c.fi", "x@y.z1.ab2.cd", "040 1234567890123",
        ]
        for pattern in Redactor.rules.map(\.pattern) {
            let ours = try RedactionPattern(pattern)
            let icu = try NSRegularExpression(pattern: pattern)
            for text in texts {
                #expect(ours.matches(in: text) == Self.icuMatches(icu, text), "\(pattern) on \(text)")
            }
        }
    }

    @Test func followsICUOnQuantifiersAlternativesAndLookarounds() throws {
        let cases: [(String, String)] = [
            ("a{2,3}", "aaaaaaa"), ("(?:ab|a)(?:bc|c)", "abc abbc"), ("x(?=y)", "xy xz"), ("x(?!y)", "xy xz"),
            ("(?<=a)b", "ab cb b"), ("(?<!a)b", "ab cb b"), ("[0-9]+(?![.:][0-9])", "12.3 45 6:7"),
            ("(?:a|b)*c", "ababc c"), ("\\s*\\(at\\)", "  (at) \u{A0}(at)"), ("a?", "ba"),
        ]
        for (pattern, text) in cases {
            let icu = try NSRegularExpression(pattern: pattern)
            #expect(try RedactionPattern(pattern).matches(in: text) == Self.icuMatches(icu, text), "\(pattern)")
        }
    }

    /// The attack ICU's matcher fell to: a long run of address characters with no match after it cost the square
    /// of its length (a 2,000-character chat message 0.1 s, 16 KiB 6 s). At 256 KiB each of these would take ICU
    /// about half an hour; a linear matcher redacts them as fast as it reads them.
    @Test(arguments: [
        String(repeating: "a", count: 262_143) + "(", String(repeating: "a.", count: 131_071) + "@",
        String(repeating: "a", count: 262_139) + " (at)", String(repeating: "0", count: 262_144),
    ])
    func hostileRunsTakeOnePass(text: String) {
        #expect(Redactor.standard.redact(text) == text)
    }

    @Test(arguments: ["(a", "a)", "[a", "a{3,1}", "(?P<x>a)", "\\d", "[^a]", ".", "é", "(?<!ab)"])
    func refusesWhatItDoesNotSupport(pattern: String) {
        #expect(throws: RedactionPattern.SyntaxError.self) { try RedactionPattern(pattern) }
    }
}
