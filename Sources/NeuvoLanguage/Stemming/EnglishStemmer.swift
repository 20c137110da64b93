/// The Snowball English ("Porter2") stemmer (https://snowballstem.org/algorithms/english/stemmer.html),
/// including its exceptional forms, matching the reference implementation of Snowball 3.1.1 on every word.
public struct EnglishStemmer: Stemmer {
    public init() {}

    public func stem(_ word: String) -> String {
        var buffer = SnowballBuffer(word)
        // Exceptional forms (`exception1`) are looked up whole; words shorter than three letters are left alone.
        if (3...6).contains(buffer.limit), let exception = Self.exceptions[word] { return exception }
        guard buffer.limit >= 3 else { return word }

        let yFound = Self.prelude(&buffer)
        let regions = Self.markRegions(buffer)
        buffer.cursor = buffer.limit
        Self.step1a(&buffer)
        buffer.cursor = buffer.limit
        Self.step1b(&buffer, regions)
        buffer.cursor = buffer.limit
        Self.step1c(&buffer)
        buffer.cursor = buffer.limit
        Self.step2(&buffer, regions)
        buffer.cursor = buffer.limit
        Self.step3(&buffer, regions)
        buffer.cursor = buffer.limit
        Self.step4(&buffer, regions)
        buffer.cursor = buffer.limit
        Self.step5(&buffer, regions)
        if yFound {
            // Postlude: consonant Y back to y.
            buffer.modified = true
            for index in buffer.chars.indices where buffer.chars[index] == "Y" {
                buffer.chars[index] = "y"
            }
        }
        return buffer.string
    }

    // MARK: Groupings and tables

    private static let vowels = SnowballGrouping("aeiouy")
    private static let vowelsWXY = SnowballGrouping("aeiouywxY")
    private static let validLI = SnowballGrouping("cdeghkmnrt")
    private static let aeo = SnowballGrouping("aeo")

    private static let exceptions: [String: String] = [
        "andes": "andes", "atlas": "atlas", "bias": "bias", "cosmos": "cosmos", "early": "earli", "gently": "gentl",
        "howe": "howe", "idly": "idl", "news": "news", "only": "onli", "singly": "singl", "skies": "sky",
        "skis": "ski", "sky": "sky", "ugly": "ugli",
    ]
    /// Prefixes after which R1 starts regardless of the vowel rule (arsenal, community, generous ...).
    private static let regionPrefixes: [[Unicode.Scalar]] = [
        "arsen", "commun", "emerg", "gener", "inter", "later", "organ", "past", "univers",
    ].map { Array($0.unicodeScalars) }
    private static let apostropheSuffixes = SnowballAmongTable([("'", 1), ("'s'", 1), ("'s", 1)])
    private static let step1aSuffixes = SnowballAmongTable([
        ("ied", 2), ("s", 3), ("ies", 2), ("sses", 1), ("ss", 4), ("us", 4),
    ])
    private static let step1bExceptions = SnowballAmongTable([("succ", 1), ("proc", 1), ("exc", 1)])
    private static let ingExceptions = SnowballAmongTable([
        ("even", 2), ("cann", 2), ("inn", 2), ("earr", 2), ("herr", 2), ("out", 2), ("y", 1),
    ])
    private static let step1bSuffixes = SnowballAmongTable([
        ("", 4), ("ed", 2), ("eed", 1), ("ing", 3), ("edly", 2), ("eedly", 1), ("ingly", 2),
    ])
    private static let step1bEndings = SnowballAmongTable([
        ("", 3), ("bb", 2), ("dd", 2), ("ff", 2), ("gg", 2), ("bl", 1), ("mm", 2), ("nn", 2), ("pp", 2), ("rr", 2),
        ("at", 1), ("tt", 2), ("iz", 1),
    ])
    private static let step2Suffixes = SnowballAmongTable([
        ("anci", 3), ("enci", 2), ("ogi", 14), ("li", 16), ("bli", 12), ("abli", 4), ("alli", 8), ("fulli", 9),
        ("lessli", 15), ("ousli", 10), ("entli", 5), ("aliti", 8), ("biliti", 12), ("iviti", 11), ("tional", 1),
        ("ational", 7), ("alism", 8), ("ation", 7), ("ization", 6), ("izer", 6), ("ator", 7), ("iveness", 11),
        ("fulness", 9), ("ousness", 10), ("ogist", 13),
    ])
    /// Step 2 replacements by result; 14 and 16 have extra conditions.
    private static let step2Replacements: [Int: String] = [
        1: "tion", 2: "ence", 3: "ance", 4: "able", 5: "ent", 6: "ize", 7: "ate", 8: "al", 9: "ful", 10: "ous",
        11: "ive", 12: "ble", 13: "og", 15: "less",
    ]
    private static let step3Suffixes = SnowballAmongTable([
        ("icate", 4), ("ative", 6), ("alize", 3), ("iciti", 4), ("ical", 4), ("tional", 1), ("ational", 2),
        ("ful", 5), ("ness", 5),
    ])
    private static let step4Suffixes = SnowballAmongTable([
        ("ic", 1), ("ance", 1), ("ence", 1), ("able", 1), ("ible", 1), ("ate", 1), ("ive", 1), ("ize", 1),
        ("iti", 1), ("al", 1), ("ism", 1), ("ion", 2), ("er", 1), ("ous", 1), ("ant", 1), ("ent", 1),
        ("ment", 1), ("ement", 1),
    ])

