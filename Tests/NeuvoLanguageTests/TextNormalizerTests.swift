import Foundation
import NeuvoCore
import NeuvoLanguage
import Testing

@Suite struct TextNormalizerTests {
    @Test func decomposedAndPrecomposedInputNormaliseToTheSameScalars() {
        let decomposed = TextNormalizer.normalize("Pa\u{0308}iva\u{0308}koti")
        let precomposed = TextNormalizer.normalize("Päiväkoti")
        #expect(Array(decomposed.unicodeScalars) == Array(precomposed.unicodeScalars))
        #expect(Array(decomposed.unicodeScalars) == Array("päiväkoti".unicodeScalars))
        #expect(TextNormalizer.normalize("A\u{030A}BO") == "åbo")
        #expect(TextNormalizer.normalize("A\u{030A}BO").unicodeScalars.count == 3)
    }

    @Test func lowercasesAllScripts() {
        #expect(TextNormalizer.normalize("HÄLSOSTATION Östra") == "hälsostation östra")
        #expect(TextNormalizer.normalize("ÅÄÖ ÉÜ") == "åäö éü")
    }

    @Test func unifiesTypographicQuotesAndDashes() {
        #expect(TextNormalizer.normalize("“Hei” – ‘moi’ — it’s −5 «x» „y”") == "\"hei\" - 'moi' - it's -5 \"x\" \"y\"")
        #expect(TextNormalizer.normalize("Odota…") == "odota...")
    }

    @Test func removesControlCharactersAndCollapsesWhitespace() {
        #expect(TextNormalizer.normalize("  hei\t\tmaailma\r\n\u{00A0}kiitos\u{2003} ") == "hei maailma kiitos")
        #expect(TextNormalizer.normalize("\u{FEFF}ter\u{00AD}veys\u{0007}asema\u{200E}") == "terveysasema")
        #expect(TextNormalizer.normalize("a\u{200B}b") == "a b")
        #expect(TextNormalizer.normalize("") == "")
        #expect(TextNormalizer.normalize(" \n\t ") == "")
    }

    @Test func invalidUTF8BecomesASeparatorAndNeverCrashes() {
        let bytes: [UInt8] = [0x68, 0x65, 0x69, 0xFF, 0xFE, 0x6D, 0x6F, 0x69, 0xC3]
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(TextNormalizer.normalize(text) == "hei moi")
        #expect(TextNormalizer.tokenize(text).map(\.text) == ["hei", "moi"])
    }

    @Test func tokenizesWordsAndPunctuation() {
        let tokens = TextNormalizer.tokenize("Missä on lähin PÄIVÄKOTI? Entä e-mail, it’s ok!")
        #expect(tokens.map(\.text) == ["missä", "on", "lähin", "päiväkoti", "entä", "e-mail", "it's", "ok"])
        #expect(tokens[3].folded == "paivakoti")
        #expect(tokens.allSatisfy { !$0.isNumber })
    }

    @Test func offsetsPointIntoTheNormalisedText() {
        let input = "  Hälso\u{0301}  station, ÖPPETTIDER!"
        let normalized = Array(TextNormalizer.normalize(input))
        for token in TextNormalizer.tokenize(input) {
            let slice = String(normalized[token.offset..<(token.offset + token.text.count)])
            #expect(slice == token.text)
        }
        #expect(TextNormalizer.tokenize("👍🏽 hei").first?.offset == 2)
    }

