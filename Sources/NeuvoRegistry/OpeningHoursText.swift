import Foundation

/// The Service Map's opening-hours texts mix the regular week with exceptions that carry dates
/// ("Itsenäisyyspäivä: 6.12.2023 - Suljettu", "Aikajakso: 5.12.2023 - ...", "suljetaan vuodenvaihteessa 2023").
/// An exception whose dates are all past is history, not opening hours: it is never shown as current.
public enum OpeningHoursText {
    /// `text` without the lines (and their "- ..." continuation lines) whose latest date is before `today`
    /// (year, month, day in the city's calendar). A line that names only a year is past when the year is.
    public static func withoutPastExceptions(_ text: String, today: (year: Int, month: Int, day: Int)) -> String {
        let todayKey = today.year * 10_000 + today.month * 100 + today.day
        var kept: [Substring] = []
        var droppingBlock = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            let isContinuation = trimmed.hasPrefix("-") || trimmed.count < line.count
            if droppingBlock && isContinuation { continue }
            droppingBlock = false
            if let latest = latestDate(in: line), latest < todayKey {
                droppingBlock = true
                continue
            }
            kept.append(line)
        }
        return kept.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The latest date a line names, as yyyymmdd: full dates d.m.yyyy, else bare years 2000–2099 (as 31 December).
    static func latestDate(in line: Substring) -> Int? {
        let characters = Array(line)
        var dates: [Int] = []
        var years: [Int] = []
        var index = 0
        func number(at start: Int) -> (value: Int, end: Int)? {
            var end = start
            while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
            guard end > start, end - start <= 4, let value = Int(String(characters[start..<end])) else { return nil }
            return (value, end)
        }
        while index < characters.count {
            guard characters[index].isASCII, characters[index].isNumber,
                index == 0 || !(characters[index - 1].isNumber || characters[index - 1] == ".")
            else {
                index += 1
                continue
            }
            guard let first = number(at: index) else {
                index += 1
                continue
            }
            // d.m.yyyy
            if first.end < characters.count, characters[first.end] == ".", let second = number(at: first.end + 1),
                second.end < characters.count, characters[second.end] == ".", let third = number(at: second.end + 1),
                third.end - second.end - 1 == 4, (1...31).contains(first.value), (1...12).contains(second.value)
            {
                dates.append(third.value * 10_000 + second.value * 100 + first.value)
                index = third.end
                continue
            }
            if first.end - index == 4, (2000...2099).contains(first.value) {
                years.append(first.value * 10_000 + 1231)
            }
            index = first.end
        }
        return dates.max() ?? years.max()
    }
}
