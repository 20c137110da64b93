import Foundation
import NeuvoLanguage

/// One searchable text of a document, e.g. a unit's Swedish name.
struct IndexField: Sendable {
    let text: String
    let language: Language
    /// Names weigh 1; search words and descriptions less.
    let weight: Double
}

/// A text match of a query against one document.
struct TextHit: Sendable {
    let document: Int
    /// 0...1: how much of the query the best field covers (weighted by match quality and rarity), nudged up when the
    /// field itself is fully covered, so "Uimahalli" beats "Uima-altaat, hallit ja kylpylät" for "uimahalli".
    let score: Double
}

/// An in-memory inverted index over short multilingual names, tolerant of inflection, compounds and typos.
///
/// Every field token is indexed by its folded form (diacritics removed) and by its Snowball stem in the field's
/// language. A query token is looked up as written (folded), by its stems in all three languages (the query's
/// language is often unknown or mixed), as the head of a compound ("kirjasto" finds "keskustakirjasto"), and when
/// nothing matches, as a prefix ("kirjas") or a typo (trigram candidates verified by edit distance).
struct TextIndex: Sendable {
    struct Posting: Sendable {
        let document: Int32
        let field: Int32
        let position: Int32
    }

    private struct FieldInfo: Sendable {
        let document: Int32
        let tokenCount: Int
        let weight: Double
    }

    private var termIDs: [String: Int32] = [:]
    private var stemIDs: [String: Int32] = [:]
    private var postings: [[Posting]] = []
    private var termTexts: [String] = []
    private var fields: [FieldInfo] = []
    /// Suffixes and prefixes of words and stems (at least four letters, the rest at least three) → term ids.
    private var suffixes: [String: [Int32]] = [:]
    private var prefixes: [String: [Int32]] = [:]
    /// Trigrams of word terms → term ids, for typo candidates.
    private var trigrams: [String: [Int32]] = [:]
    let documentCount: Int

    static let stemmers: [(Language, any Stemmer)] = Language.allCases.map { ($0, $0.stemmer) }

    init(documents: [[IndexField]]) {
        documentCount = documents.count
        var seenCompoundTerms = Set<Int32>()
        for (documentIndex, documentFields) in documents.enumerated() {
            for field in documentFields {
                let tokens = TextNormalizer.tokenize(field.text).filter {
                    !$0.isNumber && !Stopwords.contains($0.folded)
                }
                guard !tokens.isEmpty, tokens.count < 64 else { continue }
                let fieldID = Int32(fields.count)
                fields.append(FieldInfo(document: Int32(documentIndex), tokenCount: tokens.count, weight: field.weight))
                let stemmer = field.language.stemmer
                for (position, token) in tokens.enumerated() {
                    let posting = Posting(document: Int32(documentIndex), field: fieldID, position: Int32(position))
                    let word = intern(token.folded, stem: false)
                    postings[Int(word)].append(posting)
                    let stem = Self.stem(token.text, stemmer: stemmer, language: field.language)
                    let stemID = intern(stem, stem: true)
                    postings[Int(stemID)].append(posting)
                    for term in [word, stemID] where seenCompoundTerms.insert(term).inserted {
                        addParts(of: term)
                    }
                }
            }
        }
        for (text, id) in termIDs {
            for gram in Self.trigrams(of: text) {
                trigrams[gram, default: []].append(id)
            }
        }
        // Drop duplicates (a term can appear twice in one field), so document frequency stays honest.
        for index in postings.indices {
            var last: (Int32, Int32, Int32)? = nil
            postings[index] = postings[index].filter { posting in
                defer { last = (posting.document, posting.field, posting.position) }
                return !(last.map { $0 == (posting.document, posting.field, posting.position) } ?? false)
            }
        }
    }

    private mutating func intern(_ text: String, stem: Bool) -> Int32 {
        if let id = stem ? stemIDs[text] : termIDs[text] { return id }
        let id = Int32(postings.count)
        if stem { stemIDs[text] = id } else { termIDs[text] = id }
        postings.append([])
        termTexts.append(text)
        return id
    }

    private mutating func addParts(of term: Int32) {
        let characters = Array(termTexts[Int(term)])
        guard characters.count >= 7 else { return }
        for split in 3...(characters.count - 4) {
            suffixes[String(characters[split...]), default: []].append(term)
        }
        for split in 4...(characters.count - 3) {
            prefixes[String(characters[..<split]), default: []].append(term)
        }
    }

    /// The folded Snowball stem; Finnish stems also get their final consonants in the strong grade, because
    /// Snowball leaves gradation alone ("päiväkodin" → "päiväkod", "päiväkoti" → "päiväkot").
    static func stem(_ word: String, stemmer: any Stemmer, language: Language) -> String {
        let stem = TextNormalizer.foldDiacritics(stemmer.stem(word))
        guard language == .fi, stem.count >= 4 else { return stem }
        for (weak, strong) in gradation where stem.hasSuffix(weak) {
            let body = stem.dropLast(weak.count)
            if weak == "d", let before = body.last, !"aeiouyh".contains(before) { break }
            return body + strong
        }
        return stem
    }

