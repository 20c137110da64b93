import Testing

@testable import NeuvoCrypto

/// The arithmetic under RSA and P-256 against values computed once with Python (`pow(a, e, m)`; the script is in the
/// comments), including the edges where carries and the final Montgomery subtraction happen.
struct BigIntegerTests {
    static func big(_ hex: String) -> BigUInt {
        let digits = hex.count % 2 == 1 ? "0" + hex : hex
        return BigUInt(bigEndian: Hex.decode(digits)!)
    }

    @Test func octetStringRoundTripAndWidth() {
        let value = BigUInt(bigEndian: [0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09])
        #expect(value.bitWidth == 65)
        #expect(value.bigEndianBytes(count: 9) == [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09])
        #expect(value.bigEndianBytes(count: 12) == [0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09])
        #expect(value.bigEndianBytes(count: 8) == nil)
        #expect(BigUInt(bigEndian: [0, 0]).isZero)
        #expect(BigUInt(bigEndian: []).bigEndianBytes(count: 2) == [0, 0])
    }

    @Test func carriesAcrossLimbs() {
        let allOnes = BigUInt(limbs: [.max, .max])
        #expect(allOnes + BigUInt(1) == BigUInt(limbs: [0, 0, 1]))
        #expect(BigUInt(limbs: [0, 0, 1]) - BigUInt(1) == allOnes)
        // (2^128 − 1)² = 2^256 − 2^129 + 1
        #expect(allOnes * allOnes == BigUInt(limbs: [1, 0, .max - 1, .max]))
        #expect(BigUInt(limbs: [0, 0, 1]) % allOnes == BigUInt(1))
    }

    // m = (1 << 2047) | getrandbits(2047) | 1, a = getrandbits(2040) with random.seed(7); pow(a, 65537, m)
    static let modulus2048 = big(
        "8c789ae95f557203301850c5a38fd547923a736994e3bf911a61dbe22e44158bae97ba94d0eda82f8f6d05584ef8aa38922766581e27a1c08a6a63ec24ede6a46b4cb2424a23d5962217beaddbc496cb8e81973e0becd7b03898d190f9ebdacc0cb1e29c658cda1495e60af593bd04cf0fd630f1f29d0da9953f48f1a09f76b5a170b33839263059f28c105d1fb17c2390c192cfd3ac94af0f21ddb66cad4a268d116ece1738f7d93d9c172411e20b8f6b0d549b6f03675a1600a35a099950d836f675cc81e74ef5e8e25d940ed904759531985d5d9dc9f81818e811892f902bd23f0824128b2f330c5c7fd0a6a3a4506513270e269e0d37f2a74de452e6b439"
    )

    @Test func modularExponentiation2048() throws {
        let base = Self.big(
            "7f261498289fcd59a54a7bb1fee08f571242425051c1ccd17f9acae01f5057ca02135e92b1d3f28ede0d7ac3baea9e13deef86ab1031d0f646e1f40a097c976bf46c697d2caf82eeeacbe226e875555790f82ec1d3fcff2a3af4d46b0a18e8830e07bc1e398f1012bd4acefaecbd389be4bcfc49b64a0872e6cc3ababced2057ee05cde00902c77ebff206867347214cdd2055930d6eaf14f4733f3e7d1bfbc7a2ea20b2f14c942e05319acb5c74273f98e2774cbd87ad5c90a9587403e430ec66a78795e761d17731af10506bf2efc6f877186d76b07e881ed162ae2eb1547f15052434b9b5df9e7769b10f4205b4907a70c31012f037b64ce4228c38fb29"
        )
        let expected = Self.big(
            "5c76369c455f5251a9bb2ba73418433bea4af6676320b1af64f0b7a9068e871fc9196b42b128c95b23074b9153b8265e85960b74cfc13a287052d7c5ebf53c14dc6954f44de06c342292e4f57dae49026a373afff65aea8eae12da70d3481b38aa28cea92183d86e9a3790500ee59c2c05bc55cf63e393a816e9f98a25bebd4a8079e9896307571392fa687d54c0cc720c99f6f3e0df12e5a79511905f323efaa5c2478ab1438a3c94661062f9dbcf3d6ec51c13d8f45bbde3a28fccb2c853ea4dd6f1e4719baf8978967ecb4a57b43a302f279cb4871762ba0008b31d4afb74f9b99a35343b4db04019a5dd7b87013337d583f5ba971c069eacb0fbf8863893"
        )
        let arithmetic = try #require(MontgomeryModulus(Self.modulus2048))
        #expect(arithmetic.power(base, BigUInt(65537)) == expected)
    }

