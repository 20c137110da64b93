/// A fixed-width 256-bit unsigned integer, four 64-bit limbs, least significant first: the element type of P-256's
/// field and scalar arithmetic, kept out of arrays so that no operation allocates.
struct UInt256: Sendable, Hashable {
    var limb0: UInt64
    var limb1: UInt64
    var limb2: UInt64
    var limb3: UInt64

    static let zero = UInt256(limb0: 0, limb1: 0, limb2: 0, limb3: 0)
    static let one = UInt256(limb0: 1, limb1: 0, limb2: 0, limb3: 0)

    init(limb0: UInt64, limb1: UInt64, limb2: UInt64, limb3: UInt64) {
        self.limb0 = limb0
        self.limb1 = limb1
        self.limb2 = limb2
        self.limb3 = limb3
    }

    /// From exactly 32 big-endian octets.
    init(bigEndian bytes: some Collection<UInt8>) {
        precondition(bytes.count == 32, "UInt256 needs 32 octets")
        var value = UInt256.zero
        for (position, byte) in bytes.reversed().enumerated() {
            value[position / 8] |= UInt64(byte) << (UInt64(position % 8) * 8)
        }
        self = value
    }

    /// From 64 hexadecimal digits (constants).
    init(hex: StaticString) {
        let text = hex.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
        precondition(text.utf8.count == 64, "UInt256 constant needs 64 hex digits")
        self.init(bigEndian: Hex.decode(text)!)
    }

    var bigEndianBytes: [UInt8] {
        (0..<32).map { position in
            UInt8(truncatingIfNeeded: self[(31 - position) / 8] >> (UInt64((31 - position) % 8) * 8))
        }
    }

    subscript(index: Int) -> UInt64 {
        get {
            switch index {
            case 0: limb0
            case 1: limb1
            case 2: limb2
            default: limb3
            }
        }
        set {
            switch index {
            case 0: limb0 = newValue
            case 1: limb1 = newValue
            case 2: limb2 = newValue
            default: limb3 = newValue
            }
        }
    }

    var isZero: Bool { limb0 | limb1 | limb2 | limb3 == 0 }

    /// Four-bit digit `index` (0…63), counted from the least significant.
    func nibble(_ index: Int) -> Int { Int(truncatingIfNeeded: self[index / 16] >> UInt64(index % 16 * 4) & 0xf) }

    /// Bit `index` (0…255), counted from the least significant.
    func bit(_ index: Int) -> Bool { self[index / 64] >> UInt64(index % 64) & 1 == 1 }

    static func < (lhs: UInt256, rhs: UInt256) -> Bool {
        for index in stride(from: 3, through: 0, by: -1) where lhs[index] != rhs[index] {
            return lhs[index] < rhs[index]
        }
        return false
    }

    /// lhs + rhs mod 2^256 and the carry out (0 or 1).
    static func adding(_ lhs: UInt256, _ rhs: UInt256) -> (sum: UInt256, carry: UInt64) {
        let (sum0, carry0) = addWithCarry(lhs.limb0, rhs.limb0, 0)
        let (sum1, carry1) = addWithCarry(lhs.limb1, rhs.limb1, carry0)
        let (sum2, carry2) = addWithCarry(lhs.limb2, rhs.limb2, carry1)
        let (sum3, carry3) = addWithCarry(lhs.limb3, rhs.limb3, carry2)
        return (UInt256(limb0: sum0, limb1: sum1, limb2: sum2, limb3: sum3), carry3)
    }

    /// lhs − rhs mod 2^256 and the borrow out (0 or 1).
    static func subtracting(_ lhs: UInt256, _ rhs: UInt256) -> (difference: UInt256, borrow: UInt64) {
        let (difference0, borrow0) = subtractWithBorrow(lhs.limb0, rhs.limb0, 0)
        let (difference1, borrow1) = subtractWithBorrow(lhs.limb1, rhs.limb1, borrow0)
        let (difference2, borrow2) = subtractWithBorrow(lhs.limb2, rhs.limb2, borrow1)
        let (difference3, borrow3) = subtractWithBorrow(lhs.limb3, rhs.limb3, borrow2)
        return (UInt256(limb0: difference0, limb1: difference1, limb2: difference2, limb3: difference3), borrow3)
    }

    @inline(__always)
    private static func addWithCarry(_ x: UInt64, _ y: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
        let (partial, overflow1) = x.addingReportingOverflow(y)
        let (total, overflow2) = partial.addingReportingOverflow(carry)
        return (total, (overflow1 ? 1 : 0) | (overflow2 ? 1 : 0))
    }

    @inline(__always)
    private static func subtractWithBorrow(_ x: UInt64, _ y: UInt64, _ borrow: UInt64) -> (UInt64, UInt64) {
        let (partial, overflow1) = x.subtractingReportingOverflow(y)
        let (total, overflow2) = partial.subtractingReportingOverflow(borrow)
        return (total, (overflow1 ? 1 : 0) | (overflow2 ? 1 : 0))
    }
}

/// Arithmetic modulo an odd 256-bit m in Montgomery form (R = 2^256): P-256's field prime p and group order n.
/// Values passed in are < m; `multiply`, `square`, `inverse` and `power` take and return Montgomery form.
struct Modulus256: Sendable {
    let m: UInt256
    /// −m⁻¹ mod 2^64.
    fileprivate let inverseLow: UInt64
    /// R² mod m.
    private let rSquared: UInt256

