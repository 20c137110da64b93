#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// SHA-256 as specified in FIPS 180-4, streaming.
///
/// Input is consumed in whole 64-byte blocks straight from the caller's buffer; only a partial trailing block is
/// copied into the inline (heap-free) buffer.
public struct SHA256: Sendable {
    public static let blockByteCount = 64
    public static let digestByteCount = 32

    private var state = State.initial
    /// Pending bytes of a partial block; a tuple keeps the struct free of heap storage.
    private var buffer: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    private var bufferCount = 0
    /// Message length in bytes; FIPS 180-4 §5.1.1 appends it modulo 2^64 bits.
    private var messageByteCount: UInt64 = 0

    public init() {}

    public mutating func update<D: DataProtocol>(_ data: D) {
        for region in data.regions {
            region.withUnsafeBytes { update(bytes: $0) }
        }
    }

    public mutating func update(bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        messageByteCount &+= UInt64(bytes.count)
        var offset = 0

        if bufferCount > 0 {
            let take = Swift.min(Self.blockByteCount - bufferCount, bytes.count)
            let start = bufferCount
            withUnsafeMutableBytes(of: &buffer) {
                $0.baseAddress!.advanced(by: start).copyMemory(from: base, byteCount: take)
            }
            bufferCount += take
            offset = take
            guard bufferCount == Self.blockByteCount else { return }
            var block = buffer
            withUnsafeBytes(of: &block) { Self.compress(&state, blocks: $0) }
            bufferCount = 0
        }

        let wholeBlockBytes = (bytes.count - offset) & ~(Self.blockByteCount - 1)
        if wholeBlockBytes > 0 {
            Self.compress(&state, blocks: UnsafeRawBufferPointer(start: base + offset, count: wholeBlockBytes))
            offset += wholeBlockBytes
        }

        let rest = bytes.count - offset
        if rest > 0 {
            withUnsafeMutableBytes(of: &buffer) { $0.baseAddress!.copyMemory(from: base + offset, byteCount: rest) }
            bufferCount = rest
        }
    }

    /// Pads per FIPS 180-4 §5.1.1 (0x80, zeros, 64-bit big-endian bit length) and returns the 32-byte digest.
    public consuming func finalize() -> [UInt8] {
        let bitLength = messageByteCount &* 8
        // Pad so that the length field ends exactly on a block boundary.
        let padCount = bufferCount < 56 ? 56 - bufferCount : 120 - bufferCount
        withUnsafeTemporaryAllocation(byteCount: 72, alignment: 8) { pad in
            pad.initializeMemory(as: UInt8.self, repeating: 0)
            pad[0] = 0x80
            pad.storeBytes(of: bitLength.bigEndian, toByteOffset: padCount, as: UInt64.self)
            update(bytes: UnsafeRawBufferPointer(rebasing: pad[0..<(padCount + 8)]))
        }
        assert(bufferCount == 0)
        let state = self.state
        return [UInt8](unsafeUninitializedCapacity: Self.digestByteCount) { out, count in
            let raw = UnsafeMutableRawBufferPointer(out)
            let words = (state.h0, state.h1, state.h2, state.h3, state.h4, state.h5, state.h6, state.h7)
            withUnsafeBytes(of: words) { raw.copyMemory(from: $0) }
            for index in 0..<8 {
                let word = raw.load(fromByteOffset: index * 4, as: UInt32.self)
                raw.storeBytes(of: word.bigEndian, toByteOffset: index * 4, as: UInt32.self)
            }
            count = Self.digestByteCount
        }
    }

    public static func hash<D: DataProtocol>(_ data: D) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data)
        return hasher.finalize()
    }

    public static func hash(bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes: bytes)
        return hasher.finalize()
    }
}

extension SHA256 {
    fileprivate typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    fileprivate struct State: Sendable {
        var h0, h1, h2, h3, h4, h5, h6, h7: UInt32

        /// FIPS 180-4 §5.3.3.
        static let initial = State(
            h0: 0x6a09_e667, h1: 0xbb67_ae85, h2: 0x3c6e_f372, h3: 0xa54f_f53a,
            h4: 0x510e_527f, h5: 0x9b05_688c, h6: 0x1f83_d9ab, h7: 0x5be0_cd19)
    }

    /// FIPS 180-4 §4.2.2.
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x &>> n) | (x &<< (32 &- n))
    }

    /// One round of §6.2.2 step 3: `d` becomes the new `e` and `h` the new `a`.
    @inline(__always)
    private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
        _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32
    ) {
        let bigSigma1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
        let choose = g ^ (e & (f ^ g))
        let t1 = h &+ bigSigma1 &+ choose &+ kw
        let bigSigma0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
        let majority = (a & b) | (c & (a | b))
        d &+= t1
        h = t1 &+ bigSigma0 &+ majority
    }

    /// Processes `blocks.count / 64` blocks (FIPS 180-4 §6.2.2). `blocks.count` must be a multiple of 64.
    private static func compress(_ state: inout State, blocks: UnsafeRawBufferPointer) {
        var (h0, h1, h2, h3) = (state.h0, state.h1, state.h2, state.h3)
        var (h4, h5, h6, h7) = (state.h4, state.h5, state.h6, state.h7)
        let blockCount = blocks.count / blockByteCount
        roundConstants.withUnsafeBufferPointer { k in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                for blockIndex in 0..<blockCount {
                    let base = blockIndex * blockByteCount
                    // Message schedule, §6.2.2 step 1: words are big-endian (§3.1).
                    for t in 0..<16 {
                        w[t] = UInt32(bigEndian: blocks.loadUnaligned(fromByteOffset: base + t * 4, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let x = w[t - 15]
                        let y = w[t - 2]
                        let sigma0 = rotr(x, 7) ^ rotr(x, 18) ^ (x &>> 3)
                        let sigma1 = rotr(y, 17) ^ rotr(y, 19) ^ (y &>> 10)
                        w[t] = sigma1 &+ w[t - 7] &+ sigma0 &+ w[t - 16]
                    }

                    var (a, b, c, d) = (h0, h1, h2, h3)
                    var (e, f, g, h) = (h4, h5, h6, h7)
                    // Eight rounds per iteration with the variables renamed instead of shifted (§6.2.2 step 3).
                    var t = 0
                    while t < 64 {
                        round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
                        round(h, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
                        round(g, h, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
                        round(f, g, h, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
                        round(e, f, g, &h, a, b, c, &d, k[t + 4] &+ w[t + 4])
                        round(d, e, f, &g, h, a, b, &c, k[t + 5] &+ w[t + 5])
                        round(c, d, e, &f, g, h, a, &b, k[t + 6] &+ w[t + 6])
                        round(b, c, d, &e, f, g, h, &a, k[t + 7] &+ w[t + 7])
                        t += 8
                    }
                    h0 &+= a
                    h1 &+= b
                    h2 &+= c
                    h3 &+= d
                    h4 &+= e
                    h5 &+= f
                    h6 &+= g
                    h7 &+= h
                }
            }
        }
        state = State(h0: h0, h1: h1, h2: h2, h3: h3, h4: h4, h5: h5, h6: h6, h7: h7)
    }
}
