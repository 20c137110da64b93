/// An RSA public key for RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2; JWS "RS256", RFC 7518 §3.3) and RSASSA-PSS
/// (RFC 8017 §8.1.2; JWS "PS256", RFC 7518 §3.5) verification with SHA-256. Verification only: Neuvo never signs
/// with RSA.
public struct RSAPublicKey: Sendable {
    /// Moduli below 2048 bits are refused (RFC 7518 §3.3: "2048 bits or larger MUST be used"); above 8192 bits are
    /// refused too, which bounds the work an attacker-supplied key set can cause.
    public static let minimumModulusBits = 2048
    public static let maximumModulusBits = 8192

    let modulus: BigUInt
    let exponent: BigUInt
    private let arithmetic: MontgomeryModulus
    /// k, the modulus length in octets: a signature is exactly this long (RFC 8017 §8.2.2 step 1).
    public let modulusByteCount: Int

    /// `modulus` and `exponent` are unsigned big-endian octet strings (leading zero octets are ignored, as some
    /// libraries prepend one). Refuses an even modulus, one outside 2048…8192 bits, and exponents that are even,
    /// below 3, at least 2^32 or not below the modulus: none of those is a key any provider issues.
    public init(modulus: [UInt8], exponent: [UInt8]) throws(JWSError) {
        let n = BigUInt(bigEndian: modulus)
        let e = BigUInt(bigEndian: exponent)
        guard n.bitWidth >= Self.minimumModulusBits else {
            throw .invalidKey("RSA modulus of \(n.bitWidth) bits; at least \(Self.minimumModulusBits) required")
        }
        guard n.bitWidth <= Self.maximumModulusBits else {
            throw .invalidKey("RSA modulus of \(n.bitWidth) bits; at most \(Self.maximumModulusBits) accepted")
        }
        guard let arithmetic = MontgomeryModulus(n) else { throw .invalidKey("RSA modulus is even") }
        guard e.isOdd, e >= BigUInt(3), e.bitWidth <= 32, e < n else {
            throw .invalidKey("RSA public exponent must be odd, at least 3 and below 2^32")
        }
        self.modulus = n
        self.exponent = e
        self.arithmetic = arithmetic
        modulusByteCount = (n.bitWidth + 7) / 8
    }

    /// The modulus length in bits.
    public var modulusBits: Int { modulus.bitWidth }

    /// RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 §8.2.2) with SHA-256. The expected encoded message is built in full and
    /// compared in full, in constant time (§8.2.2 step 4): no ASN.1 is parsed out of the signature, so padding and
    /// DigestInfo variants (BER lengths, missing NULL, trailing garbage; Bleichenbacher 2006) cannot slip through.
    public func isValidPKCS1v15SHA256Signature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == modulusByteCount else { return false }  // step 1
        let s = BigUInt(bigEndian: signature)  // step 2a, OS2IP
        guard s < modulus else { return false }  // step 2b, RSAVP1 (§5.2.2 step 1)
        let m = arithmetic.power(s, exponent)
        guard let encoded = m.bigEndianBytes(count: modulusByteCount) else { return false }  // step 2c, I2OSP
        guard let expected = Self.encodePKCS1v15SHA256(digest: SHA256.hash(message), length: modulusByteCount) else {
            return false
        }
        return constantTimeEquals(encoded, expected)
    }

    /// RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) with SHA-256, MGF1 with SHA-256 and a 32-octet salt: exactly the
    /// parameters of JWS "PS256" (RFC 7518 §3.5); any other salt length is refused.
    public func isValidPSSSHA256Signature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == modulusByteCount else { return false }  // step 1
        let s = BigUInt(bigEndian: signature)
        guard s < modulus else { return false }  // step 2b
        // Step 2c: EM is emLen = ⌈(modBits − 1)/8⌉ octets, one fewer than k when modBits ≡ 1 mod 8.
        let encodedBits = modulus.bitWidth - 1
        guard let encoded = arithmetic.power(s, exponent).bigEndianBytes(count: (encodedBits + 7) / 8) else {
            return false
        }
        return Self.isPSSSHA256Encoding(encoded, bits: encodedBits, digest: SHA256.hash(message))
    }

    static let pssSaltCount = 32

    /// EMSA-PSS-VERIFY (RFC 8017 §9.1.2) for SHA-256, MGF1-SHA-256 and a 32-octet salt.
    static func isPSSSHA256Encoding(_ encoded: [UInt8], bits: Int, digest: [UInt8]) -> Bool {
        let hashCount = SHA256.digestByteCount
        let count = encoded.count
        // Step 3: emLen ≥ hLen + sLen + 2; step 4: the last octet is 0xbc.
        guard count >= hashCount + pssSaltCount + 2, encoded[count - 1] == 0xbc else { return false }
        let maskedCount = count - hashCount - 1
        let hash = Array(encoded[maskedCount..<count - 1])  // step 5
        // Step 6: the 8·emLen − emBits leftmost bits of maskedDB are zero.
        let unusedBits = 8 * count - bits
        let topMask: UInt8 = unusedBits >= 8 ? 0 : 0xff >> UInt8(unusedBits)
        guard encoded[0] & ~topMask == 0 else { return false }
        // Steps 7–9: DB = maskedDB ⊕ MGF1(H), with the unused bits cleared.
        let mask = mgf1SHA256(seed: hash, count: maskedCount)
        var block = (0..<maskedCount).map { encoded[$0] ^ mask[$0] }
        block[0] &= topMask
        // Step 10: zeros, then 0x01, then the salt.
        let separator = maskedCount - pssSaltCount - 1
        guard block[..<separator].allSatisfy({ $0 == 0 }), block[separator] == 0x01 else { return false }
        let salt = block[(separator + 1)...]
        // Steps 12–14: H = Hash(0x00 × 8 || mHash || salt).
        var hasher = SHA256()
        hasher.update([UInt8](repeating: 0, count: 8))
        hasher.update(digest)
        hasher.update(Array(salt))
        return constantTimeEquals(hasher.finalize(), hash)
    }

    /// MGF1 (RFC 8017 §B.2.1) with SHA-256.
    static func mgf1SHA256(seed: [UInt8], count: Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(count + SHA256.digestByteCount)
        var counter: UInt32 = 0
        while output.count < count {
            let counterBytes = (0..<4).map { UInt8(truncatingIfNeeded: counter >> (24 - 8 * UInt32($0))) }
            output += SHA256.hash(seed + counterBytes)
            counter += 1
        }
        return Array(output[..<count])
    }

    /// DER of DigestInfo with algorithm id-sha256 and NULL parameters (RFC 8017 §9.2 note 1).
    static let sha256DigestInfoPrefix: [UInt8] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
        0x20,
    ]

    /// EMSA-PKCS1-v1_5-ENCODE (RFC 8017 §9.2): 0x00 0x01 FF…FF 0x00 DigestInfo, `length` octets in all.
    static func encodePKCS1v15SHA256(digest: [UInt8], length: Int) -> [UInt8]? {
        let digestInfo = sha256DigestInfoPrefix + digest
        guard length >= digestInfo.count + 11 else { return nil }  // step 4: at least eight 0xFF octets
        return [0x00, 0x01] + [UInt8](repeating: 0xff, count: length - digestInfo.count - 3) + [0x00] + digestInfo
    }
}