    @Test func modularExponentiationEdges() throws {
        // m2, b, e2 from the same Python session: pow(b, e2, m2)
        let modulus = Self.big("88cd3968e993bed5980239bb28e80637")
        let arithmetic = try #require(MontgomeryModulus(modulus))
        #expect(
            arithmetic.power(Self.big("451abdf1d69ed617f5e837d70820fe"), Self.big("1aa05e11ab2715945795e8229"))
                == Self.big("7df7325d3cf03013d3f157c0dd311936"))
        let minusOne = modulus - BigUInt(1)
        #expect(arithmetic.power(minusOne, BigUInt(2)) == BigUInt(1))  // (−1)² = 1
        #expect(arithmetic.power(minusOne, BigUInt(3)) == minusOne)
        #expect(arithmetic.power(BigUInt(0), BigUInt(65537)).isZero)
        #expect(arithmetic.power(BigUInt(5), BigUInt(0)) == BigUInt(1))
        #expect(MontgomeryModulus(Self.big("10")) == nil)  // even: no Montgomery form
    }

    @Test func p256FieldArithmetic() {
        let field = P256.field
        let p = field.m
        let pMinusOne = UInt256.subtracting(p, .one).difference
        // R² mod p, as pow(2, 512, p)
        #expect(
            field.toMontgomery(.one)
                == field.multiply(
                    UInt256(hex: "00000004fffffffdfffffffffffffffefffffffbffffffff0000000000000003"), .one))
        let minusOne = field.toMontgomery(pMinusOne)
        #expect(field.fromMontgomery(field.square(minusOne)) == .one)
        #expect(field.add(pMinusOne, .one) == .zero)
        #expect(field.subtract(.zero, .one) == pMinusOne)
        let seven = field.toMontgomery(UInt256(limb0: 7, limb1: 0, limb2: 0, limb3: 0))
        #expect(field.fromMontgomery(field.multiply(seven, field.inverse(seven))) == .one)
        #expect(P256.isOnCurve(x: UInt256(bigEndian: P256.generator.affineX!.bigEndianBytes), y: generatorY))
        #expect(!P256.isOnCurve(x: .one, y: .one))
    }

    let generatorY = UInt256(hex: "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")

    @Test func p256GroupOrder() {
        // n·G is the point at infinity, (n − 1)·G = −G has G's x, and 2G from doubling equals G + G from adding.
        let n = P256.order.m
        let g = P256.generator
        #expect(JacobianPoint.linearCombination(n, g.windowMultiples(), .zero, g).isInfinity)
        let minusG = JacobianPoint.linearCombination(
            UInt256.subtracting(n, .one).difference, g.windowMultiples(), .zero, g)
        #expect(minusG.affineX == g.affineX)
        #expect(g.adding(g).affineX == g.doubled().affineX)
        #expect(g.adding(minusG).isInfinity)
        // 2G: ec.derive_private_key(2, ec.SECP256R1()).public_key().public_numbers().x in Python's cryptography
        #expect(
            g.doubled().affineX
                == UInt256(hex: "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978"))
    }
}

