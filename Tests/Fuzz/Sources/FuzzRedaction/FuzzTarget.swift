import Foundation
import NeuvoSupport

// Property 1: each redaction rule's `RedactionPattern` finds exactly what ICU's matcher (NSRegularExpression) finds
// for the same expression, on the input as text (the first 256 bytes: ICU takes the square of some runs' length).
//
// Property 2: Redactor.standard removes an embedded henkilötunnus whatever its century sign, case and check character,
// and whatever surrounds it, as long as the neighbours are not ASCII letters or digits (the code's word boundary).
//
// Input: byte 0 picks the century sign, bytes 1–9 the digits, byte 10 the check character (or, for even values,
// the correct one), byte 11 where the rest splits into the text before and the text after the code.

private let centurySigns = Array("-+YXWVUABCDEFyxwvuabcdef")
private let checkCharacters = Array("0123456789ABCDEFHJKLMNPRSTUVWXY")
private let anyCheckCharacters = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

/// Fuzzed context with every ASCII letter and digit replaced, so the code keeps its word boundary.
private func context(_ bytes: ArraySlice<UInt8>) -> String {
    let text = String(decoding: bytes, as: UTF8.self)
    var scalars = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        let alphanumeric = ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
        scalars.append(alphanumeric ? " " : scalar)
    }
    return String(scalars)
}

private func contains(_ haystack: some Collection<UInt8>, _ needle: [UInt8]) -> Bool {
    let bytes = Array(haystack)
    guard bytes.count >= needle.count else { return false }
    for start in 0...(bytes.count - needle.count) where bytes[start..<start + needle.count].elementsEqual(needle) {
        return true
    }
    return false
}

private let rules = Redactor.rules.map { rule in
    (try! RedactionPattern(rule.pattern), try! NSRegularExpression(pattern: rule.pattern))
}

/// ICU's matches as UTF-8 offsets, as `RedactionPattern` gives them.
private func icuMatches(_ expression: NSRegularExpression, _ text: String) -> [Range<Int>] {
    func utf8Offset(_ utf16Offset: Int) -> Int {
        let index = text.utf16.index(text.utf16.startIndex, offsetBy: utf16Offset)
        return text.utf8.distance(from: text.utf8.startIndex, to: index)
    }
    return expression.matches(in: text, range: NSRange(location: 0, length: text.utf16.count)).map {
        utf8Offset($0.range.location)..<utf8Offset($0.range.location + $0.range.length)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRedaction(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let raw = String(decoding: input.prefix(256), as: UTF8.self)
    for (pattern, expression) in rules {
        let ours = pattern.matches(in: raw)
        let icu = icuMatches(expression, raw)
        if ours != icu {
            fatalError("\(pattern.source) on \(raw.debugDescription): \(ours) but ICU \(icu)")
        }
    }
    guard size >= 12 else { return 0 }
    let digits = input[1...9].map { Int($0 % 10) }
    let sign = centurySigns[Int(input[0]) % centurySigns.count]
    let check: Character
    if input[10] % 2 == 0 {
        let number = digits.reduce(0) { $0 * 10 + $1 }
        let correct = checkCharacters[number % 31]
        check = input[10] % 4 == 0 ? correct : Character(correct.lowercased())
    } else {
        check = anyCheckCharacters[Int(input[10] / 2) % anyCheckCharacters.count]
    }
    let digitText = digits.map(String.init).joined()
    let code = String(digitText.prefix(6)) + String(sign) + String(digitText.suffix(3)) + String(check)

    let rest = input[12...]
    let split = rest.startIndex + Int(input[11]) % (rest.count + 1)
    let text = context(rest[..<split]) + code + context(rest[split...])

    let redacted = Redactor.standard.redact(text)
    if contains(redacted.utf8, Array(code.utf8)) {
        fatalError("henkilötunnus \(code) survived redaction: \(text.debugDescription) -> \(redacted.debugDescription)")
    }
    return 0
}
