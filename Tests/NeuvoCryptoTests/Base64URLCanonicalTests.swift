import NeuvoCrypto
import Testing

/// `Base64URL.decodeCanonical`, the strict decoder JOSE input goes through.
struct Base64URLCanonicalTests {
    @Test func roundTripsEveryLengthAndAgreesWithTheLenientDecoder() {
        for count in 0..<70 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 13) }
            let text = Base64URL.encode(bytes)
            #expect(Base64URL.decodeCanonical(text.utf8) == bytes)
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.decodeCanonical("-_-_".utf8) == [0xfb, 0xff, 0xbf])
    }

    @Test(arguments: [
        "QQ==", "QQ=", "Q", "QUJDR", "+/8", "QU JD", "QUJD\n", "QR", "QUK", "QUJDRA.", "Ä",
    ])
    func refuses(text: String) {
        // Padding, the standard alphabet, impossible lengths, whitespace, non-zero unused bits ("QR" and "QUK" spell
        // the same bytes as the canonical "QQ" and "QUI"), other characters.
        #expect(Base64URL.decodeCanonical(text.utf8) == nil)
    }
}
