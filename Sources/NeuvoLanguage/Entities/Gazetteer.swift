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
    public static let empty = Gazetteer([GazetteerEntry]())

    public let entries: [GazetteerEntry]
    /// Names of one word by the first three folded letters: an input word matches them by a stem plus an ending, so
    /// only its beginning is known.
    private let byPrefix: [String: [Pattern]]
    /// Names of several words by their first word, folded, which an input word must equal (as written or folded),
    /// and the first two folded letters of their second word, which every stem of it keeps: at city scale hundreds
    /// of unit names share a first word ("Kallion ..."), few the beginning of the next one too.
    private let byFirstWords: [String: [Pattern]]

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
        /// Position among all patterns: candidates are produced in this order whichever bucket holds them.
        let order: Int
        /// The bucket's key (see `byPrefix` and `byFirstWords`).
        let key: String

        init(
            entry: Int, leading: [String], leadingFolded: [String], stems: [String], stemsFolded: [String],
            lastWord: String, order: Int, key: String
        ) {
            self.entry = entry
            self.leading = leading
            self.leadingFolded = leadingFolded
            self.stems = stems
            self.stemsFolded = stemsFolded
            self.lastWord = lastWord
            self.order = order
            self.key = key
        }
    }

    public init(_ entries: [GazetteerEntry]) {
        var patterns: [Pattern] = []
        for (entryIndex, entry) in entries.enumerated() {
            for name in entry.names {
                let words = EntityTokenizer.tokenize(Array(name)).map(\.lower)
                guard let lastWord = words.last else { continue }
                let leading = Array(words.dropLast())
                let leadingFolded = leading.map(TextNormalizer.foldDiacritics)
                let stems = Gazetteer.stems(of: lastWord)
                let stemsFolded = stems.map(TextNormalizer.foldDiacritics)
                let key: String
                if let first = leadingFolded.first {
                    // What every form of the second word an input may have starts with: the word as written when
                    // it is a leading one, else the common beginning of the last word and its stems.
                    let forms =
                        leadingFolded.count > 1
                        ? [leadingFolded[1]] : [TextNormalizer.foldDiacritics(lastWord)] + stemsFolded
                    key = Gazetteer.key(first: first, next: Gazetteer.commonPrefix(forms, limit: 2))
                } else {
                    key = Gazetteer.key(TextNormalizer.foldDiacritics(lastWord))
                }
                // Equal lists share one storage (most names have no diacritics to fold).
                patterns.append(
                    Pattern(
                        entry: entryIndex, leading: leading,
                        leadingFolded: leadingFolded == leading ? leading : leadingFolded, stems: stems,
                        stemsFolded: stemsFolded == stems ? stems : stemsFolded, lastWord: lastWord,
                        order: patterns.count, key: key))
            }
        }
        self.init(entries: entries, patterns: patterns)
    }

    private init(entries: [GazetteerEntry], patterns: [Pattern]) {
        self.entries = entries
        var byPrefix: [String: [Pattern]] = [:]
        var byFirstWords: [String: [Pattern]] = [:]
        for pattern in patterns {
            if pattern.leading.isEmpty {
                byPrefix[pattern.key, default: []].append(pattern)
            } else {
                byFirstWords[pattern.key, default: []].append(pattern)
            }
        }
        self.byPrefix = byPrefix
        self.byFirstWords = byFirstWords
    }

    private static func key(_ folded: String) -> String {
        String(folded.prefix(3))
    }

    /// A name of several words is found by its first word and up to two letters that begin every form of the next.
    private static func key(first: String, next: Substring) -> String {
        first + " " + next
    }

    private static func commonPrefix(_ words: [String], limit: Int) -> Substring {
        var prefix = words[0].prefix(limit)
        for word in words.dropFirst() {
            while !word.hasPrefix(prefix) { prefix = prefix.dropLast() }
        }
        return prefix
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
        guard !byPrefix.isEmpty || !byFirstWords.isEmpty else { return [] }
        var found: [EntityCandidate] = []
        for start in tokens.indices {
            let single = byPrefix[Gazetteer.key(tokens[start].folded)] ?? []
            var several: [Pattern] = []
            if let next = tokens.token(start + 1) {
                // Patterns keyed by two, one or no letters of their second word may all match this next word.
                var lookedUp = Set<Substring>()
                var buckets = 0
                for length in [2, 1, 0] where lookedUp.insert(next.folded.prefix(length)).inserted {
                    let key = Gazetteer.key(first: tokens[start].folded, next: next.folded.prefix(length))
                    guard let bucket = byFirstWords[key] else { continue }
                    several += bucket
                    buckets += 1
                }
                if buckets > 1 { several.sort { $0.order < $1.order } }
            }
            // Both buckets are in pattern order; merged, candidates come in the order one bucket gave them before.
            var (i, j) = (0, 0)
            while i < single.count || j < several.count {
                let pattern: Pattern
                if j == several.count || (i < single.count && single[i].order < several[j].order) {
                    pattern = single[i]
                    i += 1
                } else {
                    pattern = several[j]
                    j += 1
                }
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

// MARK: Persistence

extension Gazetteer {
    /// The built gazetteer as bytes (`BinaryWriter`), so a start on unchanged names reads it instead of building it.
    /// Entries are kept by kind and id: matching needs no more, and at city scale their names are megabytes.
    public func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: 1 << 20)
        writer.array(entries) { writer, entry in
            writer.string(entry.kind.rawValue)
            writer.string(entry.id)
        }
        let patterns = (Array(byPrefix.values.joined()) + Array(byFirstWords.values.joined())).sorted {
            $0.order < $1.order
        }
        writer.array(patterns) { writer, pattern in
            writer.int(pattern.entry)
            writer.strings(pattern.leading)
            writer.strings(pattern.leadingFolded)
            writer.strings(pattern.stems)
            writer.strings(pattern.stemsFolded)
            writer.string(pattern.lastWord)
            writer.string(pattern.key)
        }
        return writer.bytes
    }

    /// Reads what `encoded()` wrote, finding what the encoded gazetteer found; its `entries` have no names. Throws on
    /// anything else, and the caller builds the gazetteer instead.
    public init(encoded bytes: [UInt8]) throws {
        var reader = BinaryReader(bytes)
        // Words repeat across hundreds of names ("kirjasto", "Kallion"): each distinct one is stored once, and a
        // folded list equal to the written one shares its storage. At city scale this is a third of the memory.
        var interned: [String: String] = [:]
        func strings(_ reader: inout BinaryReader) throws -> [String] {
            try reader.array { reader in
                let word = try reader.string()
                if let known = interned[word] { return known }
                interned[word] = word
                return word
            }
        }
        let entries = try reader.array { reader in
            guard let kind = EntityKind(rawValue: try reader.string()) else { throw BinaryReadError("bad kind") }
            return GazetteerEntry(kind: kind, id: try reader.string(), names: [])
        }
        var order = 0
        let patterns = try reader.array { reader in
            let entry = try reader.int()
            guard (0..<entries.count).contains(entry) else { throw BinaryReadError("entry out of range") }
            let leading = try strings(&reader)
            let leadingFolded = try strings(&reader)
            let stems = try strings(&reader)
            let stemsFolded = try strings(&reader)
            let lastWord = try reader.string()
            let key = try reader.string()
            guard leading.count == leadingFolded.count, stems.count == stemsFolded.count else {
                throw BinaryReadError("pattern")
            }
            defer { order += 1 }
            return Pattern(
                entry: entry, leading: leading, leadingFolded: leadingFolded == leading ? leading : leadingFolded,
                stems: stems, stemsFolded: stemsFolded == stems ? stems : stemsFolded,
                lastWord: interned[lastWord] ?? lastWord, order: order, key: key)
        }
        guard reader.isAtEnd else { throw BinaryReadError("trailing bytes") }
        self.init(entries: entries, patterns: patterns)
    }
}
