import NeuvoCore
import Testing

@testable import NeuvoSupport

@Suite("PII redaction")
struct RedactorTests {
    let redactor = Redactor.standard

    @Test(arguments: ["+", "-", "Y", "X", "W", "V", "U", "A", "B", "C", "D", "E", "F"])
    func removesHenkilotunnusWithEveryCenturySign(sign: String) {
        for code in ["131052\(sign)308T", "131052\(sign.lowercased())308t", "010101\(sign)123X"] {
            let text = "Hakijan hetu on \(code), kiitos."
            let redacted = redactor.redact(text)
            #expect(redacted == "Hakijan hetu on [HETU], kiitos.", "\(code)")
        }
    }

    @Test func removesCodesWhoseCheckCharacterIsWrong() {
        #expect(redactor.redact("131052-308U") == "[HETU]")
        #expect(redactor.redact("id=131052-308U;") == "id=[HETU];")
    }

    @Test(arguments: [
        "+358 40 123 4567", "+358401234567", "+358-40-123-4567", "00358 40 123 4567", "040 123 4567", "040-1234567",
        "0401234567", "09 310 12345", "(09) 310 1234", "+44 20 7946 0958", "+1 415 555 2671", "+14155552671",
    ])
    func removesPhoneNumbers(number: String) {
        let redacted = redactor.redact("soita numeroon \(number) huomenna")
        #expect(redacted == "soita numeroon [PHONE] huomenna", "\(number) → \(redacted)")
    }

    @Test(arguments: [
        "maija.meikalainen@example.fi", "MAIJA+neuvo@hel.fi", "a_b-c@sub.domain.example.com", "maija (at) example.fi",
    ])
    func removesEmailAddresses(address: String) {
        #expect(redactor.redact("posti: \(address).") == "posti: [EMAIL].")
    }

    @Test(arguments: [
        "Postinumero 00530 Helsinki", "klo 14.30", "15.3.2027", "2026-11-27T09:30:00.123Z", "versio 0.1.0",
        "hinta 12,50 €", "status=200 duration_ms=12", "ovi 3", "vuonna 2027",
    ])
    func keepsOrdinaryNumbers(text: String) {
        #expect(redactor.redact(text) == text)
    }

    /// Found by FuzzRedaction: a combining mark or variation selector next to a code made the match range
    /// fall inside a Character, and the code was left in the text.
    @Test(arguments: ["\u{301}", "\u{64B}", "\u{FE0F}", "\u{200D}"])
    func removesCodesNextToJoiningCharacters(mark: String) {
        let after = redactor.redact("010101-2304" + mark + " x")
        #expect(!after.contains("010101-2304"), "\(after.unicodeScalars.map { String($0.value, radix: 16) })")
        let before = redactor.redact("\u{600}131052-308T")
        #expect(!before.contains("131052-308T"))
        #expect(
            redactor.redact("maija@example.fi\u{301}").unicodeScalars.elementsEqual("[EMAIL]\u{301}".unicodeScalars))
    }

    /// A unit's address has seven digits but no phone number: the phone rules' expressions are not even run
    /// (their digits must lie in one stretch of digits, spaces, '-', '(', ')' and '+'), and a number beside it is
    /// still found.
    @Test func tellsAnAddressFromAPhoneNumber() {
        #expect(redactor.redact("Yrjönkatu 21 b, 00100 Helsinki") == "Yrjönkatu 21 b, 00100 Helsinki")
        #expect(
            redactor.redact("Yrjönkatu 21 b, 00100 Helsinki, puh. 09 310 87400")
                == "Yrjönkatu 21 b, 00100 Helsinki, puh. [PHONE]")
        #expect(redactor.redact("Viides linja 11, 00530, +358 9 310 85053") == "Viides linja 11, 00530, [PHONE]")
    }

    @Test func redactsEverythingInOneLine() {
        let text = "Asiakas 131052-308T (puh. 040 123 4567, maija@example.fi) kysyi paikkaa"
        #expect(redactor.redact(text) == "Asiakas [HETU] (puh. [PHONE], [EMAIL]) kysyi paikkaa")
    }

    @Test func leavesNoCodeInRandomText() {
        var generator = SplitMix64(seed: 42)
        let signs = Array("+-YXWVUABCDEFyxwvuabcdef")
        for _ in 0..<500 {
            let digits = (0..<6).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined()
            let individual = String(format3(Int.random(in: 0...999, using: &generator)))
            let check = Array("0123456789ABCDEFHJKLMNPRSTUVWXY").randomElement(using: &generator)!
            let code = digits + String(signs.randomElement(using: &generator)!) + individual + String(check)
            let text =
                ["", "x ", "(", "hetu:"].randomElement(using: &generator)! + code
                + ["", " ok", ")", ".", ","].randomElement(using: &generator)!
            #expect(!redactor.redact(text).contains(code), "\(text)")
        }
    }

    func format3(_ number: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: 3 - text.count) + text
    }
}
