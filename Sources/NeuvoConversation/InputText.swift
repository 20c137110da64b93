import Foundation
import NeuvoLanguage
import NeuvoSupport

/// What residents type, made safe to classify, store and echo: terminal escape sequences, control and bidi
/// characters removed, whitespace collapsed, and cut to a length worth reading.
enum InputText {
    static func clean(_ text: String, limit: Int) -> String {
        if isClean(text, limit: limit) { return text }
        var output = String.UnicodeScalarView()
        var scalars = text.unicodeScalars[...]
        var lastWasSpace = true
        var count = 0
        while let scalar = scalars.first, count < limit {
            scalars = scalars.dropFirst()
            if scalar == "\u{1B}" {
                scalars = skipEscape(scalars)
                continue
            }
            let isSpace = scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F
            if isSpace {
                if !lastWasSpace {
                    output.append(" ")
                    count += 1
                }
                lastWasSpace = true
                continue
            }
            // C1 controls, bidi overrides and isolates, and other invisible formatting can hide or reorder text.
            if (0x80...0x9F).contains(scalar.value) || scalar.properties.generalCategory == .format
                || scalar.properties.generalCategory == .surrogate || scalar.value == 0xFFFD
            {
                continue
            }
            output.append(scalar)
            count += 1
            lastWasSpace = false
        }
        return String(String(output).trimmingCharacters(in: .whitespaces).prefix(limit))
    }

    /// Whether `clean` would return the text as it is: at most `limit` scalars, each a visible ASCII character, a
    /// letter of the Latin-1 supplement or the Latin extensions (U+00A1–U+02FF but the soft hyphen), or a single
    /// space between two of them. Most messages are, and they skip the scalar-by-scalar copy.
    private static func isClean(_ text: String, limit: Int) -> Bool {
        var count = 0
        var lastWasSpace = true
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value == 0x20 {
                if lastWasSpace { return false }
                lastWasSpace = true
            } else if (value >= 0x21 && value <= 0x7E) || (value >= 0xA1 && value <= 0x2FF && value != 0xAD) {
                lastWasSpace = false
            } else {
                return false
            }
            count += 1
            if count > limit { return false }
        }
        return !lastWasSpace
    }

    /// Skips the rest of an escape sequence after ESC: CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL or ESC \`),
    /// or a two-character escape.
    private static func skipEscape(_ scalars: Substring.UnicodeScalarView) -> Substring.UnicodeScalarView {
        var rest = scalars
        guard let introducer = rest.first else { return rest }
        rest = rest.dropFirst()
        switch introducer {
        case "[":
            while let scalar = rest.first {
                rest = rest.dropFirst()
                if (0x40...0x7E).contains(scalar.value) { break }
            }
        case "]", "P", "_", "^":
            while let scalar = rest.first {
                rest = rest.dropFirst()
                if scalar == "\u{07}" { break }
                if scalar == "\u{1B}" {
                    if rest.first == "\\" { rest = rest.dropFirst() }
                    break
                }
            }
        default:
            break
        }
        return rest
    }

    /// The language a message asks to switch to ("puhu ruotsia", "in English please", "på finska"), the last
    /// one named when several are.
    static func requestedLanguage(_ text: String) -> Language? {
        let words = TextNormalizer.foldDiacritics(text.lowercased()).split { !$0.isLetter }
        var found: Language?
        for word in words {
            if word.hasPrefix("suom") || word.hasPrefix("finsk") || word.hasPrefix("finnish") {
                found = .fi
            } else if word.hasPrefix("ruots") || word.hasPrefix("svensk") || word.hasPrefix("swedish") {
                found = .sv
            } else if word.hasPrefix("englan") || word.hasPrefix("engelsk") || word.hasPrefix("english") {
                found = .en
            }
        }
        return found
    }

    static func wordCount(_ text: String) -> Int {
        // By scalars: a word is a run of letters and digits (marks join the letter before them), as the split by
        // characters counted it, without building the substrings.
        var count = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            let isWordScalar: Bool
            if scalar.isASCII {
                let value = scalar.value
                isWordScalar =
                    (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A)
                    || (value >= 0x61 && value <= 0x7A)
            } else {
                let properties = scalar.properties
                isWordScalar =
                    properties.isAlphabetic || properties.numericType != nil
                    || (inWord && (properties.isGraphemeExtend || properties.generalCategory == .spacingMark))
            }
            if isWordScalar && !inWord { count += 1 }
            inWord = isWordScalar
        }
        return count
    }

    static func letterCount(_ text: String) -> Int {
        text.reduce(0) { $0 + ($1.isLetter ? 1 : 0) }
    }

    /// Lower case, folded diacritics and letters only, for comparing a typed choice with its label.
    static func comparable(_ text: String) -> String {
        TextNormalizer.foldDiacritics(text.lowercased()).split { !$0.isLetter && !$0.isNumber }.joined(separator: " ")
    }

    /// The first http(s) link in a text, named as the answer's source: it ends at whitespace, without a final
    /// period or comma. Found in the UTF-8 bytes and ended scalar by scalar: searching and ending it by characters
    /// cost 8 µs of every chat reply (the standard library's search over `utf8` cost 30).
    static func firstLink(in text: String) -> String? {
        var text = text
        let found = text.withUTF8 { bytes in offset(of: "https://", in: bytes) ?? offset(of: "http://", in: bytes) }
        guard let found else { return nil }
        let start = text.utf8.index(text.utf8.startIndex, offsetBy: found)
        let link = text.unicodeScalars[start...].prefix { !$0.isUnicodeWhitespace }
        return String(Substring(link.last == "." || link.last == "," ? link.dropLast() : link))
    }

    /// Where `needle` (ASCII) first occurs in `bytes`.
    private static func offset(of needle: StaticString, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        for index in 0...(bytes.count - pattern.count) where bytes[index] == first {
            if pattern.indices.allSatisfy({ bytes[index + $0] == pattern[$0] }) { return index }
        }
        return nil
    }
}
