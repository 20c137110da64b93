/// A set of characters (a Snowball `grouping`). Every grouping of the three stemmers lies below U+0100,
/// so a 256-bit set answers membership with one shift and mask.
struct SnowballGrouping: Sendable {
    private var bits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(_ characters: String) {
        for scalar in characters.unicodeScalars {
            let value = scalar.value
            precondition(value < 256, "Snowball groupings here are Latin-1 only")
            let mask = UInt64(1) << UInt64(value & 63)
            switch value >> 6 {
            case 0: bits.0 |= mask
            case 1: bits.1 |= mask
            case 2: bits.2 |= mask
            default: bits.3 |= mask
            }
        }
    }

    @inline(__always)
    func contains(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        guard value < 256 else { return false }
        let mask = UInt64(1) << UInt64(value & 63)
        switch value >> 6 {
        case 0: return bits.0 & mask != 0
        case 1: return bits.1 & mask != 0
        case 2: return bits.2 & mask != 0
        default: return bits.3 & mask != 0
        }
    }
}

/// One row of a Snowball `among`: a string, the result it selects, and an optional condition tag that the
/// stemmer checks before accepting the row (Snowball's `among (... 'han' (A) ...)` form; 0 means none).
struct SnowballAmong: Sendable {
    let scalars: [Unicode.Scalar]
    let result: Int
    let condition: Int
}

/// A Snowball `among` table. Snowball picks the longest matching row and, if that row's condition fails, falls
/// back to the longest shorter row that also matches; keeping rows longest first gives the same choice.
struct SnowballAmongTable: Sendable {
    let rows: [SnowballAmong]

    init(_ rows: [(String, Int)]) {
        self.init(conditional: rows.map { ($0.0, $0.1, 0) })
    }

    init(conditional rows: [(String, Int, Int)]) {
        self.rows = rows.map { SnowballAmong(scalars: Array($0.0.unicodeScalars), result: $0.1, condition: $0.2) }
            .sorted { $0.scalars.count > $1.scalars.count }
    }
}

/// The Snowball string machine: the word as Unicode scalars, a cursor, the backward limit, and the `[ ]` slice
/// (`bra`, `ket`). The stemmers here only ever run backward steps after marking regions, so `limit` is the end.
struct SnowballBuffer {
    var chars: [Unicode.Scalar]
    var cursor = 0
    var limitBackward = 0
    var bra = 0
    var ket = 0
    /// Whether any slice was replaced, so an unchanged word can be handed back without rebuilding it.
    var modified = false
    private let original: String

    init(_ word: String) {
        original = word
        chars = Array(word.unicodeScalars)
        ket = chars.count
    }

    var limit: Int { chars.count }

