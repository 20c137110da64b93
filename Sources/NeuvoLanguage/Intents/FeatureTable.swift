/// Feature key → vocabulary id, the classifier's hottest lookup (a message asks for a few hundred keys, most of
/// them character n-grams the model never saw). The keys are already well-mixed 64-bit hashes, so an
/// open-addressing table with linear probing and a multiplicative spread answers without hashing them again, as
/// `Dictionary` does with SipHash for every lookup. At most half full: a miss ends after about two probes.
struct FeatureTable: Sendable {
    private let slots: [UInt64]
    /// The id in each slot; -1 marks an empty one.
    private let ids: [Int32]
    private let shift: UInt64
    let count: Int

    /// A table whose ids are the keys' positions; nil when a key repeats.
    init?(keysInIDOrder keys: [UInt64]) {
        var bits: UInt64 = 4
        while (1 << bits) < keys.count * 2 { bits += 1 }
        let capacity = 1 << Int(bits)
        var slots = [UInt64](repeating: 0, count: capacity)
        var ids = [Int32](repeating: -1, count: capacity)
        let shift = 64 - bits
        let mask = capacity - 1
        for (id, key) in keys.enumerated() {
            var slot = Self.home(key, shift: shift)
            while ids[slot] >= 0 {
                if slots[slot] == key { return nil }
                slot = (slot + 1) & mask
            }
            slots[slot] = key
            ids[slot] = Int32(id)
        }
        self.slots = slots
        self.ids = ids
        self.shift = shift
        count = keys.count
    }

    /// Fibonacci hashing: the top bits of the key times 2⁶⁴/φ pick the first slot.
    @inline(__always) private static func home(_ key: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    subscript(key: UInt64) -> Int32? {
        let mask = slots.count - 1
        var slot = Self.home(key, shift: shift)
        return slots.withUnsafeBufferPointer { slots in
            ids.withUnsafeBufferPointer { ids in
                while true {
                    let id = ids[slot]
                    if id < 0 { return nil }
                    if slots[slot] == key { return id }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// The keys by id, as `init(keysInIDOrder:)` took them.
    var keysInIDOrder: [UInt64] {
        var keys = [UInt64](repeating: 0, count: count)
        for slot in ids.indices where ids[slot] >= 0 { keys[Int(ids[slot])] = slots[slot] }
        return keys
    }
}
