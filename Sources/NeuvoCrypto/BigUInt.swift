/// An unsigned integer of any width, enough for public-key *verification* (RSA moduli up to 8192 bits): conversion
/// from and to big-endian octet strings (RFC 8017 §4.1 I2OSP/OS2IP), comparison, and modular exponentiation through
/// `MontgomeryModulus`. Verification handles only public values, so nothing here tries to be constant-time.
struct BigUInt: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Least significant limb first, without high zero limbs (zero is the empty array).
    private(set) var limbs: [UInt64]

    init(limbs: [UInt64]) {
        self.limbs = limbs
        normalize()
    }

    init(_ value: UInt64) {
        self.init(limbs: [value])
    }

    /// OS2IP (RFC 8017 §4.2): leading zero octets allowed.
    init(bigEndian bytes: some Collection<UInt8>) {
        var limbs = [UInt64](repeating: 0, count: (bytes.count + 7) / 8)
        for (position, byte) in bytes.reversed().enumerated() {
            limbs[position / 8] |= UInt64(byte) << (UInt64(position % 8) * 8)
        }
        self.init(limbs: limbs)
    }

    private mutating func normalize() {
        while let last = limbs.last, last == 0 { limbs.removeLast() }
    }

    var isZero: Bool { limbs.isEmpty }
    var isOdd: Bool { (limbs.first ?? 0) & 1 == 1 }

    /// The number of significant bits (0 for zero).
    var bitWidth: Int {
        guard let last = limbs.last else { return 0 }
        return limbs.count * 64 - last.leadingZeroBitCount
    }

    /// Bit `index`, counted from the least significant.
    func bit(_ index: Int) -> Bool {
        let limb = index / 64
        guard limb < limbs.count else { return false }
        return limbs[limb] >> UInt64(index % 64) & 1 == 1
    }

    /// I2OSP (RFC 8017 §4.1): nil when the value needs more than `count` octets.
    func bigEndianBytes(count: Int) -> [UInt8]? {
        guard (bitWidth + 7) / 8 <= count else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        for position in 0..<min(count, limbs.count * 8) {
            bytes[count - 1 - position] = UInt8(truncatingIfNeeded: limbs[position / 8] >> (UInt64(position % 8) * 8))
        }
        return bytes
    }

    var description: String {
        guard !isZero else { return "0x0" }
        let hex = bigEndianBytes(count: (bitWidth + 7) / 8)!.map { String($0, radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        return "0x" + (hex.first == "0" ? String(hex.dropFirst()) : hex)
    }

    static func < (lhs: BigUInt, rhs: BigUInt) -> Bool {
        compare(lhs.limbs, rhs.limbs) < 0
    }

    /// -1, 0 or 1; the arrays may carry high zero limbs.
    static func compare(_ lhs: [UInt64], _ rhs: [UInt64]) -> Int {
        for index in stride(from: max(lhs.count, rhs.count) - 1, through: 0, by: -1) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            if left != right { return left < right ? -1 : 1 }
        }
        return 0
    }

    static func + (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        var result = [UInt64](repeating: 0, count: max(lhs.limbs.count, rhs.limbs.count) + 1)
        var carry: UInt64 = 0
        for index in 0..<result.count - 1 {
            let left = index < lhs.limbs.count ? lhs.limbs[index] : 0
            let right = index < rhs.limbs.count ? rhs.limbs[index] : 0
            let (sum1, overflow1) = left.addingReportingOverflow(right)
            let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
            result[index] = sum2
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        result[result.count - 1] = carry
        return BigUInt(limbs: result)
    }

    /// `lhs - rhs`; the caller guarantees `lhs >= rhs`.
    static func - (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        precondition(lhs >= rhs, "BigUInt subtraction would underflow")
        var result = lhs.limbs
        _ = subtract(&result, rhs.limbs)
        return BigUInt(limbs: result)
    }

    /// Schoolbook product (used by tests and key checks, not on the verification path).
    static func * (lhs: BigUInt, rhs: BigUInt) -> BigUInt {
        guard !lhs.isZero, !rhs.isZero else { return BigUInt(limbs: []) }
        var result = [UInt64](repeating: 0, count: lhs.limbs.count + rhs.limbs.count)
        for i in 0..<lhs.limbs.count {
            var carry: UInt64 = 0
            for j in 0..<rhs.limbs.count {
                let (high, low) = lhs.limbs[i].multipliedFullWidth(by: rhs.limbs[j])
                let (sum1, overflow1) = low.addingReportingOverflow(result[i + j])
                let (sum2, overflow2) = sum1.addingReportingOverflow(carry)
                result[i + j] = sum2
                carry = high &+ (overflow1 ? 1 : 0) &+ (overflow2 ? 1 : 0)
            }
            result[i + rhs.limbs.count] = carry
        }
        return BigUInt(limbs: result)
    }

    /// `lhs mod modulus` by shift-and-subtract, one bit at a time: slow, but simple enough to trust, and only used
    /// once per key (Montgomery's R² mod n) and by tests.
    static func % (lhs: BigUInt, modulus: BigUInt) -> BigUInt {
        precondition(!modulus.isZero, "BigUInt modulo zero")
        var remainder = [UInt64](repeating: 0, count: modulus.limbs.count + 1)
        for index in stride(from: lhs.bitWidth - 1, through: 0, by: -1) {
            shiftLeftOne(&remainder, carryIn: lhs.bit(index))
            if compare(remainder, modulus.limbs) >= 0 { _ = subtract(&remainder, modulus.limbs) }
        }
        return BigUInt(limbs: remainder)
    }

    /// `value <<= 1`, shifting `carryIn` into bit 0; the top bit falls off (callers keep a spare limb).
    static func shiftLeftOne(_ value: inout [UInt64], carryIn: Bool) {
        var carry: UInt64 = carryIn ? 1 : 0
        for index in value.indices {
            let next = value[index] >> 63
            value[index] = value[index] << 1 | carry
            carry = next
        }
    }

    /// `value -= subtrahend` in place over `value`'s width; returns the borrow out.
    @discardableResult
    static func subtract(_ value: inout [UInt64], _ subtrahend: [UInt64]) -> UInt64 {
        var borrow: UInt64 = 0
        for index in value.indices {
            let right = index < subtrahend.count ? subtrahend[index] : 0
            let (difference1, overflow1) = value[index].subtractingReportingOverflow(right)
            let (difference2, overflow2) = difference1.subtractingReportingOverflow(borrow)
            value[index] = difference2
            borrow = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        return borrow
    }
}

/// Montgomery arithmetic modulo an odd `n` of k limbs (R = 2^(64k)): multiplication without division, so
/// exponentiation costs one k×k product and reduction per step (CIOS method, Koç, Acar and Kaliski 1996).
struct MontgomeryModulus: Sendable {
    let modulus: BigUInt
    private let n: [UInt64]
    /// −n⁻¹ mod 2^64.
    private let inverse: UInt64
    /// R² mod n, which carries a value into Montgomery form with one multiplication.
    private let rSquared: [UInt64]

    /// nil for an even modulus or one below 3 (Montgomery needs gcd(n, R) = 1).
    init?(_ modulus: BigUInt) {
        guard modulus.isOdd, modulus.bitWidth >= 2 else { return nil }
        self.modulus = modulus
        n = modulus.limbs
        // Newton's iteration doubles the correct low bits each step: n·x ≡ 1 mod 2^64 after six steps from x = n
        // (already correct to 3 bits for odd n).
        var x = n[0]
        for _ in 0..<6 { x = x &* (2 &- n[0] &* x) }
        inverse = 0 &- x
        rSquared = Self.rSquared(modulus, inverse: inverse)
    }

    /// R² mod n without a long division: doublings from 2^(bits−1) < n reach R·2^k mod n (k limbs, so at most
    /// 64 + k steps); each Montgomery squaring then doubles the power of two beyond R, and six of them turn
    /// R·2^k into R·2^(64k) = R². A bit-at-a-time `%` of 2^(128k) costs 128k steps of k limbs instead, which
    /// an attacker-supplied 8192-bit key would make noticeable.
    private static func rSquared(_ modulus: BigUInt, inverse: UInt64) -> [UInt64] {
        let n = modulus.limbs
        let k = n.count
        var value = [UInt64](repeating: 0, count: k + 1)
        let top = modulus.bitWidth - 1
        value[top / 64] = 1 << UInt64(top % 64)
        for _ in 0..<(64 * k - top + k) {
            BigUInt.shiftLeftOne(&value, carryIn: false)
            if BigUInt.compare(value, n) >= 0 { BigUInt.subtract(&value, n) }
        }
        var power = Array(value[0..<k])  // R·2^k mod n
        for _ in 0..<6 { power = multiply(power, power, modulus: n, inverse: inverse) }
        return power
    }

    private static func padded(_ limbs: [UInt64], to count: Int) -> [UInt64] {
        limbs + [UInt64](repeating: 0, count: max(0, count - limbs.count))
    }

    /// a·b·R⁻¹ mod n for a, b < n (each k limbs); the result is < n.
    func multiply(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        Self.multiply(a, b, modulus: n, inverse: inverse)
    }

    private static func multiply(_ a: [UInt64], _ b: [UInt64], modulus n: [UInt64], inverse: UInt64) -> [UInt64] {
        let k = n.count
        precondition(a.count == k && b.count == k, "Montgomery operands must have the modulus's limb count")
        // Raw buffers: the loops below run k² times per product, and array accesses there would each be checked.
        var result = [UInt64](repeating: 0, count: k + 2)
        result.withUnsafeMutableBufferPointer { t in
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    n.withUnsafeBufferPointer { n in
                        multiply(a, b, modulus: n, inverse: inverse, into: t)
                    }
                }
            }
        }
        // t < 2n: one conditional subtraction brings it below n.
        result.removeLast()
        if BigUInt.compare(result, n) >= 0 { BigUInt.subtract(&result, n) }
        result.removeLast()
        return result
    }

    /// CIOS over k limbs into t (k + 2 limbs, zero on entry); leaves a·b·R⁻¹ + (0 or n) in t[0...k].
    private static func multiply(
        _ a: UnsafeBufferPointer<UInt64>, _ b: UnsafeBufferPointer<UInt64>, modulus n: UnsafeBufferPointer<UInt64>,
        inverse: UInt64, into t: UnsafeMutableBufferPointer<UInt64>
    ) {
        let k = n.count
        for i in 0..<k {
            // t += a[i]·b
            let ai = a[i]
            var carry: UInt64 = 0
            for j in 0..<k {
                (t[j], carry) = multiplyAdd(ai, b[j], t[j], carry)
            }
            let (sumK, overflowK) = t[k].addingReportingOverflow(carry)
            t[k] = sumK
            t[k + 1] = overflowK ? 1 : 0
            // t += m·n with m chosen so that the low limb becomes zero, then t >>= 64.
            let m = t[0] &* inverse
            let (high0, low0) = m.multipliedFullWidth(by: n[0])
            let (_, overflow0) = low0.addingReportingOverflow(t[0])
            carry = high0 &+ (overflow0 ? 1 : 0)
            for j in 1..<k {
                (t[j - 1], carry) = multiplyAdd(m, n[j], t[j], carry)
            }
            let (sumTop, overflowTop) = t[k].addingReportingOverflow(carry)
            t[k - 1] = sumTop
            t[k] = t[k + 1] &+ (overflowTop ? 1 : 0)
        }
    }

    /// base^exponent mod n, left-to-right square-and-multiply; `base` must be < n.
    func power(_ base: BigUInt, _ exponent: BigUInt) -> BigUInt {
        precondition(base < modulus, "Montgomery base must be reduced")
        let k = n.count
        let baseMontgomery = multiply(Self.padded(base.limbs, to: k), rSquared)
        var one = [UInt64](repeating: 0, count: k)
        one[0] = 1
        var accumulator = multiply(one, rSquared)  // 1 in Montgomery form (R mod n)
        for index in stride(from: exponent.bitWidth - 1, through: 0, by: -1) {
            accumulator = multiply(accumulator, accumulator)
            if exponent.bit(index) { accumulator = multiply(accumulator, baseMontgomery) }
        }
        return BigUInt(limbs: multiply(accumulator, one))
    }
}