extension BigIntegerTests {
    /// Square-and-multiply with schoolbook products and long division: slow, obviously right.
    static func referencePower(_ base: BigUInt, _ exponent: BigUInt, _ modulus: BigUInt) -> BigUInt {
        var result = BigUInt(1) % modulus
        for index in stride(from: exponent.bitWidth - 1, through: 0, by: -1) {
            result = result * result % modulus
            if exponent.bit(index) { result = result * base % modulus }
        }
        return result
    }

    /// Montgomery exponentiation (and so its R² from doublings and squarings) agrees with the reference for moduli
    /// whose top limb is full, nearly empty, or the only one.
    @Test(arguments: [
        "3", "ffffffffffffffff", "10000000000000001", "88cd3968e993bed5980239bb28e80637",
        "1" + String(repeating: "0", count: 127) + "1", String(repeating: "f", count: 512),
    ])
    func montgomeryMatchesReference(hex: String) throws {
        let modulus = Self.big(hex)
        let arithmetic = try #require(MontgomeryModulus(modulus))
        let exponent = Self.big("10001")
        for base in [BigUInt(2), modulus - BigUInt(2), Self.big("123456789abcdef0fedcba9876543210") % modulus] {
            #expect(arithmetic.power(base, exponent) == Self.referencePower(base, exponent, modulus), "\(base)")
        }
    }
}

extension BigIntegerTests {
    /// Plain affine (x, y) of a Jacobian point, nil at infinity.
    static func affine(_ point: JacobianPoint) -> (UInt256, UInt256)? {
        guard !point.isInfinity else { return nil }
        let f = P256.field
        let zInverse = f.inverse(point.z)
        let zInverseSquared = f.square(zInverse)
        return (
            f.fromMontgomery(f.multiply(point.x, zInverseSquared)),
            f.fromMontgomery(f.multiply(point.y, f.multiply(zInverseSquared, zInverse)))
        )
    }

    /// Right-to-left double-and-add, one bit at a time: the obvious reference for the windowed combination.
    static func referenceMultiple(_ scalar: UInt256, _ point: JacobianPoint) -> JacobianPoint {
        var result = JacobianPoint.infinity
        var addend = point
        for index in 0..<256 {
            if scalar.bit(index) { result = result.adding(addend) }
            addend = addend.doubled()
        }
        return result
    }

    @Test func windowedCombinationMatchesDoubleAndAdd() {
        let g = P256.generator
        let q = Self.referenceMultiple(
            UInt256(hex: "0123456789abcdeffedcba98765432100f1e2d3c4b5a69788796a5b4c3d2e1f0"), g)
        let n = P256.order.m
        let scalars: [(UInt256, UInt256)] = [
            (.one, .one),
            (UInt256(hex: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"), .one),  // n − 1
            (UInt256(hex: "8000000000000000000000000000000000000000000000000000000000000000"), .zero),
            (.zero, UInt256(hex: "00000000000000000000000000000000000000000000000000000000000000ff")),
            (
                UInt256(hex: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"),
                UInt256(hex: "5555555555555555555555555555555555555555555555555555555555555555")
            ),
        ]
        for (a, b) in scalars {
            let windowed = JacobianPoint.linearCombination(a, g.windowMultiples(), b, q)
            let reference = Self.referenceMultiple(a, g).adding(Self.referenceMultiple(b, q))
            let expected = Self.affine(reference)
            let actual = Self.affine(windowed)
            #expect(expected?.0 == actual?.0 && expected?.1 == actual?.1, "a = \(a), b = \(b)")
        }
        // Q = G: the window additions meet equal points (doubling inside `adding`) and opposite ones (infinity).
        #expect(
            JacobianPoint.linearCombination(.one, g.windowMultiples(), UInt256.subtracting(n, .one).difference, g)
                .isInfinity)
        let twoG = JacobianPoint.linearCombination(.one, g.windowMultiples(), .one, g)
        #expect(Self.affine(twoG)?.0 == Self.affine(g.doubled())?.0)
    }
}
