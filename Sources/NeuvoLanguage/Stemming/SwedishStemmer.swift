/// The Snowball Swedish stemmer (https://snowballstem.org/algorithms/swedish/stemmer.html), matching the
/// reference implementation of Snowball 3.1.1 on every word.
public struct SwedishStemmer: Stemmer {
    public init() {}

    public func stem(_ word: String) -> String {
        var buffer = SnowballBuffer(word)
        let p1 = Self.markRegions(buffer)
        buffer.cursor = buffer.limit
        Self.mainSuffix(&buffer, p1)
        buffer.cursor = buffer.limit
        Self.consonantPair(&buffer, p1)
        buffer.cursor = buffer.limit
        Self.otherSuffix(&buffer, p1)
        return buffer.string
    }

    // MARK: Groupings and tables

    private static let vowels = SnowballGrouping("aeiouyäåö")
    private static let sEnding = SnowballGrouping("bcdfghjklmnoprtvy")
    private static let ostEnding = SnowballGrouping("iklnprtuv")

    /// Endings before which -et is not removed (`et_condition`).
    private static let etExceptions = SnowballAmongTable([
        ("fab", 1), ("h", 1), ("pak", 1), ("rak", 1), ("stak", 1), ("kom", 1), ("iet", 1), ("cit", 1), ("dit", 1),
        ("alit", 1), ("ilit", 1), ("mit", 1), ("nit", 1), ("pit", 1), ("rit", 1), ("sit", 1), ("tit", 1),
        ("uit", 1), ("ivit", 1), ("kvit", 1), ("xit", 1),
    ])
    private static let mainSuffixes = SnowballAmongTable([
        ("a", 1), ("arna", 1), ("erna", 1), ("heterna", 1), ("orna", 1), ("ad", 1), ("e", 1), ("ade", 1),
        ("ande", 1), ("arne", 1), ("are", 1), ("aste", 1), ("en", 1), ("anden", 1), ("aren", 1), ("heten", 1),
        ("ern", 1), ("ar", 1), ("er", 1), ("heter", 1), ("or", 1), ("s", 2), ("as", 1), ("arnas", 1),
        ("ernas", 1), ("ornas", 1), ("es", 1), ("ades", 1), ("andes", 1), ("ens", 1), ("arens", 1),
        ("hetens", 1), ("erns", 1), ("at", 1), ("et", 3), ("andet", 1), ("het", 1), ("ast", 1),
    ])
    private static let consonantPairs = SnowballAmongTable([
        ("dd", 1), ("gd", 1), ("nn", 1), ("dt", 1), ("gt", 1), ("kt", 1), ("tt", 1),
    ])
    private static let otherSuffixes = SnowballAmongTable([
        ("ig", 1), ("lig", 1), ("els", 1), ("fullt", 3), ("öst", 2),
    ])

    // MARK: Regions

    /// R1 starts after the first non-vowel that follows a vowel, but no earlier than the fourth letter.
    private static func markRegions(_ buffer: SnowballBuffer) -> Int {
        var buffer = buffer
        guard buffer.limit >= 3 else { return buffer.limit }
        guard buffer.goPast(vowels), buffer.goPastNon(vowels) else { return buffer.limit }
        return max(buffer.cursor, 3)
    }

    // MARK: Steps

    /// `et_condition`: -et follows a consonant after a vowel, with a letter before that, and none of the
    /// exception endings.
    private static func etCondition(_ buffer: inout SnowballBuffer) -> Bool {
        let start = buffer.cursor
        guard buffer.outGroupingB(vowels), buffer.inGroupingB(vowels), buffer.cursor > buffer.limitBackward else {
            return false
        }
        buffer.cursor = start
        if buffer.findAmongB(etExceptions) != 0 { return false }
        buffer.cursor = start
        return true
    }

    /// Step 1: main suffixes in R1; -s only after a valid s-ending, -et (and -ets) only under `et_condition`.
    private static func mainSuffix(_ buffer: inout SnowballBuffer, _ p1: Int) {
        guard buffer.cursor >= p1 else { return }
        buffer.limitBackward = p1
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(mainSuffixes)
        buffer.limitBackward = 0
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        switch result {
        case 1:
            break
        case 2:
            let start = buffer.cursor
            if buffer.eqB("et") && etCondition(&buffer) {
                buffer.bra = buffer.cursor
            } else {
                buffer.cursor = start
                guard buffer.inGroupingB(sEnding) else { return }
            }
        default:
            guard etCondition(&buffer) else { return }
        }
        buffer.sliceDelete()
    }

    /// Step 2: a final dd, gd, nn, dt, gt, kt or tt in R1 loses its last letter.
    private static func consonantPair(_ buffer: inout SnowballBuffer, _ p1: Int) {
        guard buffer.cursor >= p1 else { return }
        buffer.limitBackward = p1
        defer { buffer.limitBackward = 0 }
        let end = buffer.cursor
        guard buffer.findAmongB(consonantPairs) != 0 else { return }
        buffer.cursor = end
        buffer.ket = buffer.cursor
        guard buffer.hopB() else { return }
        buffer.bra = buffer.cursor
        buffer.sliceDelete()
    }

    /// Step 3: -lig, -ig, -els deleted; -löst style -öst becomes -ös; -fullt becomes -full (all in R1).
    private static func otherSuffix(_ buffer: inout SnowballBuffer, _ p1: Int) {
        guard buffer.cursor >= p1 else { return }
        buffer.limitBackward = p1
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(otherSuffixes)
        buffer.limitBackward = 0
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        switch result {
        case 1:
            buffer.sliceDelete()
        case 2:
            guard buffer.inGroupingB(ostEnding) else { return }
            buffer.sliceFrom("ös")
        default:
            buffer.sliceFrom("full")
        }
    }
}
