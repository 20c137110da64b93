import Foundation
import NeuvoCrypto
import Testing

@Suite struct SHA256Tests {
    // FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func nistVectors(message: String, expected: String) {
        #expect(hex(SHA256.hash(bytes(message))) == expected)
        #expect(hex(SHA256.hash(Data(message.utf8))) == expected)
    }

    @Test func oneMillionA() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        #expect(hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))) == expected)

        // Same message fed in 1000-byte updates.
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 {
            hasher.update(chunk)
        }
        #expect(hex(hasher.finalize()) == expected)
    }

    @Test func boundaryLengthsMatchHashlibFixture() throws {
        let vectors = try Fixtures.lengthVectors()
        #expect(vectors.map(\.length) == Array(0...130))
        for vector in vectors {
            #expect(hex(SHA256.hash(Fixtures.message(vector.length))) == vector.sha256, "length \(vector.length)")
        }
    }

    @Test(arguments: [1, 3, 7, 13, 31, 63, 64, 65, 127, 200])
    func streamingInChunksEqualsOneShot(chunkSize: Int) {
        let message = Fixtures.message(1000)
        var hasher = SHA256()
        var start = 0
        while start < message.count {
            let end = min(start + chunkSize, message.count)
            hasher.update(message[start..<end])
            start = end
        }
        #expect(hasher.finalize() == SHA256.hash(message))
    }

    @Test func streamingWithVaryingChunksAndRawPointers() {
        let message = Fixtures.message(4099)
        var hasher = SHA256()
        var start = 0
        var size = 0
        while start < message.count {
            size = size % 150 + 1
            let end = min(start + size, message.count)
            message[start..<end].withUnsafeBytes { hasher.update(bytes: $0) }
            start = end
        }
        #expect(hasher.finalize() == SHA256.hash(message))
    }

    @Test func emptyUpdatesAreNoOps() {
        var hasher = SHA256()
        hasher.update([UInt8]())
        hasher.update(bytes: UnsafeRawBufferPointer(start: nil, count: 0))
        hasher.update(bytes("abc"))
        hasher.update(Data())
        #expect(hex(hasher.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func copiesAreIndependent() {
        var first = SHA256()
        first.update(bytes("ab"))
        var second = first
        first.update(bytes("c"))
        second.update(bytes("d"))
        #expect(first.finalize() == SHA256.hash(bytes("abc")))
        #expect(second.finalize() == SHA256.hash(bytes("abd")))
    }

    @Test func noncontiguousDataProtocolInput() {
        // DispatchData-like multi-region input is covered by Data slices and arrays of different origins.
        let message = Fixtures.message(300)
        let data = Data(message)
        #expect(SHA256.hash(data[10..<290]) == SHA256.hash(Array(message[10..<290])))
    }
}
