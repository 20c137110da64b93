/// The Snowball Finnish stemmer (https://snowballstem.org/algorithms/finnish/stemmer.html), matching the
/// reference implementation of Snowball 3.1.1 on every word.
public struct FinnishStemmer: Stemmer {
    public init() {}

    public func stem(_ word: String) -> String {
        var buffer = SnowballBuffer(word)
        let regions = Self.markRegions(buffer)
        // Every step works backward from the end of the word; a failed step leaves the word unchanged.
        buffer.cursor = buffer.limit
        Self.particleEtc(&buffer, regions)
        buffer.cursor = buffer.limit
        Self.possessive(&buffer, regions)
        buffer.cursor = buffer.limit
        let endingRemoved = Self.caseEnding(&buffer, regions)
        buffer.cursor = buffer.limit
        Self.otherEndings(&buffer, regions)
        buffer.cursor = buffer.limit
        if endingRemoved {
            Self.iPlural(&buffer, regions)
        } else {
            Self.tPlural(&buffer, regions)
        }
        buffer.cursor = buffer.limit
        Self.tidy(&buffer, regions)
        return buffer.string
    }

    // MARK: Groupings and tables

    private static let vowels = SnowballGrouping("aeiouyäö")
    private static let consonants = SnowballGrouping("bcdfghjklmnpqrstvwxz")
    private static let aei = SnowballGrouping("aeiä")
    private static let particleEnd = SnowballGrouping("aeinotuyäö")

    private static let particles = SnowballAmongTable([
        ("pa", 1), ("sti", 2), ("kaan", 1), ("han", 1), ("kin", 1), ("hän", 1), ("kään", 1), ("ko", 1), ("pä", 1),
        ("kö", 1),
    ])
    private static let possessives = SnowballAmongTable([
        ("nsa", 3), ("mme", 3), ("nne", 3), ("ni", 2), ("si", 1), ("an", 4), ("en", 6), ("än", 5), ("nsä", 3),
    ])
    private static let beforeAn = SnowballAmongTable([
        ("lla", 1), ("na", 1), ("ssa", 1), ("ta", 1), ("lta", 1), ("sta", 1),
    ])
    private static let beforeAnUmlaut = SnowballAmongTable([
        ("llä", 1), ("nä", 1), ("ssä", 1), ("tä", 1), ("ltä", 1), ("stä", 1),
    ])
    private static let beforeEn = SnowballAmongTable([("lle", 1), ("ine", 1)])
    /// Snowball `LV`: a long vowel.
    private static let longVowels = SnowballAmongTable([
        ("aa", 1), ("ee", 1), ("ii", 1), ("oo", 1), ("uu", 1), ("ää", 1), ("öö", 1),
    ])
    /// Snowball `VI`: a vowel followed by i.
    private static let vowelI = SnowballAmongTable([
        ("'", 1), ("ai", 1), ("ei", 1), ("ii", 1), ("oi", 1), ("ui", 1), ("äi", 1), ("öi", 1),
    ])

    // Conditions on case endings (`among ('han' (A) ...)` in the Snowball source).
    private static let conditionA = 1
    private static let conditionVI = 2
    private static let conditionLV = 3
    private static let conditionE = 4
    private static let conditionI = 5
    private static let conditionO = 6
    private static let conditionU = 7
    private static let conditionAUmlaut = 8
    private static let conditionOUmlaut = 9

    private static let caseEndings = SnowballAmongTable(conditional: [
        ("a", 2, 0), ("lla", 4, 0), ("na", 4, 0), ("ssa", 4, 0), ("ta", 4, 0), ("lta", 4, 0), ("sta", 4, 0),
        ("tta", 3, 0), ("lle", 4, 0), ("ine", 4, 0), ("ksi", 4, 0), ("n", 1, 0),
        ("han", 4, conditionA), ("den", 4, conditionVI), ("seen", 4, conditionLV), ("hen", 4, conditionE),
        ("tten", 4, conditionVI), ("hin", 4, conditionI), ("siin", 4, conditionVI), ("hon", 4, conditionO),
        ("hun", 4, conditionU), ("hän", 4, conditionAUmlaut), ("hön", 4, conditionOUmlaut),
        ("ä", 2, 0), ("llä", 4, 0), ("nä", 4, 0), ("ssä", 4, 0), ("tä", 4, 0), ("ltä", 4, 0), ("stä", 4, 0),
        ("ttä", 3, 0),
    ])
    private static let otherEndingTable = SnowballAmongTable([
        ("eja", 2), ("mma", 1), ("imma", 2), ("mpa", 1), ("impa", 2), ("mmi", 1), ("immi", 2), ("mpi", 1),
        ("impi", 2), ("ejä", 2), ("mmä", 1), ("immä", 2), ("mpä", 1), ("impä", 2),
    ])
    private static let iPlurals = SnowballAmongTable([("i", 1), ("j", 1)])
    private static let tPluralEndings = SnowballAmongTable([("mma", 1), ("imma", 2)])

