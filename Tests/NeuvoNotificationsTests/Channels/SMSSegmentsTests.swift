import Testing

@testable import NeuvoNotifications

@Suite struct SMSSegmentsTests {
    static let emoji = "\u{1F600}"

    @Test(arguments: [
        (String(repeating: "a", count: 160), 160, 1),
        (String(repeating: "a", count: 161), 161, 2),
        (String(repeating: "a", count: 306), 306, 2),
        (String(repeating: "a", count: 307), 307, 3),
        ("", 0, 1),
    ])
    func gsmLengths(text: String, units: Int, segments: Int) {
        #expect(SMSSegments.count(text) == SMSSegments(encoding: .gsm7, units: units, segments: segments))
    }

    @Test func extensionCharactersCostTwo() {
        #expect(SMSSegments.count("€") == SMSSegments(encoding: .gsm7, units: 2, segments: 1))
        #expect(SMSSegments.count("^{}\\[~]|\u{0C}").units == 18)
        #expect(SMSSegments.count(String(repeating: "€", count: 80)).segments == 1)
        #expect(
            SMSSegments.count(String(repeating: "€", count: 81))
                == SMSSegments(encoding: .gsm7, units: 162, segments: 2))
    }

    @Test func escapePairIsNotSplitAcrossParts() {
        // 306 units would fit two parts of 153, but the € straddles the boundary and moves whole to the second part.
        let text = String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 152)
        #expect(SMSSegments.count(text) == SMSSegments(encoding: .gsm7, units: 306, segments: 3))
    }

    @Test func nordicLettersStayGSM() {
        let text = "äöåÄÖÅéÉüÜ Hyvää päivää! Välkommen till förskolan."
        let count = SMSSegments.count(text)
        #expect(count.encoding == .gsm7)
        #expect(count.units == text.unicodeScalars.count)
    }

    @Test(arguments: [(68, 70, 1), (69, 71, 2), (132, 134, 2), (133, 135, 3)])
    func oneEmojiForcesUCS2(letters: Int, units: Int, segments: Int) {
        let text = Self.emoji + String(repeating: "a", count: letters)
        #expect(SMSSegments.count(text) == SMSSegments(encoding: .ucs2, units: units, segments: segments))
    }

    @Test func surrogatePairIsNotSplitAcrossParts() {
        let text = String(repeating: "a", count: 66) + Self.emoji + String(repeating: "a", count: 66)
        #expect(SMSSegments.count(text) == SMSSegments(encoding: .ucs2, units: 134, segments: 3))
    }

    @Test func charactersOutsideGSMForceUCS2() {
        // š (Finnish loanwords), lower-case ç (only Ç is in the basic table), a curly apostrophe.
        for text in ["šakki", "ça", "it\u{2019}s"] {
            #expect(SMSSegments.count(text).encoding == .ucs2, "\(text)")
        }
        #expect(SMSSegments.count("Ça").encoding == .gsm7)
    }

    @Test func tablesMatchTheStandard() {
        #expect(SMSSegments.basicTable.count == 127)  // 128 code points minus the escape
        #expect(SMSSegments.extensionTable.count == 10)
        #expect(SMSSegments.count("a\r\nb").units == 4)
    }

    /// The cost table is built from the two character tables: every scalar up to U+FFFF costs what the sets say.
    @Test func theCostTableAgreesWithTheCharacterTables() {
        var disagreements: [String] = []
        for value in UInt32(0)...0xFFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let expected: Int? =
                SMSSegments.basicTable.contains(scalar) ? 1 : SMSSegments.extensionTable.contains(scalar) ? 2 : nil
            if SMSSegments.gsmCost(scalar) != expected { disagreements.append("U+\(String(value, radix: 16))") }
        }
        #expect(disagreements.isEmpty)
        #expect(SMSSegments.gsmCost("€") == 2 && SMSSegments.gsmCost("Ω") == 1 && SMSSegments.gsmCost("ω") == nil)
    }
}
