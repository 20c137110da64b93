import Foundation

/// A token of the raw input with its Character offsets.
///
/// The extractor scans its own tokens rather than `TextNormalizer.tokenize` because entities must point back into the
/// input as written (the normaliser collapses whitespace and drops characters), and because date and time patterns
/// need punctuation ("15.3.", "kl. 9") and whether two tokens touch.
struct EntityToken: Sendable {
    enum Kind: Sendable {
        case word
        case number
        case symbol
    }

    let kind: Kind
    let text: String
    /// Lowercased.
    let lower: String
    /// Lowercased with diacritics folded ("tänään" → "tanaan").
    let folded: String
    let start: Int
    let end: Int
    /// Value of a number token of at most nine digits (longer ones are never dates, times or small numbers).
    let number: Int?

    var digitCount: Int { kind == .number ? end - start : 0 }
}

enum EntityTokenizer {
    /// Words are letter runs that may contain an inner hyphen, apostrophe or colon between letters ("Itä-Pasila",
    /// "Kallio's", "HUS:n"); numbers are ASCII digit runs; every other non-space character is a one-character symbol.
    static func tokenize(_ characters: [Character]) -> [EntityToken] {
        var tokens: [EntityToken] = []
        var position = 0
        let count = characters.count
        while position < count {
            let character = characters[position]
            if character.isWhitespace {
                position += 1
                continue
            }
            let start = position
            if isDigit(character) {
                while position < count && isDigit(characters[position]) { position += 1 }
                let text = String(characters[start..<position])
                let value = position - start <= 9 ? Int(text) : nil
                tokens.append(
                    EntityToken(
                        kind: .number, text: text, lower: text, folded: text, start: start, end: position,
                        number: value))
            } else if character.isLetter {
                position += 1
                while position < count {
                    if characters[position].isLetter {
                        position += 1
                    } else if isJoiner(characters[position]) && position + 1 < count
                        && characters[position + 1].isLetter
                    {
                        position += 2
                    } else {
                        break
                    }
                }
                let text = String(characters[start..<position])
                let lower = text.lowercased()
                tokens.append(
                    EntityToken(
                        kind: .word, text: text, lower: lower, folded: TextNormalizer.foldDiacritics(lower),
                        start: start, end: position, number: nil))
            } else {
                position += 1
                let text = String(character)
                tokens.append(
                    EntityToken(
                        kind: .symbol, text: text, lower: text, folded: text, start: start, end: position,
                        number: nil))
            }
        }
        return tokens
    }

    private static func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isWholeNumber
    }

    private static func isJoiner(_ character: Character) -> Bool {
        character == "-" || character == "'" || character == "\u{2019}" || character == ":"
    }
}

/// Index helpers shared by the matchers; every accessor is bounds-safe so patterns can look ahead freely.
extension Array where Element == EntityToken {
    func token(_ index: Int) -> EntityToken? {
        index >= 0 && index < count ? self[index] : nil
    }

    /// True when token `index` starts exactly where token `index - 1` ends (no space between them).
    func touchesPrevious(_ index: Int) -> Bool {
        guard index > 0 && index < count else { return false }
        return self[index - 1].end == self[index].start
    }

    func isSymbol(_ index: Int, _ symbols: Set<String>) -> Bool {
        guard let token = token(index), token.kind == .symbol else { return false }
        return symbols.contains(token.text)
    }

    /// The folded text of a word token.
    func word(_ index: Int) -> String? {
        guard let token = token(index), token.kind == .word else { return nil }
        return token.folded
    }

    /// The value of a number token with `digits` digits.
    func number(_ index: Int, digits: ClosedRange<Int>) -> Int? {
        guard let token = token(index), token.kind == .number, digits.contains(token.digitCount) else { return nil }
        return token.number
    }
}