    /// Weak → strong grade of a stem's final consonants.
    private static let gradation: [(String, String)] = [
        ("nn", "nt"), ("mm", "mp"), ("ng", "nk"), ("rr", "rt"), ("ll", "lt"), ("d", "t"),
    ]

    static func trigrams(of word: String) -> Set<String> {
        let characters = Array("#" + word + "#")
        guard characters.count >= 3 else { return [] }
        return Set((0...(characters.count - 3)).map { String(characters[$0..<($0 + 3)]) })
    }

    // MARK: Query

    /// Query tokens: normalised, stopwords removed, numbers kept out (postal codes are handled apart).
    static func queryTokens(_ text: String) -> [Token] {
        TextNormalizer.tokenize(text).filter { !$0.isNumber && !Stopwords.contains($0.folded) }
    }

    /// Terms a query token matches, with a quality weight: exact 1, stem 0.9, compound head 0.75, typo 0.7,
    /// prefix 0.5.
    func matches(for token: Token) -> [(term: Int32, weight: Double)] {
        var found: [Int32: Double] = [:]
        func add(_ term: Int32?, _ weight: Double) {
            guard let term else { return }
            if weight > found[term] ?? 0 { found[term] = weight }
        }
        let folded = token.folded
        add(termIDs[folded], 1)
        var stems: [String] = []
        for (language, stemmer) in Self.stemmers {
            let stem = Self.stem(token.text, stemmer: stemmer, language: language)
            if !stems.contains(stem) { stems.append(stem) }
        }
        for stem in stems {
            add(stemIDs[stem], 0.9)
            add(termIDs[stem], 0.9)
        }
        let direct = !found.isEmpty
        if folded.count >= 4 {
            for key in [folded] + stems where key.count >= 4 {
                for term in suffixes[key] ?? [] { add(term, 0.75) }
            }
        }
        if !direct && folded.count >= 4 {
            for term in typoCandidates(folded) { add(term, 0.7) }
            for key in [folded] + stems where key.count >= 4 {
                for term in prefixes[key] ?? [] { add(term, 0.5) }
            }
        }
        return found.map { ($0.key, $0.value) }
    }

    private func typoCandidates(_ word: String) -> [Int32] {
        let grams = Self.trigrams(of: word)
        let maxEdits = word.count >= 8 ? 2 : 1
        let needed = max(1, grams.count - 3 * maxEdits)
        var counts: [Int32: Int] = [:]
        for gram in grams {
            for term in trigrams[gram] ?? [] { counts[term, default: 0] += 1 }
        }
        let target = Array(word.unicodeScalars)
        return counts.compactMap { term, count in
            guard count >= needed else { return nil }
            let candidate = Array(termTexts[Int(term)].unicodeScalars)
            guard abs(candidate.count - target.count) <= maxEdits, candidate.count >= 4 else { return nil }
            return Self.editDistance(target, candidate, limit: maxEdits) <= maxEdits ? term : nil
        }
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions), stopping early past `limit`.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            if rowMinimum > limit { return limit + 1 }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }

    private func idf(_ term: Int32) -> Double {
        let frequency = Double(postings[Int(term)].count)
        return log(1 + Double(max(documentCount, 1)) / max(frequency, 1))
    }

    /// Documents matching the query tokens, best first.
    func search(_ tokens: [Token], limit: Int = .max) -> [TextHit] {
        guard !tokens.isEmpty else { return [] }
        let tokens = Array(tokens.prefix(16))
        struct Accumulator {
            var weights: [Double]
            var positions: UInt64 = 0
        }
        var perField: [Int32: Accumulator] = [:]
        var tokenIDF = [Double](repeating: 0, count: tokens.count)
        for (index, token) in tokens.enumerated() {
            let matches = matches(for: token)
            var best = 0.0
            for (term, weight) in matches {
                best = max(best, idf(term) * weight)
                for posting in postings[Int(term)] {
                    var accumulator =
                        perField[posting.field] ?? Accumulator(weights: [Double](repeating: 0, count: tokens.count))
                    if weight > accumulator.weights[index] { accumulator.weights[index] = weight }
                    accumulator.positions |= 1 << UInt64(posting.position)
                    perField[posting.field] = accumulator
                }
            }
            // An unmatched word still counts, as an average one, so partial matches rank below complete ones.
            tokenIDF[index] = matches.isEmpty ? log(1 + Double(max(documentCount, 1)) / 3) : best / 1
        }
        let totalIDF = tokenIDF.reduce(0, +)
        guard totalIDF > 0 else { return [] }
        var bestByDocument: [Int32: Double] = [:]
        for (fieldID, accumulator) in perField {
            let field = fields[Int(fieldID)]
            var covered = 0.0
            for index in tokens.indices { covered += accumulator.weights[index] * tokenIDF[index] }
            let fieldCoverage = Double(accumulator.positions.nonzeroBitCount) / Double(field.tokenCount)
            let score = covered / totalIDF * (0.8 + 0.2 * min(fieldCoverage, 1)) * field.weight
            if score > bestByDocument[field.document] ?? 0 { bestByDocument[field.document] = score }
        }
        let hits = bestByDocument.map { TextHit(document: Int($0.key), score: $0.value) }
        return hits.sorted { $0.score > $1.score || ($0.score == $1.score && $0.document < $1.document) }
            .prefix(limit).map { $0 }
    }
}

