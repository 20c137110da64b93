import NeuvoCore
import Testing

@testable import NeuvoLanguage

/// The classifier's key → id table answers as the dictionary it replaced would.
struct FeatureTableTests {
    @Test func findsEveryKeyAndNoOther() throws {
        var random = SplitMix64(seed: 20_261_207)
        var keys = Set<UInt64>()
        while keys.count < 5_000 { keys.insert(random.next()) }
        let ordered = Array(keys)
        let table = try #require(FeatureTable(keysInIDOrder: ordered))
        #expect(table.count == ordered.count)
        for (id, key) in ordered.enumerated() { #expect(table[key] == Int32(id)) }
        var absent = 0
        while absent < 5_000 {
            let key = random.next()
            guard !keys.contains(key) else { continue }
            #expect(table[key] == nil)
            absent += 1
        }
        #expect(table.keysInIDOrder == ordered)
    }

    @Test func keysSharingTheirFirstSlotAreAllFoundAcrossTheWrap() throws {
        // 40 keys in a table of 128 slots (at most half full): 20 whose first slot is the last one and 20 whose
        // first slot is the first, by the table's own spread, so the probes run past the end and into each other.
        func home(_ key: UInt64) -> UInt64 { (key &* 0x9E37_79B9_7F4A_7C15) >> 57 }
        var last: [UInt64] = []
        var first: [UInt64] = []
        var key: UInt64 = 1
        while last.count < 20 || first.count < 20 {
            if home(key) == 127, last.count < 20 { last.append(key) }
            if home(key) == 0, first.count < 20 { first.append(key) }
            key += 1
        }
        let keys = last + first
        let table = try #require(FeatureTable(keysInIDOrder: keys))
        for (id, key) in keys.enumerated() { #expect(table[key] == Int32(id)) }
        var missing = key
        while home(missing) != 127 || keys.contains(missing) { missing += 1 }
        #expect(table[missing] == nil)
    }

    @Test func refusesARepeatedKey() {
        #expect(FeatureTable(keysInIDOrder: [7, 8, 7]) == nil)
    }

    @Test func anEmptyTableFindsNothing() throws {
        let table = try #require(FeatureTable(keysInIDOrder: []))
        #expect(table.count == 0)
        #expect(table[0] == nil)
        #expect(table.keysInIDOrder.isEmpty)
    }
}