    init(_ m: UInt256) {
        precondition(m.limb0 & 1 == 1, "Montgomery modulus must be odd")
        self.m = m
        var x = m.limb0
        for _ in 0..<6 { x = x &* (2 &- m.limb0 &* x) }  // Newton: m·x ≡ 1 mod 2^64
        inverseLow = 0 &- x
        let r = BigUInt(limbs: [0, 0, 0, 0, 0, 0, 0, 0, 1])
        let reduced = (r % BigUInt(limbs: [m.limb0, m.limb1, m.limb2, m.limb3])).limbs + [0, 0, 0, 0]
        rSquared = UInt256(limb0: reduced[0], limb1: reduced[1], limb2: reduced[2], limb3: reduced[3])
    }

    /// `value` mod m for any 256-bit value when m > 2^255 (both P-256 moduli are): one subtraction suffices.
    func reduceOnce(_ value: UInt256) -> UInt256 {
        let (difference, borrow) = UInt256.subtracting(value, m)
        return borrow == 0 ? difference : value
    }

    func add(_ a: UInt256, _ b: UInt256) -> UInt256 {
        let (sum, carry) = UInt256.adding(a, b)
        let (difference, borrow) = UInt256.subtracting(sum, m)
        return carry == 1 || borrow == 0 ? difference : sum
    }

    func subtract(_ a: UInt256, _ b: UInt256) -> UInt256 {
        let (difference, borrow) = UInt256.subtracting(a, b)
        return borrow == 1 ? UInt256.adding(difference, m).sum : difference
    }

    /// a·b·R⁻¹ mod m (CIOS, as in `MontgomeryModulus`, unrolled over four limbs).
    func multiply(_ a: UInt256, _ b: UInt256) -> UInt256 {
        var t = Accumulator()
        t.round(a.limb0, b, self)
        t.round(a.limb1, b, self)
        t.round(a.limb2, b, self)
        t.round(a.limb3, b, self)
        let value = UInt256(limb0: t.t0, limb1: t.t1, limb2: t.t2, limb3: t.t3)
        let (difference, borrow) = UInt256.subtracting(value, m)
        return t.t4 == 1 || borrow == 0 ? difference : value
    }

    /// CIOS's five-limb running sum, in registers rather than an array.
    private struct Accumulator {
        var t0: UInt64 = 0
        var t1: UInt64 = 0
        var t2: UInt64 = 0
        var t3: UInt64 = 0
        var t4: UInt64 = 0

        /// t = (t + ai·b + q·m) / 2^64, q chosen so that the division is exact.
        @inline(__always)
        mutating func round(_ ai: UInt64, _ b: UInt256, _ modulus: Modulus256) {
            var carry: UInt64 = 0
            (t0, carry) = multiplyAdd(ai, b.limb0, t0, carry)
            (t1, carry) = multiplyAdd(ai, b.limb1, t1, carry)
            (t2, carry) = multiplyAdd(ai, b.limb2, t2, carry)
            (t3, carry) = multiplyAdd(ai, b.limb3, t3, carry)
            let (sum4, overflow4) = t4.addingReportingOverflow(carry)
            t4 = sum4
            let t5: UInt64 = overflow4 ? 1 : 0
            let m = modulus.m
            let q = t0 &* modulus.inverseLow
            (_, carry) = multiplyAdd(q, m.limb0, t0, 0)
            (t0, carry) = multiplyAdd(q, m.limb1, t1, carry)
            (t1, carry) = multiplyAdd(q, m.limb2, t2, carry)
            (t2, carry) = multiplyAdd(q, m.limb3, t3, carry)
            let (sum3, overflow3) = t4.addingReportingOverflow(carry)
            t3 = sum3
            t4 = t5 &+ (overflow3 ? 1 : 0)
        }
    }

    func square(_ a: UInt256) -> UInt256 { multiply(a, a) }

    func toMontgomery(_ a: UInt256) -> UInt256 { multiply(a, rSquared) }
    func fromMontgomery(_ a: UInt256) -> UInt256 { multiply(a, .one) }

    /// base^exponent (base in Montgomery form; exponent plain).
    func power(_ base: UInt256, _ exponent: UInt256) -> UInt256 {
        var result = toMontgomery(.one)
        for index in stride(from: 255, through: 0, by: -1) {
            result = square(result)
            if exponent.bit(index) { result = multiply(result, base) }
        }
        return result
    }

    /// a⁻¹ by Fermat (a^(m−2); m is prime for both P-256 moduli); zero maps to zero.
    func inverse(_ a: UInt256) -> UInt256 {
        power(a, UInt256.subtracting(m, UInt256(limb0: 2, limb1: 0, limb2: 0, limb3: 0)).difference)
    }
}

/// x·y + addend + carry as (low, high): never overflows 128 bits. Through UInt128 so that the compiler emits one
/// multiply and an add-with-carry chain rather than flag tests.
@inline(__always)
func multiplyAdd(_ x: UInt64, _ y: UInt64, _ addend: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
    let wide = UInt128(x) &* UInt128(y) &+ UInt128(addend) &+ UInt128(carry)
    return (UInt64(truncatingIfNeeded: wide), UInt64(truncatingIfNeeded: wide &>> 64))
}