/// Words that carry no meaning for a registry search, folded, in the three languages.
enum Stopwords {
    static func contains(_ folded: String) -> Bool { words.contains(folded) }

    private static let words: Set<String> = [
        // fi
        "ja", "tai", "on", "ovat", "missa", "mista", "mihin", "mika", "mitka", "mita", "onko", "lahin", "lahimpana",
        "lahimman", "lahiin", "lahella", "loydan", "etsin", "haluan", "tarvitsen", "kerro", "kertoa", "minun", "mun",
        "ma", "mina", "sijaitsee", "osoite", "osoitteen", "ei", "se", "sen", "ne", "nyt", "kiitos", "hei", "moi",
        "voinko", "voiko", "pitaa", "olla", "paras", "joku", "jokin", "kaikki", "sekä", "seka", "eli",
        // sv
        "och", "eller", "i", "pa", "av", "for", "till", "fran", "med", "den", "det", "en", "ett", "var", "finns",
        "narmaste", "narmast", "nara", "jag", "vill", "hittar", "hitta", "soker", "adress", "ar", "som", "hej", "tack",
        "kan", "min", "mitt", "vilken", "vilka",
        // en
        "the", "a", "an", "and", "or", "of", "in", "at", "on", "to", "for", "from", "with", "where", "is", "are",
        "nearest", "near", "closest", "find", "i", "want", "need", "my", "me", "please", "address", "what", "which",
        "there", "any", "can", "hi", "hello", "thanks", "by", "no",
    ]
}

// MARK: Persistence

extension TextIndex {
    func write(to writer: inout BinaryWriter) {
        writer.int(documentCount)
        writer.array(termTexts) { $0.string($1) }
        var isStem = [Bool](repeating: false, count: termTexts.count)
        for id in stemIDs.values { isStem[Int(id)] = true }
        writer.array(isStem) { $0.bool($1) }
        writer.array(postings) { writer, postings in
            writer.int(postings.count)
            for posting in postings {
                writer.int32(posting.document)
                writer.int32(posting.field)
                writer.int32(posting.position)
            }
        }
        writer.array(fields) { writer, field in
            writer.int32(field.document)
            writer.int(field.tokenCount)
            writer.double(field.weight)
        }
        for table in [suffixes, prefixes, trigrams] {
            writer.array(Array(table)) { writer, entry in
                writer.string(entry.key)
                writer.int32s(entry.value)
            }
        }
    }

    init(from reader: inout BinaryReader) throws {
        documentCount = try reader.int()
        termTexts = try reader.array { try $0.string() }
        let isStem = try reader.array { try $0.bool() }
        guard isStem.count == termTexts.count else { throw BinaryReadError("term kinds") }
        for (id, text) in termTexts.enumerated() {
            if isStem[id] { stemIDs[text] = Int32(id) } else { termIDs[text] = Int32(id) }
        }
        postings = try reader.array { reader in
            try reader.array { reader in
                Posting(document: try reader.int32(), field: try reader.int32(), position: try reader.int32())
            }
        }
        guard postings.count == termTexts.count else { throw BinaryReadError("postings") }
        fields = try reader.array { reader in
            FieldInfo(document: try reader.int32(), tokenCount: try reader.int(), weight: try reader.double())
        }
        var tables: [[String: [Int32]]] = []
        for _ in 0..<3 {
            let entries = try reader.array { reader in (try reader.string(), try reader.int32s()) }
            tables.append(Dictionary(entries, uniquingKeysWith: { first, _ in first }))
        }
        (suffixes, prefixes, trigrams) = (tables[0], tables[1], tables[2])
        let terms = Int32(termTexts.count)
        let documents = Int32(documentCount)
        let fieldCount = Int32(fields.count)
        // Ids out of range would crash a search: refuse them here.
        for list in postings {
            for posting in list
            where !(0..<documents).contains(posting.document) || !(0..<fieldCount).contains(posting.field)
                || !(0..<64).contains(posting.position)
            {
                throw BinaryReadError("posting out of range")
            }
        }
        for table in tables {
            for ids in table.values where ids.contains(where: { !(0..<terms).contains($0) }) {
                throw BinaryReadError("term out of range")
            }
        }
        for field in fields where !(0..<documents).contains(field.document) {
            throw BinaryReadError("field out of range")
        }
    }
}
