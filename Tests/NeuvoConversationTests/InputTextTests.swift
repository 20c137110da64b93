import Testing

@testable import NeuvoConversation

/// What residents type, cleaned: the plain messages that skip the copy come out as the full path makes them.
struct InputTextTests {
    @Test(arguments: [
        ("Missä on lähin kirjasto Kalliossa?", "Missä on lähin kirjasto Kalliossa?"),
        ("När har biblioteket öppet", "När har biblioteket öppet"),
        ("  two  spaces here ", "two spaces here"),
        ("tab\there", "tab here"),
        ("line\nbreak", "line break"),
        ("no\u{00A0}break space", "no break space"),
        ("soft\u{00AD}hyphen", "softhyphen"),
        ("\u{1B}[31mred\u{1B}[0m text", "red text"),
        ("bidi \u{202E}override", "bidi override"),
        ("c1 \u{0085}next", "c1 next"),
        ("replacement \u{FFFD}", "replacement"),
        ("", ""),
        ("   ", ""),
    ])
    func cleans(_ input: String, _ expected: String) {
        #expect(InputText.clean(input, limit: 100) == expected)
    }

    @Test func cutsAtTheLimitOnBothPaths() {
        #expect(InputText.clean("abcdefghij", limit: 4) == "abcd")
        #expect(InputText.clean("abcd", limit: 4) == "abcd")
        #expect(InputText.clean("ab  cdefgh", limit: 4) == "ab c")
        #expect(InputText.clean("äöåéü", limit: 3) == "äöå")
    }

    @Test(arguments: [
        ("och simhallen?", 2), ("entä Vuosaaressa?", 2), ("päiväkoti 2", 2), ("Cafe\u{301} au lait", 3),
        ("", 0), ("!!! ???", 0), ("what's up", 3), ("Kallio-Sörnäinen", 2), ("١٢ شارع", 2),
    ])
    func countsWords(_ text: String, _ expected: Int) {
        #expect(InputText.wordCount(text) == expected)
        // The same as splitting by characters that are neither letters nor numbers.
        #expect(InputText.wordCount(text) == text.split { !$0.isLetter && !$0.isNumber }.count)
    }

    @Test func findsTheFirstLink() {
        #expect(
            InputText.firstLink(in: "Lue lisää: https://www.hel.fi/fi/kasvatus. Kiitos")
                == "https://www.hel.fi/fi/kasvatus")
        #expect(InputText.firstLink(in: "see http://example.org/a, then https://b.example") == "https://b.example")
        #expect(InputText.firstLink(in: "https://hel.fi/x\u{00A0}ja muuta") == "https://hel.fi/x")
        #expect(InputText.firstLink(in: "Öppet https://hel.fi/sv/å") == "https://hel.fi/sv/å")
        #expect(InputText.firstLink(in: "no link here, http:/ broken") == nil)
        // At either end, shorter than the pattern, ended by a tab, a line break or an ideographic space.
        #expect(InputText.firstLink(in: "https://a.fi") == "https://a.fi")
        #expect(InputText.firstLink(in: "katso http://a.fi/ö.") == "http://a.fi/ö")
        #expect(InputText.firstLink(in: "http") == nil)
        #expect(InputText.firstLink(in: "") == nil)
        #expect(InputText.firstLink(in: "x https://a.fi/1\tb") == "https://a.fi/1")
        #expect(InputText.firstLink(in: "x https://a.fi/2\r\nb") == "https://a.fi/2")
        #expect(InputText.firstLink(in: "x https://a.fi/3\u{3000}b") == "https://a.fi/3")
        // The same answers as ending the link by characters, on text around every kind of character.
        let pieces = ["a", "ä", " ", "\u{00A0}", ".", ",", "/", "😀", "e\u{301}", "\n", "https://", "http://x"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in
                pieces.randomElement(using: &generator)!
            }.joined()
            #expect(InputText.firstLink(in: text) == Self.firstLinkByCharacters(text), "\(text.debugDescription)")
        }
    }

    /// The first implementation, by characters: the reference for the byte search.
    static func firstLinkByCharacters(_ text: String) -> String? {
        guard let start = text.firstRange(of: "https://") ?? text.firstRange(of: "http://") else { return nil }
        let link = text[start.lowerBound...].prefix { !$0.isWhitespace }
        return String(link.hasSuffix(".") || link.hasSuffix(",") ? link.dropLast() : link)
    }
}
