import Foundation

/// A named thing the registry knows: a district, a unit or a service, with its names in any language.
public struct GazetteerEntry: Sendable, Hashable {
    public let kind: EntityKind
    public let id: String
    public let names: [String]

    public init(kind: EntityKind, id: String, names: [String]) {
        self.kind = kind
        self.id = id
        self.names = names
    }
}

/// Names the extractor recognises, matched case-insensitively, without diacritics ("toolo" → Töölö) and with Finnish
/// and Swedish endings on the last word ("Kalliossa", "Vuosaaressa", "Malmin terveysasemalla", "Berghälls").
///
/// Each name's last word gets a few stems (the word itself, "i" → "e" as in Vuosaari → Vuosaare-, consonant gradation
/// as in Kamppi → Kampi-, Ruoholahti → Ruoholahde-, "-nen" → "-se-"/"-si-", "-s" → "-kse-"), and an input word
/// matches when it is a stem plus a known ending. Ranking: longer span, then exact diacritics, then longer stem.
public struct Gazetteer: Sendable {
    public static let empty = Gazetteer([])

    public let entries: [GazetteerEntry]
    /// Patterns by the first three folded letters of their first word.
    private let index: [String: [Pattern]]

    /// A class, so that scanning a bucket retains one reference instead of copying five arrays and strings.
    final class Pattern: Sendable {
        let entry: Int
        /// Lowercased words before the last one, which must match as written or folded.
        let leading: [String]
        let leadingFolded: [String]
        /// Lowercased stems of the last word, longest first, and the same folded.
        let stems: [String]
        let stemsFolded: [String]
        let lastWord: String

        init(
            entry: Int, leading: [String], leadingFolded: [String], stems: [String], stemsFolded: [String],
            lastWord: String
        ) {
            self.entry = entry
            self.leading = leading
            self.leadingFolded = leadingFolded
            self.stems = stems
            self.stemsFolded = stemsFolded
            self.lastWord = lastWord
        }
    }

    public init(_ entries: [GazetteerEntry]) {
        self.entries = entries
        var index: [String: [Pattern]] = [:]
        for (entryIndex, entry) in entries.enumerated() {
            for name in entry.names {
                let words = EntityTokenizer.tokenize(Array(name)).map(\.lower)
                guard let lastWord = words.last else { continue }
                let leading = Array(words.dropLast())
                let stems = Gazetteer.stems(of: lastWord)
                let pattern = Pattern(
                    entry: entryIndex, leading: leading, leadingFolded: leading.map(TextNormalizer.foldDiacritics),
                    stems: stems, stemsFolded: stems.map(TextNormalizer.foldDiacritics), lastWord: lastWord)
                let key = Gazetteer.key(TextNormalizer.foldDiacritics(words[0]))
                index[key, default: []].append(pattern)
            }
        }
        self.index = index
    }

    private static func key(_ folded: String) -> String {
        String(folded.prefix(3))
    }

    // MARK: Inflection

    private static let vowels: Set<Character> = ["a", "e", "i", "o", "u", "y", "ä", "ö", "å"]
    /// Finnish consonant gradation, strong → weak, for the consonants before a stem's final vowel.
    private static let gradation: [(String, String)] = [
        ("kk", "k"), ("pp", "p"), ("tt", "t"), ("nk", "ng"), ("mp", "mm"), ("lt", "ll"), ("nt", "nn"),
        ("rt", "rr"), ("ht", "hd"), ("k", ""), ("p", "v"), ("t", "d"),
    ]

