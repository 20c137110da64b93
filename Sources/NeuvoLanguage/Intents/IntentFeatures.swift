import Foundation

/// Which views of an utterance become features, and how they are weighted.
public struct IntentFeatureOptions: Sendable, Hashable, Codable {
    /// Character n-gram lengths inside each word, with word-boundary markers (`<kodissa>`): they catch
    /// Finnish inflection, consonant gradation and compound parts that whole words miss.
    public var characterNGrams: ClosedRange<Int> = 1...4
    public var wordBigrams: Bool = true
    public var wordTrigrams: Bool = false
    /// Bigrams with the start and end of the message ("<s> herätä"): imperatives lead.
    public var boundaryBigrams: Bool = true
    /// Snowball stems of each word; they keep a whole-word signal beside the character n-grams.
    public var stems: Bool = true
    /// Character n-grams and words from the diacritic-folded form (ä→a ö→o å→a), so "paivakoti" matches too.
    public var foldCharacters: Bool = true
    public var foldWords: Bool = false
    /// How a word with an inner apostrophe ("what's", "don't", "alarm's", "EU'n") enters the words view: as written
    /// and also as its parts, so "what's the weather" shares "what" with "what is the weather" and "the alarm's
    /// time" shares "alarm" with "the alarm".
    public var apostropheWords: ApostropheWords = .both
    /// Initialisms written letter by letter with periods ("b. b. c.", "p.m.", "s. v. t.") become one word ("bbc",
    /// "pm"), as they are when typed without periods.
    public var joinInitialisms: Bool = true
    /// Bigrams of consecutive stems, a view of their own: "set alarm" from "setting alarms", one pair from
    /// both "kirjastossa huomenna" and "kirjastoon huomenna", where word bigrams see different pairs.
    /// Their own view (normalised apart, at a lower weight), so they do not dilute the stems themselves.
    public var stemBigrams: Bool = true
    /// 1 + ln(tf) instead of raw counts.
    public var sublinearTF: Bool = true
    /// Each view is L2-normalised separately and then scaled by its weight.
    public var characterWeight: Double = 1
    public var wordWeight: Double = 1
    public var stemWeight: Double = 1
    public var stemBigramWeight: Double = 0.4

    public init() {}
}

/// How the words view treats a word with an inner apostrophe.
public enum ApostropheWords: String, Sendable, Hashable, Codable, CaseIterable {
    /// One word, as written: "what's".
    case whole
    /// The word as written, and the part before the apostrophe as another word outside the bigrams: "what's", "what".
    case head
    /// The parts take the word's place, in the bigrams too: "what", "'s".
    case parts
    /// The word as written in the bigrams, and its parts as words beside it: "what's", "what", "'s".
    case both
}

/// Feature keys are 64-bit FNV-1a hashes of the feature text (never Swift's per-process seeded `Hasher`, so
/// training is reproducible) with the view in the two low bits.
enum FeatureView: Int, CaseIterable {
    case characters = 0
    case words = 1
    case stems = 2
    case stemBigrams = 3

    @inline(__always) static func of(_ key: UInt64) -> FeatureView { FeatureView(rawValue: Int(key & 3))! }
}

struct IntentFeaturizer: Sendable {
    /// Chat messages are short: longer input is cut so a 100 kB paste costs no more than a long message.
    static let maximumScalars = 2_000
    static let maximumTokens = 200
    static let maximumWordScalars = 40

    let options: IntentFeatureOptions

    private static let fnvPrime: UInt64 = 0x0000_0100_0000_01B3
    private static let charBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let wordBasis: UInt64 = 0x84_222_325_CBF2_9CE4
    private static let bigramBasis: UInt64 = 0x9E37_79B9_7F4A_7C15
    private static let startBasis: UInt64 = 0x2545_F491_4F6C_DD1D
    private static let endBasis: UInt64 = 0x5851_F42D_4C95_7F2D
    private static let stemBasis: UInt64 = 0xD6E8_FEB8_6659_FD93
    private static let trigramBasis: UInt64 = 0x3C6E_F372_FE94_F82B
    private static let stemBigramBasis: UInt64 = 0x7F4A_7C15_9E37_79B9
    private static let startMarker: UInt32 = 0x02
    private static let endMarker: UInt32 = 0x03

    @inline(__always) private static func mix(_ hash: UInt64, _ value: UInt32) -> UInt64 {
        (hash ^ UInt64(value)) &* fnvPrime
    }

    /// splitmix64 finaliser: spreads FNV's weak low bits before the view tag goes there.
    @inline(__always) private static func finish(_ hash: UInt64, _ view: FeatureView) -> UInt64 {
        var z = hash
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (z << 2) | UInt64(view.rawValue)
    }

    /// "what's" → "what", "'s"; "rock'n'roll" → "rock", "'n", "'roll": the head, then each clitic with its apostrophe.
    static func apostropheParts(of word: String) -> [Substring] {
        var parts: [Substring] = []
        var start = word.startIndex
        var index = word.startIndex
        while index < word.endIndex {
            if word[index] == "'" && index > start {
                parts.append(word[start..<index])
                start = index
            }
            index = word.index(after: index)
        }
        if start < word.endIndex { parts.append(word[start...]) }
        return parts
    }

    private static func hashWord<S: StringProtocol>(_ word: S, basis: UInt64) -> UInt64 {
        var hash = basis
        for scalar in word.unicodeScalars.prefix(maximumWordScalars) { hash = mix(hash, scalar.value) }
        return hash
    }