    var string: String {
        guard modified else { return original }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: chars)
        return String(view)
    }

    // MARK: Forward primitives (region marking)

    /// Snowball `gopast grouping`: moves just past the next character in `group`.
    @inline(__always)
    mutating func goPast(_ group: SnowballGrouping) -> Bool {
        while cursor < limit {
            let inGroup = group.contains(chars[cursor])
            cursor += 1
            if inGroup { return true }
        }
        return false
    }

    /// Snowball `gopast non-grouping`: moves just past the next character not in `group`.
    @inline(__always)
    mutating func goPastNon(_ group: SnowballGrouping) -> Bool {
        while cursor < limit {
            let inGroup = group.contains(chars[cursor])
            cursor += 1
            if !inGroup { return true }
        }
        return false
    }

    // MARK: Backward primitives

    /// Snowball backward test `grouping`: the character before the cursor is in `group`; step over it.
    @inline(__always)
    mutating func inGroupingB(_ group: SnowballGrouping) -> Bool {
        guard cursor > limitBackward, group.contains(chars[cursor - 1]) else { return false }
        cursor -= 1
        return true
    }

    /// Snowball backward test `non-grouping`.
    @inline(__always)
    mutating func outGroupingB(_ group: SnowballGrouping) -> Bool {
        guard cursor > limitBackward, !group.contains(chars[cursor - 1]) else { return false }
        cursor -= 1
        return true
    }

    /// Snowball backward `gopast grouping`: moves before the nearest preceding character in `group`.
    mutating func goPastB(_ group: SnowballGrouping) -> Bool {
        while cursor > limitBackward {
            cursor -= 1
            if group.contains(chars[cursor]) { return true }
        }
        return false
    }

    /// Snowball backward `goto non-grouping`: moves back over characters in `group`, stopping after a non-member.
    mutating func goToNonB(_ group: SnowballGrouping) -> Bool {
        while cursor > limitBackward {
            if !group.contains(chars[cursor - 1]) { return true }
            cursor -= 1
        }
        return false
    }

    /// Snowball backward `hop 1`.
    @inline(__always)
    mutating func hopB(_ count: Int = 1) -> Bool {
        guard cursor - count >= limitBackward else { return false }
        cursor -= count
        return true
    }

    /// Snowball backward literal test for a single character.
    @inline(__always)
    mutating func eqB(_ scalar: Unicode.Scalar) -> Bool {
        guard cursor > limitBackward, chars[cursor - 1] == scalar else { return false }
        cursor -= 1
        return true
    }

    /// Snowball backward literal test for a string.
    mutating func eqB(_ literal: String) -> Bool {
        var position = cursor
        for scalar in literal.unicodeScalars.reversed() {
            guard position > limitBackward, chars[position - 1] == scalar else { return false }
            position -= 1
        }
        cursor = position
        return true
    }

    /// True when the characters just before `end` (not crossing `limitBackward`) are `suffix`. Compares from the
    /// last letter, which rejects most rows of a table at once.
    @inline(__always)
    func hasSuffix(_ suffix: [Unicode.Scalar], endingAt end: Int) -> Bool {
        let count = suffix.count
        guard end - count >= limitBackward else { return false }
        var index = count - 1
        let start = end - count
        while index >= 0 {
            if chars[start + index] != suffix[index] { return false }
            index -= 1
        }
        return true
    }

    /// Snowball backward `among` without conditions: returns the matched row's result (0 if none matched) and
    /// leaves the cursor before the match.
    mutating func findAmongB(_ table: SnowballAmongTable) -> Int {
        let end = cursor
        for row in table.rows where hasSuffix(row.scalars, endingAt: end) {
            cursor = end - row.scalars.count
            return row.result
        }
        return 0
    }

    /// Snowball backward `among` whose rows may carry a condition, checked with the cursor before the row's string.
    mutating func findAmongB(
        _ table: SnowballAmongTable,
        condition: (inout SnowballBuffer, Int) -> Bool
    ) -> Int {
        let end = cursor
        for row in table.rows where hasSuffix(row.scalars, endingAt: end) {
            cursor = end - row.scalars.count
            if row.condition == 0 || condition(&self, row.condition) {
                cursor = end - row.scalars.count
                return row.result
            }
        }
        return 0
    }

    // MARK: Slices

    /// Snowball `<-`: replaces the slice `[bra, ket)`, keeping the cursor where Snowball would.
    mutating func sliceFrom(_ replacement: String) {
        let new = Array(replacement.unicodeScalars)
        let adjustment = new.count - (ket - bra)
        chars.replaceSubrange(bra..<ket, with: new)
        modified = true
        if cursor >= ket {
            cursor += adjustment
        } else if cursor > bra {
            cursor = bra
        }
        ket = bra + new.count
    }

    /// Snowball `delete`.
    mutating func sliceDelete() {
        let removed = ket - bra
        chars.removeSubrange(bra..<ket)
        modified = true
        if cursor >= ket {
            cursor -= removed
        } else if cursor > bra {
            cursor = bra
        }
        ket = bra
    }
}
