import Foundation
import Testing

@testable import NeuvoCrypto

/// JWS compact verification (RFC 7515 §5.2) with the RFC's own examples and tokens signed by a real peer
/// (`Fixtures/jws_fixtures.json`, from generate_jws_fixtures.py with Python's `cryptography`), and each attack on
/// a relying party's token check refused.
struct JWSTests {
    /// RFC 7515 Appendix A.2.1's RSA public key.
    static let rfcRSAKey = #"""
        {"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}
        """#
    /// RFC 7515 Appendix A.2.1's JWS.
    static let rfcRS256 =
        "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
    /// RFC 7515 Appendix A.3.1's P-256 public key.
    static let rfcECKey = #"""
        {"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
        """#
    /// RFC 7515 Appendix A.3.1's JWS (ECDSA signatures are randomised: this is the RFC's one).
    static let rfcES256 =
        "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
    static let rfcPayload = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"

    static func set(_ keys: String...) throws -> JSONWebKeySet {
        try JSONWebKeySet(json: Array("{\"keys\":[\(keys.joined(separator: ","))]}".utf8))
    }

    static let both: Set<JWSAlgorithm> = [.rs256, .es256]
    static let all = Set(JWSAlgorithm.allCases)

    struct Fixture {
        let keys: JSONWebKeySet
        let tokens: [String: String]
        let claims: [UInt8]

        init() throws {
            let data = try Data(contentsOf: Fixtures.url("jws_fixtures.json"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            keys = try JSONWebKeySet(json: Array(try JSONSerialization.data(withJSONObject: object["jwks"]!)))
            tokens = try #require(object["tokens"] as? [String: String])
            claims = Array(try JSONSerialization.data(withJSONObject: object["claims"]!))
        }

        func token(_ name: String) throws -> String { try #require(tokens[name], "fixture token \(name)") }
    }

    static func error(_ body: () throws(JWSError) -> VerifiedJWS) -> JWSError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    // MARK: RFC 7515 examples

    @Test func rfc7515AppendixA2RS256() throws {
        let verified = try JWS.verify(Self.rfcRS256, keys: try Self.set(Self.rfcRSAKey), allowed: [.rs256])
        #expect(verified.algorithm == .rs256)
        #expect(verified.keyID == nil)
        #expect(verified.header == Array("{\"alg\":\"RS256\"}".utf8))
        #expect(verified.payload == Array(Self.rfcPayload.utf8))
    }

    @Test func rfc7515AppendixA3ES256() throws {
        let verified = try JWS.verify(Self.rfcES256, keys: try Self.set(Self.rfcECKey), allowed: [.es256])
        #expect(verified.algorithm == .es256)
        #expect(verified.payload == Array(Self.rfcPayload.utf8))
    }

    @Test func anAllowedSetWithoutTheAlgorithmRefusesIt() throws {
        let keys = try Self.set(Self.rfcRSAKey, Self.rfcECKey)
        #expect(
            Self.error { () throws(JWSError) in try JWS.verify(Self.rfcRS256, keys: keys, allowed: [.es256]) }
                == .algorithmNotAllowed("RS256"))
        #expect(
            Self.error { () throws(JWSError) in try JWS.verify(Self.rfcES256, keys: keys, allowed: []) }
                == .algorithmNotAllowed("ES256"))
    }

    // MARK: tokens from the peer

    @Test func peerTokensVerifyByKidAndWithoutOne() throws {
        let fixture = try Fixture()
        #expect(fixture.keys.keys.map(\.keyID) == ["rsa-1", "ec-1", "rsa-2049"])
        #expect(fixture.keys.skipped.count == 3)  // the 1024-bit RSA key, the oct key, the P-384 key
        if case .rsa(let key) = fixture.keys.keys[2].material {
            #expect(key.modulusBits == 2049 && key.modulusByteCount == 257)
        }
        let expectations: [(token: String, algorithm: JWSAlgorithm, keyID: String?)] = [
            ("rs256", .rs256, "rsa-1"), ("rs256_without_kid", .rs256, nil), ("es256", .es256, "ec-1"),
            ("es256_without_kid", .es256, nil),
            // A 2049-bit modulus: PSS's encoded message is one octet shorter than the signature.
            ("ps256_2049", .ps256, "rsa-2049"),
        ]
        for (name, algorithm, keyID) in expectations {
            let verified = try JWS.verify(try fixture.token(name), keys: fixture.keys, allowed: Self.all)
            let claims = try JSONSerialization.jsonObject(with: Data(verified.payload)) as? [String: Any]
            #expect(claims?["sub"] as? String == "resident-1", "\(name)")
            #expect(verified.algorithm == algorithm, "\(name)")
            #expect(verified.keyID == keyID, "\(name)")
        }
        #expect(
            Self.error { () throws(JWSError) in
                try JWS.verify(try! fixture.token("ps256_2049"), keys: fixture.keys, allowed: Self.both)
            } == .algorithmNotAllowed("PS256"))
    }

    @Test(arguments: [
        ("none", JWSError.unsupportedAlgorithm("none")),
        // HMAC "signed" with the RSA key's public bytes or a published oct key: HS* is never an algorithm here.
        ("hs256_public_pem", .unsupportedAlgorithm("HS256")),
        ("hs256_oct_key", .unsupportedAlgorithm("HS256")),
        ("rs256_crit", .criticalHeader),
        ("rs256_wrong_kid", .noMatchingKey),
        ("rs256_ec_kid", .noMatchingKey),
        ("rs256_weak_key", .noMatchingKey),
        // Keys published for one algorithm (rsa-2049: PS256, rsa-1: RS256) verify nothing else.
        ("rs256_2049", .noMatchingKey),
        ("ps256", .noMatchingKey),
        // The header's own key is never used; without a kid the provider's RSA keys are tried and fail.
        ("rs256_embedded_jwk", .badSignature),
        ("es256_der_signature", .badSignature),
        // PS256 fixes the salt at 32 octets (RFC 7518 §3.5).
        ("ps256_salt_0", .badSignature),
        ("ps256_salt_64", .badSignature),
    ])
    func peerAttacksAreRefused(name: String, expected: JWSError) throws {
        let fixture = try Fixture()
        let token = try fixture.token(name)
        #expect(
            Self.error { () throws(JWSError) in try JWS.verify(token, keys: fixture.keys, allowed: Self.all) }
                == expected)
    }

    @Test func paddingSchemesDoNotStandInForEachOther() throws {
        let fixture = try Fixture()
        guard case .rsa(let key) = fixture.keys.keys[0].material else {
            Issue.record("rsa-1 is not an RSA key")
            return
        }
        for (name, isPSS) in [("rs256", false), ("ps256", true)] {
            let token = try fixture.token(name)
            let dot = try #require(token.lastIndex(of: "."))
            let message = Array(token[..<dot].utf8)
            let signature = try #require(Base64URL.decode(String(token[token.index(after: dot)...])))
            #expect(key.isValidPKCS1v15SHA256Signature(signature, for: message) == !isPSS, "\(name)")
            #expect(key.isValidPSSSHA256Signature(signature, for: message) == isPSS, "\(name)")
        }
    }

    @Test func tamperingWithAnyPartBreaksTheSignature() throws {
        let fixture = try Fixture()
        let otherHeaders = [
            "rs256": #"{"alg":"RS256","kid":"rsa-1","typ":"at+jwt"}"#, "es256": #"{"alg":"ES256","kid":"ec-1","x":1}"#,
            "ps256_2049": #"{"alg":"PS256","kid":"rsa-2049"} "#,
        ]
        for (name, header) in otherHeaders {
            let parts = try fixture.token(name).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let otherClaims = Base64URL.encode(Array(#"{"sub":"resident-2"}"#.utf8))
            let tamperedPayload = [parts[0], otherClaims, parts[2]].joined(separator: ".")
            let tamperedHeader = [Base64URL.encode(Array(header.utf8)), parts[1], parts[2]].joined(separator: ".")
            var signature = try #require(Base64URL.decode(parts[2]))
            signature[signature.count / 2] ^= 1
            let tamperedSignature = [parts[0], parts[1], Base64URL.encode(signature)].joined(separator: ".")
            for token in [tamperedPayload, tamperedHeader, tamperedSignature] {
                #expect(
                    Self.error { () throws(JWSError) in try JWS.verify(token, keys: fixture.keys, allowed: Self.all) }
                        == .badSignature, "\(name)")
            }
        }
    }

    @Test func malformedCompactSerializationsAreRefused() throws {
        let fixture = try Fixture()
        let token = try fixture.token("rs256")
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let header = { (json: String) in Base64URL.encode(Array(json.utf8)) }
        let cases: [String] = [
            "",
            token + ".",  // four segments
            token + "." + parts[2],
            parts[0] + "." + parts[1],  // two segments
            "a.b.c.d.e",  // JWE's five
            parts[0] + "=." + parts[1] + "." + parts[2],  // padding is not base64url
            parts[0] + "." + parts[1] + "." + parts[2] + "+",  // base64 alphabet
            parts[0] + "." + parts[1] + " ." + parts[2],
            "." + parts[1] + "." + parts[2],  // empty header
            header("[\"alg\",\"RS256\"]") + "." + parts[1] + "." + parts[2],  // header not an object
            header("{\"alg\":256}") + "." + parts[1] + "." + parts[2],
            header("{\"typ\":\"JWT\"}") + "." + parts[1] + "." + parts[2],
            header("{\"alg\":\"RS256\",\"kid\":7}") + "." + parts[1] + "." + parts[2],
            header("{\"alg\":\"RS256\"") + "." + parts[1] + "." + parts[2],
            // Nesting far deeper than any parser's stack should take: refused as malformed, not a crash.
            header(
                "{\"alg\":\"RS256\",\"x\":" + String(repeating: "[", count: 50_000)
                    + String(repeating: "]", count: 50_000) + "}")
                + "." + parts[1] + "." + parts[2],
            // Over the 256 kB bound.
            header("{\"alg\":\"RS256\",\"x\":\"" + String(repeating: "a", count: 300_000) + "\"}") + "." + parts[1]
                + "."
                + parts[2],
        ]
        for compact in cases {
            let error = Self.error { () throws(JWSError) in
                try JWS.verify(compact, keys: fixture.keys, allowed: Self.both)
            }
            guard case .malformed = error else {
                Issue.record("\(compact.prefix(60)): \(String(describing: error))")
                continue
            }
        }
        // A non-canonical base64url spelling of the same signature (unused low bits set) is refused too.
        let last = parts[2].last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let index = alphabet.firstIndex(of: last)!
        let sibling = String(parts[2].dropLast()) + String(alphabet[index ^ 1])
        #expect(
            Self.error { () throws(JWSError) in
                try JWS.verify(parts[0] + "." + parts[1] + "." + sibling, keys: fixture.keys, allowed: Self.both)
            } == .malformed("JWS signature is not base64url"))
    }

    @Test func critIsRefusedWhateverItsValue() throws {
        let keys = try Self.set(Self.rfcRSAKey)
        let rest = Self.rfcRS256.split(separator: ".").dropFirst().joined(separator: ".")
        for header in [#"{"alg":"RS256","crit":[]}"#, #"{"alg":"RS256","crit":"b64","b64":false}"#] {
            let token = Base64URL.encode(Array(header.utf8)) + "." + rest
            #expect(
                Self.error { () throws(JWSError) in try JWS.verify(token, keys: keys, allowed: [.rs256]) }
                    == .criticalHeader)
        }
    }

    // MARK: keys

    @Test func keySetsAndKeysAreChecked() throws {
        #expect(throws: JWSError.malformed("JWK Set is not JSON")) { try JSONWebKeySet(json: Array("{".utf8)) }
        #expect(throws: JWSError.malformed("JWK Set without a keys array")) {
            try JSONWebKeySet(json: Array("{}".utf8))
        }
        #expect(throws: JWSError.malformed("JWK Set member is not an object")) {
            try JSONWebKeySet(json: Array("{\"keys\":[1]}".utf8))
        }
        // Private material in a public set, P-256 coordinates not 32 octets, a point off the curve.
        let rfcEC = Self.rfcECKey.trimmingCharacters(in: .whitespacesAndNewlines)
        let withPrivate = rfcEC.dropLast() + #","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}"#
        #expect(throws: JWSError.invalidKey("JWK holds private key material")) {
            try JSONWebKey(json: Array(withPrivate.utf8))
        }
        let shortX = rfcEC.replacingOccurrences(of: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", with: "AQAB")
        #expect(throws: JWSError.invalidKey("P-256 coordinates must be 32 octets")) {
            try JSONWebKey(json: Array(shortX.utf8))
        }
        let offCurve = rfcEC.replacingOccurrences(
            of: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
            with: "y_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")
        #expect(throws: JWSError.invalidKey("point is not on P-256")) { try JSONWebKey(json: Array(offCurve.utf8)) }
        // A key declared for another algorithm or use does not verify this one.
        let encryptionKey =
            Self.rfcRSAKey.trimmingCharacters(in: .whitespacesAndNewlines).dropLast() + #","use":"enc"}"#
        let otherAlgorithm =
            Self.rfcRSAKey.trimmingCharacters(in: .whitespacesAndNewlines).dropLast() + #","alg":"PS256"}"#
        for key in [String(encryptionKey), String(otherAlgorithm)] {
            #expect(
                Self.error { () throws(JWSError) in
                    try JWS.verify(Self.rfcRS256, keys: try! Self.set(key), allowed: [.rs256])
                } == .noMatchingKey)
        }
    }

    @Test func rsaKeyLimits() throws {
        let modulus = try #require(
            Base64URL.decode(
                "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
            ))
        let key = try RSAPublicKey(modulus: [0] + modulus, exponent: [1, 0, 1])  // a leading zero octet is ignored
        #expect(key.modulusBits == 2048 && key.modulusByteCount == 256)
        for exponent: [UInt8] in [[1], [2], [0x01, 0x00, 0x00], [1, 0, 0, 0, 1], []] {
            #expect(throws: JWSError.self) { try RSAPublicKey(modulus: modulus, exponent: exponent) }
        }
        #expect(throws: JWSError.self) { try RSAPublicKey(modulus: Array(modulus.dropFirst()), exponent: [1, 0, 1]) }
        var even = modulus
        even[even.count - 1] &= 0xfe
        #expect(throws: JWSError.invalidKey("RSA modulus is even")) { try RSAPublicKey(modulus: even, exponent: [3]) }

        // Signature length must equal the modulus length, and s < n.
        let parts = Self.rfcRS256.split(separator: ".")
        let signingInput = Array((parts[0] + "." + parts[1]).utf8)
        let signature = try #require(Base64URL.decode(String(parts[2])))
        #expect(key.isValidPKCS1v15SHA256Signature(signature, for: signingInput))
        #expect(!key.isValidPKCS1v15SHA256Signature([0] + signature, for: signingInput))
        #expect(!key.isValidPKCS1v15SHA256Signature(Array(signature.dropFirst()), for: signingInput))
        #expect(!key.isValidPKCS1v15SHA256Signature(modulus, for: signingInput))  // s = n
        // s + n has the same residue but is not below n (and is one octet longer only when it carries).
        let sPlusN = (BigUInt(bigEndian: signature) + BigUInt(bigEndian: modulus)).bigEndianBytes(count: 257)!
        #expect(!key.isValidPKCS1v15SHA256Signature(sPlusN, for: signingInput))
    }

    @Test func derSignaturesAreStrict() throws {
        let key = try P256PublicKey(
            x: try #require(Base64URL.decode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU")),
            y: try #require(Base64URL.decode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")))
        let parts = Self.rfcES256.split(separator: ".")
        let message = Array((parts[0] + "." + parts[1]).utf8)
        let raw = try #require(Base64URL.decode(String(parts[2])))
        #expect(key.isValidSignature(raw: raw, for: message))
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var magnitude = Array(bytes.drop { $0 == 0 })
            if magnitude.first.map({ $0 & 0x80 != 0 }) ?? true { magnitude.insert(0, at: 0) }
            return [0x02, UInt8(magnitude.count)] + magnitude
        }
        let body = integer(raw[0..<32]) + integer(raw[32..<64])
        let der = [0x30, UInt8(body.count)] + body
        #expect(key.isValidSignature(der: der, for: message))
        #expect(!key.isValidSignature(der: der + [0], for: message))  // trailing byte
        #expect(!key.isValidSignature(der: [0x30, 0x81, UInt8(body.count)] + body, for: message))  // long-form length
        #expect(!key.isValidSignature(der: [0x30, 0x80] + body + [0, 0], for: message))  // indefinite length
        #expect(!key.isValidSignature(der: [0x31, UInt8(body.count)] + body, for: message))  // SET, not SEQUENCE
        let r = integer(raw[0..<32])
        let padded = [0x02, r[1] + 1, 0x00] + r[2...]  // a zero octet the integer does not need
        if r[2] != 0 {
            let paddedBody = padded + integer(raw[32..<64])
            #expect(!key.isValidSignature(der: [0x30, UInt8(paddedBody.count)] + paddedBody, for: message))
        }
        #expect(!key.isValidSignature(raw: raw + [0], for: message))
        #expect(!key.isValidSignature(raw: Array(raw.dropLast()), for: message))
        #expect(!key.isValidSignature(raw: [UInt8](repeating: 0, count: 64), for: message))
        // r and s swapped.
        #expect(!key.isValidSignature(raw: Array(raw[32..<64] + raw[0..<32]), for: message))
    }
}
