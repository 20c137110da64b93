import NeuvoSupport
import Testing

@Suite("Unicode whitespace")
struct UnicodeWhitespaceTests {
    /// The same answer as the properties table for every scalar of the Basic Multilingual Plane and beyond.
    @Test func agreesWithThePropertiesTable() {
        var disagreements: [UInt32] = []
        for value in UInt32(0)...0x1_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if scalar.isUnicodeWhitespace != scalar.properties.isWhitespace { disagreements.append(value) }
        }
        #expect(disagreements.isEmpty)
        #expect(Unicode.Scalar(0x3000)!.isUnicodeWhitespace && Unicode.Scalar(0xA0)!.isUnicodeWhitespace)
        #expect(!Unicode.Scalar("a").isUnicodeWhitespace && !Unicode.Scalar(0x1F)!.isUnicodeWhitespace)
    }
}
