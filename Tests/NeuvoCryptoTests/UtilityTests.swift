import Foundation
import NeuvoCrypto
import Testing

@Suite struct ConstantTimeEqualsTests {
    @Test func equalSequences() {
        #expect(constantTimeEquals([UInt8](), [UInt8]()))
        #expect(constantTimeEquals([1, 2, 3] as [UInt8], Data([1, 2, 3])))
        #expect(constantTimeEquals(Fixtures.message(100), Fixtures.message(100)))
    }

    @Test func differentLengthsAreUnequal() {
        #expect(!constantTimeEquals([1, 2, 3] as [UInt8], [1, 2] as [UInt8]))
        #expect(!constantTimeEquals([UInt8](), [0] as [UInt8]))
    }

    @Test func differenceInLastOrFirstByte() {
        let reference = Fixtures.message(32)
        var last = reference
        last[31] ^= 0x80
        var first = reference
        first[0] ^= 0x01
        #expect(!constantTimeEquals(reference, last))
        #expect(!constantTimeEquals(reference, first))
    }

    @Test func nonContiguousCollections() {
        let reference: [UInt8] = [9, 8, 7]
        #expect(constantTimeEquals(reference.reversed(), [7, 8, 9] as [UInt8]))
        #expect(!constantTimeEquals(reference.reversed(), [7, 8, 0] as [UInt8]))
    }
}

@Suite struct SecureRandomTests {
    @Test(arguments: [0, 1, 16, 32, 1000, 70_000])
    func requestedLength(count: Int) {
        #expect(SecureRandom.bytes(count).count == count)
    }

    @Test func notAllZeroAndCallsDiffer() {
        let first = SecureRandom.bytes(32)
        let second = SecureRandom.bytes(32)
        // Each check fails by chance with probability 2^-256.
        #expect(first.contains { $0 != 0 })
        #expect(first != second)
    }

    @Test func roughlyUniform() {
        // 64 KiB: every byte value should show up; missing one has probability about 256 * e^-256.
        let sample = SecureRandom.bytes(65_536)
        #expect(Set(sample).count == 256)
    }
}

@Suite struct HexTests {
    @Test func roundTrip() {
        let all = Array(0...255).map(UInt8.init)
        let encoded = Hex.encode(all)
        #expect(encoded.count == 512)
        #expect(encoded.hasPrefix("000102") && encoded.hasSuffix("fdfeff"))
        #expect(Hex.decode(encoded) == all)
        #expect(Hex.decode(encoded.uppercased()) == all)
        #expect(Hex.encode([0xab, 0x0c], uppercase: true) == "AB0C")
        var appended = Array("nonce=".utf8)
        all.withUnsafeBytes { Hex.append($0, to: &appended) }
        #expect(String(decoding: appended, as: UTF8.self) == "nonce=" + encoded)
    }

    @Test func rejectsMalformedInput() {
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("0x12") == nil)
        #expect(Hex.decode("") == [])
    }
}

@Suite("Base64URL")
struct Base64URLTests {
    @Test func roundTripsEveryLengthWithoutPaddingOrUnsafeCharacters() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 251) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
    }

    /// The padded standard alphabet (RFC 4648 §4, the webhook signature's) agrees with Foundation's at every
    /// length, and appending writes after what the buffer holds.
    @Test func standardBase64AgreesWithFoundation() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString(), "length \(length)")
            var buffer = Array("v1,".utf8)
            Base64.append(bytes, to: &buffer)
            #expect(String(decoding: buffer, as: UTF8.self) == "v1," + Data(bytes).base64EncodedString())
        }
        // RFC 4648 §10.
        #expect(
            ["", "f", "fo", "foo", "foob", "fooba", "foobar"].map { Base64.encode(Array($0.utf8)) } == [
                "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy",
            ])
    }

    @Test func refusesWhatIsNotBase64URL() {
        #expect(Base64URL.decode("ab+c") == nil)
        #expect(Base64URL.decode("abc=") == nil)
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("a b") == nil)
    }
}
