import Foundation
import NeuvoTestSupport
import Testing

@testable import NeuvoCrypto

/// Every test of Project Wycheproof's RSASSA-PKCS1-v1_5/SHA-256 (2048-bit) and ECDSA P-256/SHA-256 vector files in
/// the shared data (`wycheproof/`, see its README). `valid` must verify and `invalid` must be refused. The one
/// `acceptable` test (RSA, flag MissingNull: a DigestInfo without the NULL parameters) is treated as invalid and must
/// be refused: the verifier compares the one DER encoding RFC 8017 §9.2 produces, nothing else. Under `CI=true` a
/// missing data folder fails these tests instead of skipping them.
@Suite(.enabled(if: SharedData.isAvailable))
struct WycheproofTests {
    struct Outcome: CustomStringConvertible {
        var verified = 0
        var refused = 0
        var failures: [String] = []
        var description: String { "\(verified) verified, \(refused) refused, \(failures.count) wrong" }

        mutating func record(id: Int, result: String, flags: [String], accepted: Bool) {
            if accepted { verified += 1 } else { refused += 1 }
            if accepted != (result == "valid") {
                failures.append(
                    "tcId \(id) (\(result), \(flags.joined(separator: ","))): \(accepted ? "verified" : "refused")")
            }
        }
    }

    struct RSAFile: Decodable {
        struct Group: Decodable {
            struct Key: Decodable {
                var modulus: String
                var publicExponent: String
            }
            var publicKey: Key
            var tests: [TestCase]
        }
        var numberOfTests: Int
        var testGroups: [Group]
    }

    struct ECDSAFile: Decodable {
        struct Group: Decodable {
            struct Key: Decodable {
                var uncompressed: String
            }
            var publicKey: Key
            var tests: [TestCase]
        }
        var numberOfTests: Int
        var testGroups: [Group]
    }

    struct TestCase: Decodable {
        var tcId: Int
        var msg: String
        var sig: String
        var result: String
        var flags: [String]
    }

    static func load<File: Decodable>(_ name: String, as type: File.Type) throws -> File {
        let url = SharedData.url("wycheproof/\(name)")
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }

    @Test func rsaPKCS1v15SHA256() throws {
        let file = try Self.load("rsa_signature_2048_sha256_test.json", as: RSAFile.self)
        var outcome = Outcome()
        for group in file.testGroups {
            let key = try RSAPublicKey(
                modulus: try #require(Hex.decode(group.publicKey.modulus)),
                exponent: try #require(Hex.decode(group.publicKey.publicExponent)))
            for test in group.tests {
                let accepted = key.isValidPKCS1v15SHA256Signature(
                    try #require(Hex.decode(test.sig)), for: try #require(Hex.decode(test.msg)))
                outcome.record(id: test.tcId, result: test.result, flags: test.flags, accepted: accepted)
            }
        }
        #expect(outcome.verified + outcome.refused == file.numberOfTests)
        #expect(outcome.failures.isEmpty, "\(outcome): \(outcome.failures.joined(separator: "; "))")
        #expect(outcome.verified == 9)  // the nine `valid` tests (two of them with e = 3)
    }

    @Test func ecdsaP256SHA256() throws {
        let file = try Self.load("ecdsa_secp256r1_sha256_test.json", as: ECDSAFile.self)
        var outcome = Outcome()
        var rawChecked = 0
        for group in file.testGroups {
            let key = try P256PublicKey(uncompressed: try #require(Hex.decode(group.publicKey.uncompressed)))
            for test in group.tests {
                let signature = try #require(Hex.decode(test.sig))
                let message = try #require(Hex.decode(test.msg))
                let accepted = key.isValidSignature(der: signature, for: message)
                outcome.record(id: test.tcId, result: test.result, flags: test.flags, accepted: accepted)
                // The same (r, s) in JWS's 64-octet form must give the same answer whenever the DER parses.
                if let (r, s) = DER.ecdsaSignature(signature) {
                    let raw = r.bigEndianBytes + s.bigEndianBytes
                    #expect(key.isValidSignature(raw: raw, for: message) == accepted, "raw form of tcId \(test.tcId)")
                    rawChecked += 1
                }
            }
        }
        #expect(outcome.verified + outcome.refused == file.numberOfTests)
        #expect(outcome.failures.isEmpty, "\(outcome): \(outcome.failures.joined(separator: "; "))")
        #expect(outcome.verified == 170)
        #expect(rawChecked > 170)
    }
}
