import Foundation
import NeuvoLanguage

// Property: EntityExtractor never crashes; every entity's span lies within the text and is the entity's text;
// entities are sorted and do not overlap; dates, times and datetimes are valid ISO 8601 values (calendar dates
// that exist, 00:00–23:59), postal codes five digits, numbers canonical decimals, yes/no "yes" or "no".
//
// Input: byte 0 picks the language hint (none, fi, sv, en), the rest is the message as UTF-8.

private let extractor = EntityExtractor()
private let now = Date(timeIntervalSince1970: 1_795_600_800)  // 2026-11-26 09:20 in Helsinki
private let helsinki = TimeZone(identifier: "Europe/Helsinki")!
private let languages: [Language?] = [nil, .fi, .sv, .en]

private func number(_ text: Substring, digits: Int) -> Int? {
    guard text.count == digits, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    return Int(text)
}

private func isValidDate(_ value: Substring) -> Bool {
    let parts = value.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, let year = number(parts[0], digits: 4), let month = number(parts[1], digits: 2),
        let day = number(parts[2], digits: 2), (1...12).contains(month), day >= 1
    else { return false }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return day <= days
}

private func isValidTime(_ value: Substring) -> Bool {
    let parts = value.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let hour = number(parts[0], digits: 2), let minute = number(parts[1], digits: 2) else {
        return false
    }
    return hour < 24 && minute < 60
}

/// A number's value is a canonical decimal of any length: digits without leading zeros ("0" alone), then
/// optionally "." and digits. (Checked as a finite Double at first, which a 309-digit number is not: the extractor
/// keeps every digit, so the property was wrong, not the value; regression `long-number-beyond-double`.)
private func isCanonicalDecimal(_ value: Substring) -> Bool {
    let parts = value.split(separator: ".", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), !parts[0].isEmpty,
        parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } })
    else { return false }
    return parts[0] == "0" || parts[0].first != "0"
}

private func isValidValue(_ entity: Entity) -> Bool {
    let value = Substring(entity.value)
    switch entity.kind {
    case .date: return isValidDate(value)
    case .time: return isValidTime(value)
    case .dateTime:
        let parts = value.split(separator: "T", omittingEmptySubsequences: false)
        return parts.count == 2 && isValidDate(parts[0]) && isValidTime(parts[1])
    case .postalCode: return number(value, digits: 5) != nil
    case .number: return isCanonicalDecimal(value)
    case .yesNo: return entity.value == "yes" || entity.value == "no"
    case .district, .unit, .service: return !entity.value.isEmpty
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntities(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let language = languages[Int(input[0]) % languages.count]
    let text = String(decoding: input[1...], as: UTF8.self)
    let characters = Array(text)

    let entities = extractor.extract(text, language: language, now: now, timeZone: helsinki)
    var previousEnd = 0
    for entity in entities {
        guard entity.start >= previousEnd, entity.start < entity.end, entity.end <= characters.count else {
            fatalError(
                "span \(entity.start)..<\(entity.end) of \(entity) is out of order, empty, overlapping or outside the "
                    + "\(characters.count) characters of \(text.debugDescription): \(entities)")
        }
        guard String(characters[entity.start..<entity.end]) == entity.text else {
            fatalError("entity text \(entity.text.debugDescription) is not its span in \(text.debugDescription)")
        }
        guard isValidValue(entity) else {
            fatalError("invalid \(entity.kind.rawValue) \(entity.value.debugDescription) in \(text.debugDescription)")
        }
        previousEnd = entity.end
    }
    return 0
}
