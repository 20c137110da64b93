#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// HMAC-SHA256 (RFC 2104, with SHA-256 as in RFC 4231), streaming.
public struct HMAC: Sendable {
    public static let byteCount = SHA256.digestByteCount

    private var inner = SHA256()
    /// Already holds K ^ opad, so finalizing only has to hash the inner digest.
    private var outer = SHA256()

    public init<K: DataProtocol>(key: K) {
        if key.count > SHA256.blockByteCount {
            // RFC 2104 §2: keys longer than the block size are hashed first.
            let hashedKey = SHA256.hash(key)
            self.init(validatedKey: hashedKey)
        } else {
            self.init(validatedKey: key)
        }
    }

    private init<K: DataProtocol>(validatedKey key: K) {
        withUnsafeTemporaryAllocation(byteCount: SHA256.blockByteCount * 2, alignment: 8) { pads in
            // RFC 2104 §2: zero-pad the key to B = 64 bytes, then XOR with ipad (0x36) and opad (0x5c).
            pads.initializeMemory(as: UInt8.self, repeating: 0)
            var index = 0
            for byte in key {
                pads[index] = byte ^ 0x36
                pads[index + SHA256.blockByteCount] = byte ^ 0x5c
                index += 1
            }
            for padIndex in index..<SHA256.blockByteCount {
                pads[padIndex] = 0x36
                pads[padIndex + SHA256.blockByteCount] = 0x5c
            }
            inner.update(bytes: UnsafeRawBufferPointer(rebasing: pads[0..<SHA256.blockByteCount]))
            outer.update(bytes: UnsafeRawBufferPointer(rebasing: pads[SHA256.blockByteCount...]))
            // Do not leave key material on the stack.
            pads.initializeMemory(as: UInt8.self, repeating: 0)
        }
    }

    public mutating func update<D: DataProtocol>(_ data: D) {
        inner.update(data)
    }

    public mutating func update(bytes: UnsafeRawBufferPointer) {
        inner.update(bytes: bytes)
    }

    /// Returns the full 32-byte tag; truncate (RFC 2104 §5) with `prefix(_:)` if a protocol asks for it.
    public consuming func finalize() -> [UInt8] {
        let innerDigest = inner.finalize()
        outer.update(innerDigest)
        return outer.finalize()
    }

    public static func authenticationCode<D: DataProtocol, K: DataProtocol>(for data: D, key: K) -> [UInt8] {
        var mac = HMAC(key: key)
        mac.update(data)
        return mac.finalize()
    }

    /// Constant-time check of `code` against the MAC of `data`; a shorter `code` never matches.
    public static func isValidAuthenticationCode<C: Collection<UInt8>, D: DataProtocol, K: DataProtocol>(
        _ code: C, for data: D, key: K
    ) -> Bool {
        constantTimeEquals(authenticationCode(for: data, key: key), code)
    }
}