    /// Stems an inflected form of `word` may start with. Short words (under four letters) get none but themselves,
    /// which keeps a name like "Ala" from matching "alas".
    static func stems(of word: String) -> [String] {
        var stems: [String] = [word]
        guard word.count >= 4 else { return stems }
        var vowelStems: [String] = []
        if word.hasSuffix("nen") {
            let base = String(word.dropLast(3))
            vowelStems += [base + "se", base + "si"]
        } else if word.hasSuffix("s"), let beforeS = word.dropLast().last, vowels.contains(beforeS) {
            vowelStems.append(String(word.dropLast()) + "kse")
        } else if word.hasSuffix("i") {
            vowelStems += [word, String(word.dropLast()) + "e"]
        } else if let last = word.last, vowels.contains(last) {
            vowelStems.append(word)
        }
        for stem in vowelStems {
            if !stems.contains(stem) { stems.append(stem) }
            let final = stem.last!
            let body = String(stem.dropLast())
            for (strong, weak) in gradation where body.hasSuffix(strong) {
                // A single k/p/t grades only after a vowel or h/l/r ("haka" → "haa"), not inside "nk"/"sk".
                if strong.count == 1, let before = body.dropLast().last,
                    !(vowels.contains(before) || "hlr".contains(before))
                {
                    break
                }
                let weakStem = String(body.dropLast(strong.count)) + weak + String(final)
                if weakStem.count >= 3 && !stems.contains(weakStem) { stems.append(weakStem) }
                break
            }
        }
        return stems.sorted { $0.count > $1.count }
    }

    /// Finnish case endings (folded), Swedish genitive and definite endings, and English "'s".
    private static let caseEndings: Set<String> = [
        "", "n", "a", "ta", "na", "ssa", "sta", "lla", "lta", "lle", "ksi", "tta", "ineen", "issa", "ista", "illa",
        "ilta", "ille", "ihin", "iin", "in", "an", "en", "on", "un", "yn", "hin", "han", "hen", "hon", "seen", "aan",
        "een", "oon", "uun", "yyn", "s", "et", "'s", "s'",
    ]
    /// Finnish clitics that may follow a case ending ("Kalliossakin", "Töölössäkö").
    private static let clitics = ["", "kin", "kaan", "ko", "han", "pa"]

    private static func isEnding(_ remainder: Substring) -> Bool {
        guard !remainder.isEmpty else { return true }
        var ending = Substring(TextNormalizer.foldDiacritics(String(remainder)))
        if ending.first == ":" || ending.first == "-" { ending = ending.dropFirst() }  // "HUS:n", "Oodi-kirjasto"
        guard ending.count <= 9 else { return false }
        for clitic in clitics where ending.hasSuffix(clitic) {
            if caseEndings.contains(String(ending.dropLast(clitic.count))) { return true }
        }
        return false
    }

    // MARK: Matching

    /// All names starting at each token, ranked for overlap resolution.
    func matches(_ tokens: [EntityToken]) -> [EntityCandidate] {
        guard !index.isEmpty else { return [] }
        var found: [EntityCandidate] = []
        for start in tokens.indices {
            guard let patterns = index[Gazetteer.key(tokens[start].folded)] else { continue }
            for pattern in patterns {
                if let candidate = match(pattern, tokens, at: start) { found.append(candidate) }
            }
        }
        return found
    }

    private func match(_ pattern: Pattern, _ tokens: [EntityToken], at start: Int) -> EntityCandidate? {
        var exact = true
        for (offset, word) in pattern.leading.enumerated() {
            guard let token = tokens.token(start + offset), token.kind != .symbol || token.text == word else {
                return nil
            }
            if token.lower != word {
                guard token.folded == pattern.leadingFolded[offset] else { return nil }
                exact = false
            }
        }
        let lastIndex = start + pattern.leading.count
        guard let token = tokens.token(lastIndex) else { return nil }
        var stemLength: Int?
        if token.lower == pattern.lastWord {
            stemLength = token.lower.count + 1  // Uninflected beats any stem.
        } else {
            for (stem, folded) in zip(pattern.stems, pattern.stemsFolded) {
                if token.lower.hasPrefix(stem) && Gazetteer.isEnding(token.lower.dropFirst(stem.count)) {
                    stemLength = stem.count
                    break
                }
                if token.folded.hasPrefix(folded) && Gazetteer.isEnding(token.folded.dropFirst(folded.count)) {
                    stemLength = folded.count
                    exact = false
                    break
                }
            }
        }
        guard let stemLength else { return nil }
        let entry = entries[pattern.entry]
        // Quality: exact diacritics first, then the longer stem (less guessed ending), then the earlier entry.
        let quality = (exact ? 0 : 1_000_000) - stemLength * 1000 + min(pattern.entry, 999)
        return EntityCandidate(
            kind: entry.kind, value: entry.id, first: start, last: lastIndex, priority: 3, quality: quality)
    }
}