    // MARK: Regions

    private struct Regions {
        var p1: Int
        var p2: Int
    }

    /// R1 starts after the first non-vowel that follows a vowel; R2 is R1 applied again inside R1.
    private static func markRegions(_ buffer: SnowballBuffer) -> Regions {
        var buffer = buffer
        var regions = Regions(p1: buffer.limit, p2: buffer.limit)
        guard buffer.goPast(vowels), buffer.goPastNon(vowels) else { return regions }
        regions.p1 = buffer.cursor
        guard buffer.goPast(vowels), buffer.goPastNon(vowels) else { return regions }
        regions.p2 = buffer.cursor
        return regions
    }

    // MARK: Steps

    /// Step 1: particles (-kin, -kaan, -han, -pa, -ko ...) after a particle_end letter, and -sti in R2.
    private static func particleEtc(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        guard buffer.cursor >= regions.p1 else { return }
        buffer.limitBackward = regions.p1
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(particles)
        buffer.limitBackward = 0
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        if result == 1 {
            guard buffer.inGroupingB(particleEnd) else { return }
        } else if regions.p2 > buffer.cursor {
            return
        }
        buffer.sliceDelete()
    }

    /// Step 2: possessive suffixes (-ni, -si, -mme, -nne, -nsa, -an/-än/-en after a case ending).
    private static func possessive(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        guard buffer.cursor >= regions.p1 else { return }
        buffer.limitBackward = regions.p1
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(possessives)
        buffer.limitBackward = 0
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        switch result {
        case 1:
            // -si, but not -ksi (the translative case).
            guard !buffer.eqB("k") else { return }
            buffer.sliceDelete()
        case 2:
            // -ni; then -kse becomes -ksi.
            buffer.sliceDelete()
            buffer.ket = buffer.cursor
            guard buffer.eqB("kse") else { return }
            buffer.bra = buffer.cursor
            buffer.sliceFrom("ksi")
        case 3:
            buffer.sliceDelete()
        case 4:
            guard buffer.findAmongB(beforeAn) != 0 else { return }
            buffer.sliceDelete()
        case 5:
            guard buffer.findAmongB(beforeAnUmlaut) != 0 else { return }
            buffer.sliceDelete()
        default:
            guard buffer.findAmongB(beforeEn) != 0 else { return }
            buffer.sliceDelete()
        }
    }

    /// The conditions attached to some case endings: the letter before the ending (or an apostrophe), a long
    /// vowel (LV) or a vowel followed by i (VI).
    private static func caseCondition(_ buffer: inout SnowballBuffer, _ condition: Int) -> Bool {
        let letter: Unicode.Scalar
        switch condition {
        case conditionVI: return buffer.findAmongB(vowelI) != 0
        case conditionLV: return buffer.findAmongB(longVowels) != 0
        case conditionA: letter = "a"
        case conditionE: letter = "e"
        case conditionI: letter = "i"
        case conditionO: letter = "o"
        case conditionU: letter = "u"
        case conditionAUmlaut: letter = "ä"
        default:
            return buffer.eqB("ö") || buffer.eqB("ø") || buffer.eqB("'")
        }
        return buffer.eqB(letter) || buffer.eqB("'")
    }

    /// Step 3: case endings. Returns whether an ending was removed (Snowball's `ending_removed`).
    private static func caseEnding(_ buffer: inout SnowballBuffer, _ regions: Regions) -> Bool {
        guard buffer.cursor >= regions.p1 else { return false }
        buffer.limitBackward = regions.p1
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(caseEndings, condition: caseCondition)
        buffer.limitBackward = 0
        guard result != 0 else { return false }
        buffer.bra = buffer.cursor
        switch result {
        case 1:
            // -n after a long vowel or -ie also removes the last vowel (taloon -> talo).
            let start = buffer.cursor
            var longVowelOrIe = buffer.findAmongB(longVowels) != 0
            if !longVowelOrIe {
                buffer.cursor = start
                longVowelOrIe = buffer.eqB("ie")
            }
            buffer.cursor = start
            if longVowelOrIe && buffer.hopB() {
                buffer.bra = buffer.cursor
            } else {
                buffer.cursor = start
            }
        case 2:
            // -a / -ä only after a consonant and vowel.
            guard buffer.inGroupingB(vowels), buffer.inGroupingB(consonants) else { return false }
        case 3:
            // -tta / -ttä only after e.
            guard buffer.eqB("e") else { return false }
        default:
            break
        }
        buffer.sliceDelete()
        return true
    }