    @Test func handlesNumbers() {
        let tokens = TextNormalizer.tokenize("klo 12.30, 1,5 km, 1.8.2025 auki 8-16. Covid-19 10km 3D-malli")
        #expect(
            tokens.map(\.text) == [
                "klo", "12.30", "1,5", "km", "1.8.2025", "auki", "8", "16", "covid-19", "10km", "3d-malli",
            ])
        #expect(tokens.filter(\.isNumber).map(\.text) == ["12.30", "1,5", "1.8.2025", "8", "16"])
        #expect(TextNormalizer.tokenize("1234").map(\.isNumber) == [true])
        #expect(TextNormalizer.tokenize("loppu.").map(\.text) == ["loppu"])
    }

    @Test func dropsDanglingHyphensOfCoordinatedCompounds() {
        let tokens = TextNormalizer.tokenize("kirjasto- ja kulttuuripalvelut, -alennus")
        #expect(tokens.map(\.text) == ["kirjasto", "ja", "kulttuuripalvelut", "alennus"])
    }

    @Test func emojiAndSymbolsAreSeparatorsNotTokens() {
        let tokens = TextNormalizer.tokenize("🎉hei👨‍👩‍👧 1️⃣ #️⃣ ✔️ 🇫🇮moi 😀😀")
        #expect(tokens.map(\.text) == ["hei", "moi"])
        #expect(TextNormalizer.tokenize("😀").isEmpty)
        #expect(TextNormalizer.tokenize("").isEmpty)
        #expect(TextNormalizer.tokenize("?!.,;:--''").isEmpty)
    }

    @Test func garbageNeverCrashes() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<200 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<40 {
                if let scalar = Unicode.Scalar(UInt32(generator.next() % 0x3_0000)) { scalars.append(scalar) }
            }
            let text = String(scalars)
            let normalized = TextNormalizer.normalize(text)
            #expect(TextNormalizer.normalize(normalized) == normalized)
            for token in TextNormalizer.tokenize(text) { #expect(!token.text.isEmpty) }
        }
    }

    @Test func normalisationIsIdempotent() {
        for text in ["  Ä\u{0308}B  “c” ", "HÄLSO-station", "İstanbul", "ǅemal", "ﬁnland"] {
            let once = TextNormalizer.normalize(text)
            #expect(TextNormalizer.normalize(once) == once)
        }
    }

    @Test func handlesAHundredKilobyteLineQuickly() {
        let line = String(repeating: "Päiväkodin aukioloajat ovat 7.00–17.00, tervetuloa! ", count: 2000)
        #expect(line.utf8.count > 100_000)
        let start = ContinuousClock.now
        let tokens = TextNormalizer.tokenize(line)
        let elapsed = ContinuousClock.now - start
        #expect(tokens.count == 12_000)
        #expect(tokens[3].text == "7.00" && tokens[4].text == "17.00" && tokens[4].isNumber)
        #expect(elapsed < .seconds(5))  // debug build on a shared machine; release is ~100x faster
    }

    @Test func foldsDiacritics() {
        #expect(
            TextNormalizer.foldDiacritics("päiväkoti hälsostation Åbo café über")
                == "paivakoti halsostation Abo cafe uber")
        #expect(TextNormalizer.foldDiacritics("Ørsted Æbleskiver straße łódź") == "Orsted AEbleskiver strasse lodz")
        #expect(TextNormalizer.foldDiacritics("pa\u{0308}iva\u{0308}") == "paiva")
        #expect(TextNormalizer.foldDiacritics("plain ascii") == "plain ascii")
        #expect(TextNormalizer.foldDiacritics("😀 ok") == "😀 ok")
    }

    @Test func matchScorePrefersTheExactForm() throws {
        let exact = try #require(TextNormalizer.tokenize("Päiväkoti").first)
        let bare = try #require(TextNormalizer.tokenize("paivakoti").first)
        #expect(matchScore(exact, "päiväkoti") == exactMatchScore)
        #expect(matchScore(exact, "PA\u{0308}IVA\u{0308}KOTI") == exactMatchScore)
        #expect(matchScore(bare, "päiväkoti") == foldedMatchScore)
        #expect(matchScore(exact, "paivakoti") == foldedMatchScore)
        #expect(matchScore(exact, "päiväkodit") == nil)
        #expect(exactMatchScore > foldedMatchScore)
        #expect(matchScore(bare, normalized: "paivakoti") == exactMatchScore)
    }
}