    // MARK: Prelude and regions

    private struct Regions {
        var p1: Int
        var p2: Int
    }

    /// Prelude: drop a leading apostrophe and mark consonant y (initial, or after a vowel) as Y.
    private static func prelude(_ buffer: inout SnowballBuffer) -> Bool {
        if buffer.chars.first == "'" {
            buffer.chars.removeFirst()
            buffer.modified = true
        }
        var yFound = false
        if buffer.chars.first == "y" {
            buffer.chars[0] = "Y"
            yFound = true
        }
        var index = 1
        while index < buffer.chars.count {
            if buffer.chars[index] == "y" && vowels.contains(buffer.chars[index - 1]) {
                buffer.chars[index] = "Y"
                yFound = true
            }
            index += 1
        }
        return yFound
    }

    /// R1 starts after the first non-vowel following a vowel (or after one of the listed prefixes); R2 is the
    /// same rule applied again from R1.
    private static func markRegions(_ buffer: SnowballBuffer) -> Regions {
        var buffer = buffer
        var regions = Regions(p1: buffer.limit, p2: buffer.limit)
        buffer.cursor = 0
        if let prefix = regionPrefixes.first(where: { buffer.hasPrefix($0) }) {
            buffer.cursor = prefix.count
        } else {
            guard buffer.goPast(vowels), buffer.goPastNon(vowels) else { return regions }
        }
        regions.p1 = buffer.cursor
        guard buffer.goPast(vowels), buffer.goPastNon(vowels) else { return regions }
        regions.p2 = buffer.cursor
        return regions
    }

    /// A short syllable before the cursor: non-vowel (not w, x, Y), vowel, non-vowel; or vowel then non-vowel at
    /// the start of the word; or `past`.
    private static func shortSyllable(_ buffer: inout SnowballBuffer) -> Bool {
        let start = buffer.cursor
        if buffer.outGroupingB(vowelsWXY), buffer.inGroupingB(vowels), buffer.outGroupingB(vowels) {
            return true
        }
        buffer.cursor = start
        if buffer.outGroupingB(vowels), buffer.inGroupingB(vowels), buffer.cursor <= buffer.limitBackward {
            return true
        }
        buffer.cursor = start
        return buffer.eqB("past")
    }

    // MARK: Steps

    /// Step 1a: possessive apostrophes, then -sses, -ied/-ies and plural -s.
    private static func step1a(_ buffer: inout SnowballBuffer) {
        buffer.ket = buffer.cursor
        if buffer.findAmongB(apostropheSuffixes) != 0 {
            buffer.bra = buffer.cursor
            buffer.sliceDelete()
        }
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(step1aSuffixes)
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        switch result {
        case 1:
            buffer.sliceFrom("ss")
        case 2:
            // ties -> tie but cries -> cri: "i" only when more than one letter precedes.
            buffer.sliceFrom(buffer.cursor >= 2 ? "i" : "ie")
        case 3:
            // Plural -s goes when a vowel occurs before the letter preceding it (gas, this stay).
            guard buffer.hopB(), buffer.goPastB(vowels) else { return }
            buffer.sliceDelete()
        default:
            break
        }
    }

