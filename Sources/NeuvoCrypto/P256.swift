/// NIST P-256 (secp256r1; FIPS 186-4 §D.1.2.3, SEC 2 §2.4.2): y² = x³ − 3x + b over GF(p), a group of prime order
/// n and cofactor 1.
enum P256 {
    static let field = Modulus256(UInt256(hex: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"))
    static let order = Modulus256(UInt256(hex: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"))
    static let b = field.toMontgomery(
        UInt256(hex: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"))
    static let generator = JacobianPoint(
        affineX: UInt256(hex: "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
        y: UInt256(hex: "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"))
    static let generatorMultiples = generator.windowMultiples()

    /// Whether (x, y), plain and each < p, satisfies the curve equation (SEC 1 §3.2.2.1 step 3; with cofactor 1
    /// no subgroup check is needed, and an affine point is never the point at infinity).
    static func isOnCurve(x: UInt256, y: UInt256) -> Bool {
        let x = field.toMontgomery(x)
        let y = field.toMontgomery(y)
        let threeX = field.add(field.add(x, x), x)
        let right = field.add(field.subtract(field.multiply(field.square(x), x), threeX), b)
        return field.square(y) == right
    }
}

/// A point in Jacobian coordinates (x = X/Z², y = Y/Z³), field elements in Montgomery form; Z = 0 is infinity.
/// Coordinates are kept reduced below p, so equal field elements have equal representations.
struct JacobianPoint: Sendable {
    var x: UInt256
    var y: UInt256
    var z: UInt256

    static let infinity = JacobianPoint(x: .zero, y: .zero, z: .zero)

    init(x: UInt256, y: UInt256, z: UInt256) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// From plain affine coordinates.
    init(affineX: UInt256, y: UInt256) {
        let field = P256.field
        self.init(x: field.toMontgomery(affineX), y: field.toMontgomery(y), z: field.toMontgomery(.one))
    }

    var isInfinity: Bool { z.isZero }

    /// The plain affine x coordinate; nil at infinity.
    var affineX: UInt256? {
        guard !isInfinity else { return nil }
        let field = P256.field
        let zInverse = field.inverse(z)
        return field.fromMontgomery(field.multiply(x, field.square(zInverse)))
    }

    /// 2P, "dbl-2001-b" for a = −3 (Bernstein and Lange, Explicit-Formulas Database). Infinity and points with
    /// y = 0 (none exist on P-256) give Z = 0, infinity.
    func doubled() -> JacobianPoint {
        let f = P256.field
        let delta = f.square(z)
        let gamma = f.square(y)
        let beta = f.multiply(x, gamma)
        let product = f.multiply(f.subtract(x, delta), f.add(x, delta))
        let alpha = f.add(f.add(product, product), product)
        let fourBeta = f.add(f.add(beta, beta), f.add(beta, beta))
        let x3 = f.subtract(f.square(alpha), f.add(fourBeta, fourBeta))
        let z3 = f.subtract(f.subtract(f.square(f.add(y, z)), gamma), delta)
        let gammaSquared = f.square(gamma)
        let fourGammaSquared = f.add(f.add(gammaSquared, gammaSquared), f.add(gammaSquared, gammaSquared))
        let y3 = f.subtract(f.multiply(alpha, f.subtract(fourBeta, x3)), f.add(fourGammaSquared, fourGammaSquared))
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// P + Q, "add-1998-cmo-2", with the exceptional cases handled explicitly: either input at infinity, P = Q
    /// (doubling; Wycheproof's PointDuplication vectors reach it) and P = −Q (infinity).
    func adding(_ other: JacobianPoint) -> JacobianPoint {
        if isInfinity { return other }
        if other.isInfinity { return self }
        let f = P256.field
        let z1z1 = f.square(z)
        let z2z2 = f.square(other.z)
        let u1 = f.multiply(x, z2z2)
        let u2 = f.multiply(other.x, z1z1)
        let s1 = f.multiply(f.multiply(y, other.z), z2z2)
        let s2 = f.multiply(f.multiply(other.y, z), z1z1)
        let h = f.subtract(u2, u1)
        let r = f.subtract(s2, s1)
        if h.isZero {
            return r.isZero ? doubled() : .infinity
        }
        let hh = f.square(h)
        let hhh = f.multiply(h, hh)
        let v = f.multiply(u1, hh)
        let x3 = f.subtract(f.subtract(f.square(r), hhh), f.add(v, v))
        let y3 = f.subtract(f.multiply(r, f.subtract(v, x3)), f.multiply(s1, hhh))
        let z3 = f.multiply(f.multiply(z, other.z), h)
        return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// P, 2P, …, 15P: the multiples a four-bit window adds.
    func windowMultiples() -> [JacobianPoint] {
        var multiples = [self, doubled()]
        multiples.reserveCapacity(15)
        while multiples.count < 15 { multiples.append(multiples[multiples.count - 1].adding(self)) }
        return multiples
    }

    /// a·P + b·Q with four-bit fixed windows interleaved over one shared doubling chain (Shamir's trick with
    /// windows): 252 doublings and at most 128 additions. `pMultiples` is `p.windowMultiples()` (the generator's are
    /// computed once). Public scalars only: not constant-time.
    static func linearCombination(
        _ a: UInt256, _ pMultiples: [JacobianPoint], _ b: UInt256, _ q: JacobianPoint
    ) -> JacobianPoint {
        let qMultiples = q.windowMultiples()
        var result = JacobianPoint.infinity
        for window in stride(from: 63, through: 0, by: -1) {
            if window != 63 { result = result.doubled().doubled().doubled().doubled() }
            let digitA = a.nibble(window)
            let digitB = b.nibble(window)
            if digitA != 0 { result = result.adding(pMultiples[digitA - 1]) }
            if digitB != 0 { result = result.adding(qMultiples[digitB - 1]) }
        }
        return result
    }
}

/// A P-256 public key for ECDSA with SHA-256 verification (SEC 1 §4.1.4, FIPS 186-4 §6.4; JWS "ES256",
/// RFC 7518 §3.4). Verification only.
public struct P256PublicKey: Sendable {
    let point: JacobianPoint

    /// `x` and `y` are the affine coordinates as 32 big-endian octets each (leading zeros kept). Refuses
    /// coordinates that are not below p and a point that is not on the curve (SEC 1 §3.2.2.1): an off-curve key
    /// would let an invalid-curve attack choose the group the signature is checked in.
    public init(x: [UInt8], y: [UInt8]) throws(JWSError) {
        guard x.count == 32, y.count == 32 else { throw .invalidKey("P-256 coordinates must be 32 octets each") }
        let affineX = UInt256(bigEndian: x)
        let affineY = UInt256(bigEndian: y)
        guard affineX < P256.field.m, affineY < P256.field.m else {
            throw .invalidKey("P-256 coordinate not below the field prime")
        }
        guard P256.isOnCurve(x: affineX, y: affineY) else { throw .invalidKey("point is not on P-256") }
        point = JacobianPoint(affineX: affineX, y: affineY)
    }

    /// An uncompressed SEC 1 point (0x04 || x || y, §2.3.3), as in SubjectPublicKeyInfo and Wycheproof.
    public init(uncompressed: [UInt8]) throws(JWSError) {
        guard uncompressed.count == 65, uncompressed[0] == 0x04 else {
            throw .invalidKey("not an uncompressed P-256 point")
        }
        try self.init(x: Array(uncompressed[1..<33]), y: Array(uncompressed[33..<65]))
    }

    /// The JWS form (RFC 7518 §3.4): exactly 64 octets, R then S, each 32 octets big-endian.
    public func isValidSignature(raw signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64 else { return false }
        return isValid(
            r: UInt256(bigEndian: signature[0..<32]), s: UInt256(bigEndian: signature[32..<64]),
            digest: SHA256.hash(message))
    }

    /// The X.509/TLS form: a strict DER `ECDSA-Sig-Value` (SEC 1 §C.5; see `DER.ecdsaSignature`).
    public func isValidSignature(der signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let (r, s) = DER.ecdsaSignature(signature) else { return false }
        return isValid(r: r, s: s, digest: SHA256.hash(message))
    }

    /// SEC 1 §4.1.4.
    func isValid(r: UInt256, s: UInt256, digest: [UInt8]) -> Bool {
        let n = P256.order
        // Step 1: r and s in [1, n−1].
        guard !r.isZero, !s.isZero, r < n.m, s < n.m else { return false }
        // Steps 2–3: e is the whole SHA-256 digest (n has 256 bits, so nothing is truncated), reduced mod n.
        let e = n.reduceOnce(UInt256(bigEndian: digest))
        // Step 4: u1 = e·s⁻¹, u2 = r·s⁻¹ mod n.
        let sInverse = n.inverse(n.toMontgomery(s))
        let u1 = n.fromMontgomery(n.multiply(n.toMontgomery(e), sInverse))
        let u2 = n.fromMontgomery(n.multiply(n.toMontgomery(r), sInverse))
        // Step 5: R = u1·G + u2·Q; infinity is invalid.
        let point = JacobianPoint.linearCombination(u1, P256.generatorMultiples, u2, self.point)
        guard !point.isInfinity else { return false }
        // Steps 6–8: v = x_R mod n must equal r. x_R < p < 2n, so x_R is r or r + n (when that is below p);
        // x_R = X/Z² is compared as X = r·Z² in the field, which saves inverting Z.
        let field = P256.field
        let zSquared = field.square(point.z)
        if field.multiply(field.toMontgomery(r), zSquared) == point.x { return true }
        let (rPlusN, carry) = UInt256.adding(r, n.m)
        guard carry == 0, rPlusN < field.m else { return false }
        return field.multiply(field.toMontgomery(rPlusN), zSquared) == point.x
    }
}
