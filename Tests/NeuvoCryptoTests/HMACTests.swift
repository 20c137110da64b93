import Foundation
import NeuvoCrypto
import Testing

@Suite struct HMACTests {
    struct RFC4231Case: Sendable, CustomTestStringConvertible {
        var number: Int
        var key: [UInt8]
        var data: [UInt8]
        var expected: String
        var testDescription: String { "RFC 4231 test case \(number)" }
    }

    // RFC 4231 §4.2–§4.8, HMAC-SHA-256 results.
    static let rfc4231: [RFC4231Case] = [
        RFC4231Case(
            number: 1, key: [UInt8](repeating: 0x0b, count: 20), data: bytes("Hi There"),
            expected: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        RFC4231Case(
            number: 2, key: bytes("Jefe"), data: bytes("what do ya want for nothing?"),
            expected: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        RFC4231Case(
            number: 3, key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
            expected: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        RFC4231Case(
            number: 4, key: Array(1...25), data: [UInt8](repeating: 0xcd, count: 50),
            expected: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        // §4.6: output truncated to 128 bits.
        RFC4231Case(
            number: 5, key: [UInt8](repeating: 0x0c, count: 20), data: bytes("Test With Truncation"),
            expected: "a3b6167473100ee06e0c796c2955552b"),
        // §4.7–§4.8: 131-byte key, longer than the block, so it is hashed first (RFC 2104 §2).
        RFC4231Case(
            number: 6, key: [UInt8](repeating: 0xaa, count: 131),
            data: bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
            expected: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        RFC4231Case(
            number: 7, key: [UInt8](repeating: 0xaa, count: 131),
            data: bytes(
                "This is a test using a larger than block-size key and a larger than block-size data. "
                    + "The key needs to be hashed before being used by the HMAC algorithm."),
            expected: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ]

    @Test(arguments: rfc4231)
    func rfc4231Vectors(_ testCase: RFC4231Case) {
        let expectedLength = testCase.expected.count / 2
        let mac = HMAC.authenticationCode(for: testCase.data, key: testCase.key)
        #expect(mac.count == HMAC.byteCount)
        #expect(hex(mac.prefix(expectedLength)) == testCase.expected)

        var streaming = HMAC(key: Data(testCase.key))
        for byte in testCase.data {
            streaming.update([byte])
        }
        #expect(streaming.finalize() == mac)
        #expect(HMAC.isValidAuthenticationCode(mac, for: testCase.data, key: testCase.key))
    }

    @Test func boundaryLengthsMatchPythonHMACFixture() throws {
        for vector in try Fixtures.lengthVectors() {
            let mac = HMAC.authenticationCode(for: Fixtures.message(vector.length), key: Fixtures.key(vector.length))
            #expect(hex(mac) == vector.hmac, "key and message length \(vector.length)")
        }
    }

    @Test(arguments: [1, 5, 63, 64, 65, 129])
    func streamingInChunksEqualsOneShot(chunkSize: Int) {
        let key = Fixtures.key(40)
        let message = Fixtures.message(777)
        var mac = HMAC(key: key)
        var start = 0
        while start < message.count {
            let end = min(start + chunkSize, message.count)
            message[start..<end].withUnsafeBytes { mac.update(bytes: $0) }
            start = end
        }
        #expect(mac.finalize() == HMAC.authenticationCode(for: message, key: key))
    }

    @Test func validationRejectsWrongOrTruncatedCodes() {
        let key = bytes("key")
        let data = bytes("The quick brown fox jumps over the lazy dog")
        var mac = HMAC.authenticationCode(for: data, key: key)
        #expect(hex(mac) == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8")
        #expect(!HMAC.isValidAuthenticationCode(mac.prefix(16), for: data, key: key))
        mac[31] ^= 1
        #expect(!HMAC.isValidAuthenticationCode(mac, for: data, key: key))
    }
}