    /// Step 1b: -eed/-eedly in R1 become -ee; -ed/-edly/-ing/-ingly go after a vowel, with the ending then
    /// restored (-at, -bl, -iz gain e; doubles are undoubled; short words gain e).
    private static func step1b(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        buffer.ket = buffer.cursor
        var result = buffer.findAmongB(step1bSuffixes)
        buffer.bra = buffer.cursor
        let suffixStart = buffer.cursor
        switch result {
        case 1:
            guard buffer.cursor >= regions.p1 else { return }
            if buffer.findAmongB(step1bExceptions) != 0 && buffer.cursor <= buffer.limitBackward { return }
            buffer.cursor = suffixStart
            buffer.sliceFrom("ee")
            return
        case 2:
            break
        case 3:
            result = buffer.findAmongB(ingExceptions)
            if result == 1 {
                // dying -> die, lying -> lie.
                let beforeY = buffer.cursor
                if buffer.outGroupingB(vowels) && buffer.cursor <= buffer.limitBackward {
                    buffer.cursor = beforeY
                    buffer.bra = buffer.cursor
                    buffer.sliceFrom("ie")
                    return
                }
            } else if result == 2 && buffer.cursor <= buffer.limitBackward {
                // inning, outing, canning ... stay.
                return
            }
        default:
            return
        }

        buffer.cursor = suffixStart
        guard buffer.goPastB(vowels) else { return }
        buffer.cursor = suffixStart
        buffer.sliceDelete()
        buffer.ket = buffer.cursor
        buffer.bra = buffer.cursor
        let end = buffer.cursor
        switch buffer.findAmongB(step1bEndings) {
        case 1:
            buffer.sliceFrom("e")
            return
        case 2:
            if buffer.inGroupingB(aeo) && buffer.cursor <= buffer.limitBackward { return }
        default:
            guard buffer.cursor == regions.p1, shortSyllable(&buffer) else { return }
            buffer.cursor = end
            buffer.sliceFrom("e")
            return
        }
        buffer.cursor = end
        buffer.ket = buffer.cursor
        guard buffer.hopB() else { return }
        buffer.bra = buffer.cursor
        buffer.sliceDelete()
    }

    /// Step 1c: final y or Y after a non-vowel that is not the first letter becomes i.
    private static func step1c(_ buffer: inout SnowballBuffer) {
        buffer.ket = buffer.cursor
        guard buffer.eqB("y") || buffer.eqB("Y") else { return }
        buffer.bra = buffer.cursor
        guard buffer.outGroupingB(vowels), buffer.cursor > buffer.limitBackward else { return }
        buffer.sliceFrom("i")
    }

    /// Step 2: derivational suffixes in R1 (-ational -> -ate, -ousness -> -ous, -li after a valid li-ending ...).
    private static func step2(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(step2Suffixes)
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        guard buffer.cursor >= regions.p1 else { return }
        switch result {
        case 14:
            // -ogi -> -og only after l.
            guard buffer.eqB("l") else { return }
            buffer.sliceFrom("og")
        case 16:
            guard buffer.inGroupingB(validLI) else { return }
            buffer.sliceDelete()
        default:
            buffer.sliceFrom(step2Replacements[result]!)
        }
    }

    /// Step 3: more derivational suffixes in R1; -ative only in R2.
    private static func step3(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(step3Suffixes)
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        guard buffer.cursor >= regions.p1 else { return }
        switch result {
        case 1: buffer.sliceFrom("tion")
        case 2: buffer.sliceFrom("ate")
        case 3: buffer.sliceFrom("al")
        case 4: buffer.sliceFrom("ic")
        case 5: buffer.sliceDelete()
        default:
            guard buffer.cursor >= regions.p2 else { return }
            buffer.sliceDelete()
        }
    }

    /// Step 4: suffixes deleted in R2; -ion only after s or t.
    private static func step4(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        buffer.ket = buffer.cursor
        let result = buffer.findAmongB(step4Suffixes)
        guard result != 0 else { return }
        buffer.bra = buffer.cursor
        guard buffer.cursor >= regions.p2 else { return }
        if result == 2 {
            guard buffer.eqB("s") || buffer.eqB("t") else { return }
        }
        buffer.sliceDelete()
    }

    /// Step 5: final e in R2, or in R1 unless after a short syllable; final l in R2 after l.
    private static func step5(_ buffer: inout SnowballBuffer, _ regions: Regions) {
        buffer.ket = buffer.cursor
        if buffer.eqB("e") {
            buffer.bra = buffer.cursor
            if buffer.cursor < regions.p2 {
                guard buffer.cursor >= regions.p1 else { return }
                let start = buffer.cursor
                if shortSyllable(&buffer) { return }
                buffer.cursor = start
            }
            buffer.sliceDelete()
        } else if buffer.eqB("l") {
            buffer.bra = buffer.cursor
            guard buffer.cursor >= regions.p2, buffer.eqB("l") else { return }
            buffer.sliceDelete()
        }
    }
}

extension SnowballBuffer {
    /// True when the word starts with `prefix` (a forward literal test at the start).
    fileprivate func hasPrefix(_ prefix: [Unicode.Scalar]) -> Bool {
        guard prefix.count <= chars.count else { return false }
        for index in prefix.indices where chars[index] != prefix[index] {
            return false
        }
        return true
    }
}