    /// Step 4: other endings (comparatives and superlatives, -eja) in R2, but not -mpa etc. after po.
    private static func otherEndings(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        guard buffer.cursor >= regions.p2 else { return }
        buffer.limitBackward = regions.p2
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(otherEndingTable)
        buffer.limitBackward = 0
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        if result == 1 && buffer.eqB("po") { return }
        buffer.sliceDelete()
    }

    /// Step 5: plural i or j in R1, used when step 3 removed an ending.
    private static func iPlural(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        guard buffer.cursor >= regions.p1 else { return }
        buffer.limitBackward = regions.p1
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(iPlurals)
        buffer.limitBackward = 0
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        buffer.sliceDelete()
    }

    /// Step 6: plural t after a vowel in R1, used otherwise; then -mma (not after po) or -imma in R2.
    private static func tPlural(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        guard buffer.cursor >= regions.p1 else { return }
        buffer.limitBackward = regions.p1
        buffer.ket = buffer.cursor
        guard buffer.eqB("t") else {
            buffer.limitBackward = 0
            return
        }
        buffer.bra = buffer.cursor
        let afterT = buffer.cursor
        guard buffer.inGroupingB(vowels) else {
            buffer.limitBackward = 0
            return
        }
        buffer.cursor = afterT
        buffer.sliceDelete()
        buffer.limitBackward = 0

        guard buffer.cursor >= regions.p2 else { return }
        buffer.limitBackward = regions.p2
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(tPluralEndings)
        buffer.limitBackward = 0
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        if result == 1 && buffer.eqB("po") { return }
        buffer.sliceDelete()
    }

    /// Step 7: tidying up (long vowel, final a/e/i/ä after a consonant, oj/uj, jo, double consonant, apostrophe).
    private static func tidy(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        guard buffer.cursor >= regions.p1 else { return }
        buffer.limitBackward = regions.p1

        // A long vowel at the end loses one letter.
        buffer.cursor = buffer.limit
        if buffer.findAmongB(longVowels) != 0 {
            buffer.cursor = buffer.limit
            buffer.ket = buffer.cursor
            if buffer.hopB() {
                buffer.bra = buffer.cursor
                buffer.sliceDelete()
            }
        }
        // A final a, e, i or ä after a consonant is removed.
        buffer.cursor = buffer.limit
        buffer.ket = buffer.cursor
        if buffer.inGroupingB(aei) {
            buffer.bra = buffer.cursor
            if buffer.inGroupingB(consonants) {
                buffer.sliceDelete()
            }
        }
        // A final j after o or u is removed.
        buffer.cursor = buffer.limit
        buffer.ket = buffer.cursor
        if buffer.eqB("j") {
            buffer.bra = buffer.cursor
            if buffer.eqB("o") || buffer.eqB("u") {
                buffer.sliceDelete()
            }
        }
        // A final o after j is removed.
        buffer.cursor = buffer.limit
        buffer.ket = buffer.cursor
        if buffer.eqB("o") {
            buffer.bra = buffer.cursor
            if buffer.eqB("j") {
                buffer.sliceDelete()
            }
        }
        buffer.limitBackward = 0

        // A double consonant before the final vowels is undoubled (eläkk -> eläk).
        buffer.cursor = buffer.limit
        if buffer.goToNonB(vowels) {
            buffer.ket = buffer.cursor
            if buffer.inGroupingB(consonants) {
                buffer.bra = buffer.cursor
                if buffer.eqB(buffer.chars[buffer.bra]) {
                    buffer.sliceDelete()
                }
            }
        }
        // A final apostrophe is removed.
        buffer.cursor = buffer.limit
        buffer.ket = buffer.cursor
        if buffer.eqB("'") {
            buffer.bra = buffer.cursor
            buffer.sliceDelete()
        }
    }
}
