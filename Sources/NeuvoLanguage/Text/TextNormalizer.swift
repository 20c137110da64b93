import Foundation

/// Text normalisation, tokenisation and diacritic folding shared by intent matching, search and language identification.
///
/// `normalize` is the canonical form every other component compares against:
/// - NFC (so decomposed "a\u{0308}" and precomposed "ä" are the same string), lowercased;
/// - typographic quotes become `'` or `"`, all dashes and the minus sign become `-`, "…" becomes "...";
/// - control and invisible format characters (BOM, soft hyphen, bidi marks, word joiner) are removed,
///   the zero-width joiner is kept so emoji sequences survive;
/// - any run of Unicode whitespace (and U+200B, U+FFFD) becomes one space; leading/trailing space is trimmed.
///
/// `tokenize` returns word tokens of the normalised text:
/// - a token is a run of letters and decimal digits ("10km", "b12" are one token);
/// - a hyphen joins two word characters unless both are digits ("e-mail", "covid-19", "3d-malli"),
///   so ranges like "8-16" give "8" and "16";
/// - an apostrophe joins two letters ("it's", "o'brien");
/// - `.`, `,` and `:` join two digits ("12.30", "1,5", "1.8.2025") and such tokens are numbers;
/// - a leading or trailing hyphen is dropped: the Finnish coordinated compound "kirjasto- ja kulttuuripalvelut"
///   gives "kirjasto", "ja", "kulttuuripalvelut" (completing "kirjasto-" to "kirjastopalvelut" is left to callers);
/// - everything else (punctuation, symbols, emoji, keycaps) separates tokens and is never part of one.
public enum TextNormalizer {
    public static func normalize(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        // Scalars below U+0300 are never changed by NFC, except "İ", which lowercases to "i" + U+0307.
        var needsComposition = false
        var pendingSpace = false
        func append(_ scalar: Unicode.Scalar) {
            if pendingSpace {
                bytes.append(0x20)
                pendingSpace = false
            }
            if scalar.value < 0x80 {
                bytes.append(UInt8(scalar.value))
            } else {
                UTF8.encode(scalar) { bytes.append($0) }
            }
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                // ASCII: printable characters pass, whitespace collapses, other controls go.
                if value > 0x20 && value != 0x7F {
                    append(scalar)
                } else if value == 0x20 || (value >= 0x09 && value <= 0x0D) {
                    pendingSpace = !bytes.isEmpty
                }
                continue
            }
            switch classify(scalar) {
            case .space:
                pendingSpace = !bytes.isEmpty
            case .drop:
                continue
            case .keep:
                if value >= 0x300 || value == 0x130 { needsComposition = true }
                append(scalar)
            case .replace(let replacement):
                for character in replacement.unicodeScalars { append(character) }
            }
        }
        let lowered = String(decoding: bytes, as: UTF8.self).lowercased()
        // Lowercasing can produce combining sequences ("İ"), so compose after it.
        return needsComposition ? lowered.precomposedStringWithCanonicalMapping : lowered
    }

    public static func tokenize(_ text: String) -> [Token] {
        let normalized = normalize(text)
        var tokens: [Token] = []
        var kinds: [CharacterKind] = []
        var indices: [String.Index] = []
        kinds.reserveCapacity(normalized.utf8.count)
        indices.reserveCapacity(normalized.utf8.count)
        for index in normalized.indices {
            indices.append(index)
            kinds.append(CharacterKind(normalized[index]))
        }
        indices.append(normalized.endIndex)

        var position = 0
        let count = kinds.count
        while position < count {
            guard kinds[position].isWordCharacter else {
                position += 1
                continue
            }
            let start = position
            var onlyNumber = kinds[position] == .digit
            var end = position + 1
            while end < count {
                let kind = kinds[end]
                if kind.isWordCharacter {
                    onlyNumber = onlyNumber && kind == .digit
                    end += 1
                    continue
                }
                guard end + 1 < count else { break }
                let before = kinds[end - 1]
                let after = kinds[end + 1]
                guard after.isWordCharacter else { break }
                let joins: Bool
                switch kind {
                case .hyphen: joins = !(before == .digit && after == .digit)
                case .apostrophe: joins = before == .letter && after == .letter
                case .numberSeparator: joins = before == .digit && after == .digit
                default: joins = false
                }
                guard joins else { break }
                if kind == .hyphen || kind == .apostrophe { onlyNumber = false }
                end += 2
            }
            let tokenText = String(normalized[indices[start]..<indices[end]])
            tokens.append(
                Token(text: tokenText, folded: foldDiacritics(tokenText), offset: start, isNumber: onlyNumber))
            position = end
        }
        return tokens
    }

    /// Removes diacritics: ä→a, ö→o, å→a, é→e, ü→u, and maps letters without a decomposition (ø→o, æ→ae, ß→ss,
    /// ł→l, đ→d, œ→oe, þ→th, ð→d, ı→i) so that "hälsostation" and "halsostation" compare equal.
    /// Case is preserved; other text passes through unchanged (NFC).
    public static func foldDiacritics(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        if let folded = foldLatin(text) { return folded }
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(text.utf8.count)
        for scalar in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.value < 0x80 {
                scalars.append(scalar)
            } else if let replacement = foldTable[scalar] {
                scalars.append(contentsOf: replacement.unicodeScalars)
            } else if scalar.properties.generalCategory != .nonspacingMark {
                scalars.append(scalar)
            }
        }
        return String(scalars).precomposedStringWithCanonicalMapping
    }

    /// Fast path for text whose letters are all in Latin-1 and Latin Extended-A (all of fi/sv/en and most of
    /// Europe): a table lookup instead of two Foundation normalisations per call. Nil when another scalar is present.
    private static func foldLatin(_ text: String) -> String? {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0xC0 {
                scalars.append(scalar)
            } else if value <= 0x17F {
                scalars.append(contentsOf: latinFolds[Int(value - 0xC0)].unicodeScalars)
            } else {
                return nil
            }
        }
        return String(scalars)
    }

    /// Folded form of U+00C0...U+017F, derived once from the slow path so both paths agree.
    private static let latinFolds: [String] = (0xC0...0x17F).map { value in
        let scalar = Unicode.Scalar(UInt32(value))!
        if let replacement = foldTable[scalar] { return replacement }
        let decomposed = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
        return String(String.UnicodeScalarView(decomposed.filter { $0.properties.generalCategory != .nonspacingMark }))
    }

    private static let foldTable: [Unicode.Scalar: String] = [
        "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
        "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i", "ħ": "h", "Ħ": "H",
    ]

    private enum ScalarAction {
        case keep
        case drop
        case space
        case replace(String)
    }

    private static func classify(_ scalar: Unicode.Scalar) -> ScalarAction {
        switch scalar.value {
        case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x2035, 0x02BC, 0x00B4, 0x2039, 0x203A, 0xFF07:
            return .replace("'")
        case 0x201C, 0x201D, 0x201E, 0x201F, 0x2033, 0x2036, 0x00AB, 0x00BB, 0xFF02:
            return .replace("\"")
        case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D:
            return .replace("-")
        case 0x2026:
            return .replace("...")
        case 0x200B, 0xFFFD:
            // Zero-width space and the replacement character of undecodable bytes both separate words.
            return .space
        case 0x200D, 0xE0020...0xE007F:
            // Zero-width joiner and tag characters belong to emoji sequences.
            return .keep
        case 0xA0:
            return .space
        case 0xAD:
            return .drop
        case 0xA1...0x2FF:
            // Latin-1 and Latin Extended letters and symbols: the common case, no property lookup.
            return .keep
        default:
            break
        }
        let properties = scalar.properties
        if properties.isWhitespace { return .space }
        switch properties.generalCategory {
        case .control, .format, .surrogate:
            return .drop
        default:
            return .keep
        }
    }
}

/// What a character of normalised text can be for tokenisation.
private enum CharacterKind: Equatable {
    case letter
    case digit
    case hyphen
    case apostrophe
    case numberSeparator
    case other

    init(_ character: Character) {
        let scalars = character.unicodeScalars
        let first = scalars.first!
        switch first {
        case "-": self = .hyphen
        case "'": self = .apostrophe
        case ".", ",", ":": self = .numberSeparator
        default:
            // "1️⃣" (keycap) and "✔️" (emoji presentation) start with a digit or symbol but are not words.
            if scalars.count > 1 && scalars.contains(where: { $0.value == 0xFE0F || $0.value == 0x20E3 }) {
                self = .other
            } else if first.value < 0x80 {
                if ("a"..."z").contains(first) || ("A"..."Z").contains(first) {
                    self = .letter
                } else if ("0"..."9").contains(first) {
                    self = .digit
                } else {
                    self = .other
                }
            } else if first.properties.numericType == .decimal {
                self = .digit
            } else if first.properties.isAlphabetic {
                self = .letter
            } else {
                self = .other
            }
        }
    }

    var isWordCharacter: Bool { self == .letter || self == .digit }
}