    static func tokens(of text: String, joinInitialisms: Bool = false) -> [Token] {
        let clipped =
            text.unicodeScalars.count > maximumScalars
            ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(maximumScalars))) : text
        var tokens = TextNormalizer.tokenize(clipped)
        if joinInitialisms && clipped.utf8.contains(UInt8(ascii: ".")) {
            tokens = Self.joiningInitialisms(tokens, of: clipped)
        }
        return tokens.count > maximumTokens ? Array(tokens.prefix(maximumTokens)) : tokens
    }

    /// Two or more single letters in a row, each followed by a period, as one token of those letters: "b. b. c."
    /// and "p.m." are "bbc" and "pm". A lone "a." (a list item, an initial of a name) stays as it is.
    static func joiningInitialisms(_ tokens: [Token], of text: String) -> [Token] {
        // Only two single letters in a row can start one: most messages with a period are spared normalising the
        // text a second time to look at what follows each letter.
        func isLetter(_ token: Token) -> Bool { !token.isNumber && token.text.count == 1 }
        guard zip(tokens, tokens.dropFirst()).contains(where: { isLetter($0) && isLetter($1) }) else { return tokens }
        let characters = Array(TextNormalizer.normalize(text))
        func isInitial(_ token: Token) -> Bool {
            isLetter(token) && token.offset + 1 < characters.count
                && characters[token.offset + 1] == "."
        }
        var joined: [Token] = []
        joined.reserveCapacity(tokens.count)
        var index = 0
        while index < tokens.count {
            var end = index
            while end < tokens.count && isInitial(tokens[end]) { end += 1 }
            if end - index >= 2 {
                let letters = tokens[index..<end].map(\.text).joined()
                joined.append(
                    Token(
                        text: letters, folded: TextNormalizer.foldDiacritics(letters), offset: tokens[index].offset,
                        isNumber: false))
                index = end
            } else {
                joined.append(tokens[index])
                index += 1
            }
        }
        return joined
    }

    /// Appends the keys of every feature occurrence (repeats included) of the characters and words views.
    func appendSurfaceKeys(of tokens: [Token], to keys: inout [UInt64]) {
        let lowN = options.characterNGrams.lowerBound
        let highN = options.characterNGrams.upperBound
        var scalars: [UInt32] = []
        scalars.reserveCapacity(Self.maximumWordScalars + 2)
        var previousWord: UInt64? = nil
        var secondPreviousWord: UInt64? = nil
        for token in tokens {
            let charSource = options.foldCharacters ? token.folded : token.text
            if highN > 0 {
                scalars.removeAll(keepingCapacity: true)
                scalars.append(Self.startMarker)
                for scalar in charSource.unicodeScalars.prefix(Self.maximumWordScalars) { scalars.append(scalar.value) }
                scalars.append(Self.endMarker)
                let count = scalars.count
                for start in 0..<count {
                    var hash = Self.charBasis
                    var length = 0
                    while length < highN && start + length < count {
                        hash = Self.mix(hash, scalars[start + length])
                        length += 1
                        if length >= lowN {
                            // A lone boundary marker says nothing.
                            if length == 1 && (start == 0 || start == count - 1) { continue }
                            keys.append(Self.finish(hash, .characters))
                        }
                    }
                }
            }
            let wordText = options.foldWords ? token.folded : token.text
            let parts =
                options.apostropheWords == .whole || !wordText.utf8.contains(UInt8(ascii: "'"))
                ? [] : Self.apostropheParts(of: wordText)
            let chain: [Substring]
            switch options.apostropheWords {
            case .parts where !parts.isEmpty: chain = parts
            case .head where !parts.isEmpty:
                keys.append(Self.finish(Self.hashWord(parts[0], basis: Self.wordBasis), .words))
                chain = [wordText[...]]
            case .both where !parts.isEmpty:
                for part in parts { keys.append(Self.finish(Self.hashWord(part, basis: Self.wordBasis), .words)) }
                chain = [wordText[...]]
            default: chain = [wordText[...]]
            }
            for text in chain {
                let word = Self.hashWord(text, basis: Self.wordBasis)
                keys.append(Self.finish(word, .words))
                if options.wordBigrams, let previous = previousWord {
                    keys.append(Self.finish((previous &* 31) ^ word ^ Self.bigramBasis, .words))
                }
                if options.wordTrigrams, let previous = previousWord, let second = secondPreviousWord {
                    keys.append(Self.finish((((second &* 31) ^ previous) &* 31) ^ word ^ Self.trigramBasis, .words))
                }
                secondPreviousWord = previousWord
                previousWord = word
            }
        }
        if options.boundaryBigrams, let first = tokens.first, let last = previousWord {
            let firstWord = Self.hashWord(options.foldWords ? first.folded : first.text, basis: Self.wordBasis)
            keys.append(Self.finish(firstWord ^ Self.startBasis, .words))
            keys.append(Self.finish(last ^ Self.endBasis, .words))
        }
    }

    func appendStemKeys(of tokens: [Token], stemmer: any Stemmer, to keys: inout [UInt64]) {
        var previous: UInt64? = nil
        for token in tokens {
            let stem = token.isNumber ? token.text : stemmer.stem(token.text)
            let source = options.foldWords ? TextNormalizer.foldDiacritics(stem) : stem
            let hash = Self.hashWord(source, basis: Self.stemBasis)
            keys.append(Self.finish(hash, .stems))
            if options.stemBigrams, let previous {
                keys.append(Self.finish((previous &* 31) ^ hash ^ Self.stemBigramBasis, .stemBigrams))
            }
            previous = hash
        }
    }
}
