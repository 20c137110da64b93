import Foundation

/// A date and/or time found over tokens `first...last`.
struct TemporalMatch: Sendable {
    var first: Int
    var last: Int
    var date: CivilDate?
    var time: ClockTime?
    /// A bare "14.30" is also a decimal number, so it counts as a time only right next to a date.
    var isWeakTime = false
    /// A weekday ("tiistaina"): an explicit date right after it ("tiistaina 1.12.") takes over.
    var isWeekday = false
}

/// Finds dates and times in tokens, resolving them against `today` (the calendar date of "now" in the caller's
/// time zone).
///
/// Rules for the ambiguous cases:
/// - a day and month without a year ("15.3.", "15 March") is the next such date on or after today;
/// - a bare weekday ("maanantaina", "on Monday", "på måndag") is the next one after today, never today itself;
///   "this Monday" / "tänä maanantaina" may be today;
/// - "ensi/nästa/next" + weekday is that weekday in next calendar week (weeks start on Monday), so on a Wednesday
///   "next Friday" is nine days ahead while "Friday" is two; "ensi viikolla" / "next week" is next week's Monday;
/// - "15.3" without the trailing dot or a year is a decimal number, not a date; "14.30" is a time only next to a
///   date ("15.3. 14.30") or after "klo"; "14:30" is always a time;
/// - day-month order only: "3/15" style and month-first numbers are not read.
struct TemporalParser {
    let tokens: [EntityToken]
    let today: CivilDate

    func matches() -> [TemporalMatch] {
        var found: [TemporalMatch] = []
        for index in tokens.indices {
            let token = tokens[index]
            switch token.kind {
            case .number:
                if let match = numericDate(at: index) { found.append(match) }
                if let match = isoDate(at: index) { found.append(match) }
                if let match = dayMonth(at: index) { found.append(match) }
                if let match = bareTime(at: index) { found.append(match) }
            case .word:
                if let match = monthDay(at: index) { found.append(match) }
                if let match = relativeDay(at: index) { found.append(match) }
                if let match = weekday(at: index) { found.append(match) }
                if let match = weekOrMonth(at: index) { found.append(match) }
                if let match = prefixedTime(at: index) { found.append(match) }
            case .symbol:
                if let match = prefixedTime(at: index) { found.append(match) }
            }
        }
        return found
    }

    // MARK: - Dates

    /// True when the number at `index` continues a longer numeric chain ("1.2.3", "10:15.3.") on its left.
    private func continuesChain(_ index: Int) -> Bool {
        guard tokens.touchesPrevious(index), let previous = tokens.token(index - 1) else { return false }
        return previous.kind == .number || tokens.isSymbol(index - 1, [".", ":", ",", "/"])
    }

    /// True when a touching separator and number follow token `index` ("2027.5").
    private func chainFollows(_ index: Int) -> Bool {
        tokens.isSymbol(index + 1, [".", ":", ",", "/"]) && tokens.touchesPrevious(index + 1)
            && tokens.token(index + 2)?.kind == .number && tokens.touchesPrevious(index + 2)
    }

    /// "15.3.", "15.3.2027", "15.3.27".
    private func numericDate(at index: Int) -> TemporalMatch? {
        guard !continuesChain(index), let day = tokens.number(index, digits: 1...2),
            tokens.isSymbol(index + 1, ["."]), tokens.touchesPrevious(index + 1),
            let month = tokens.number(index + 2, digits: 1...2), tokens.touchesPrevious(index + 2),
            tokens.isSymbol(index + 3, ["."]), tokens.touchesPrevious(index + 3)
        else { return nil }
        if tokens.token(index + 4)?.kind == .number && tokens.touchesPrevious(index + 4) {
            guard let year = tokens.number(index + 4, digits: 2...2) ?? tokens.number(index + 4, digits: 4...4),
                !chainFollows(index + 4)
            else { return nil }
            let fullYear = year < 100 ? 2000 + year : year
            guard let date = CivilDate(year: fullYear, month: month, day: day) else { return nil }
            return TemporalMatch(first: index, last: index + 4, date: date)
        }
        guard let date = CivilDate.nextOccurrence(month: month, day: day, onOrAfter: today) else { return nil }
        return TemporalMatch(first: index, last: index + 3, date: date)
    }

    /// "2027-03-15", optionally "2027-03-15T14:30".
    private func isoDate(at index: Int) -> TemporalMatch? {
        guard !continuesChain(index), let year = tokens.number(index, digits: 4...4),
            tokens.isSymbol(index + 1, ["-"]), tokens.touchesPrevious(index + 1),
            let month = tokens.number(index + 2, digits: 1...2), tokens.touchesPrevious(index + 2),
            tokens.isSymbol(index + 3, ["-"]), tokens.touchesPrevious(index + 3),
            let day = tokens.number(index + 4, digits: 1...2), tokens.touchesPrevious(index + 4),
            let date = CivilDate(year: year, month: month, day: day)
        else { return nil }
        var match = TemporalMatch(first: index, last: index + 4, date: date)
        if tokens.word(index + 5) == "t", tokens.touchesPrevious(index + 5),
            let hour = tokens.number(index + 6, digits: 1...2), tokens.touchesPrevious(index + 6),
            tokens.isSymbol(index + 7, [":"]), tokens.touchesPrevious(index + 7),
            let minute = tokens.number(index + 8, digits: 2...2), tokens.touchesPrevious(index + 8),
            let time = ClockTime(hour: hour, minute: minute)
        {
            match.last = index + 8
            match.time = time
        }
        return match
    }

    /// The index after an ordinal ending of the day number at `index` ("15.", "15th", "15:e"), or `index + 1`.
    private func skipOrdinal(after index: Int) -> (next: Int, hadDot: Bool) {
        let next = index + 1
        if tokens.isSymbol(next, ["."]) && tokens.touchesPrevious(next) { return (next + 1, true) }
        if let word = tokens.word(next), tokens.touchesPrevious(next), TemporalVocabulary.englishOrdinals.contains(word)
        {
            return (next + 1, false)
        }
        if tokens.isSymbol(next, [":"]), tokens.touchesPrevious(next), let word = tokens.word(next + 1),
            tokens.touchesPrevious(next + 1), TemporalVocabulary.swedishOrdinals.contains(word)
        {
            return (next + 2, false)
        }
        return (next, false)
    }

    /// An optional year after a day-month date ("15 March 2027", "March 15th, 2027"); returns the last index used.
    private func year(after index: Int) -> (year: Int, last: Int)? {
        var next = index + 1
        if tokens.isSymbol(next, [","]) { next += 1 }
        guard let year = tokens.number(next, digits: 4...4), !chainFollows(next) else { return nil }
        return (year, next)
    }

    private func date(day: Int, month: Int, year: Int?) -> CivilDate? {
        if let year { return CivilDate(year: year, month: month, day: day) }
        return CivilDate.nextOccurrence(month: month, day: day, onOrAfter: today)
    }

    /// "15. maaliskuuta", "15 mars", "15 March", "15th of March", "15:e mars 2027".
    private func dayMonth(at index: Int) -> TemporalMatch? {
        guard !continuesChain(index), let day = tokens.number(index, digits: 1...2) else { return nil }
        var next = skipOrdinal(after: index).next
        if tokens.word(next) == "of" { next += 1 }
        guard let monthToken = tokens.token(next), monthToken.kind == .word,
            let month = TemporalVocabulary.month(monthToken)
        else { return nil }
        var last = next
        if tokens.isSymbol(last + 1, ["."]) && tokens.touchesPrevious(last + 1) && monthToken.folded.count <= 4 {
            last += 1  // "15 Jan."
        }
        let explicitYear = year(after: last)
        if let explicitYear { last = explicitYear.last }
        guard let date = date(day: day, month: month, year: explicitYear?.year) else { return nil }
        return TemporalMatch(first: index, last: last, date: date)
    }

    /// "March 15th", "March 15, 2027", "maaliskuun 15. päivänä".
    private func monthDay(at index: Int) -> TemporalMatch? {
        guard let month = TemporalVocabulary.month(tokens[index]) else { return nil }
        var dayIndex = index + 1
        if tokens.isSymbol(dayIndex, ["."]) && tokens.touchesPrevious(dayIndex) { dayIndex += 1 }
        guard let day = tokens.number(dayIndex, digits: 1...2), !chainFollows(dayIndex) else { return nil }
        let (next, hadDot) = skipOrdinal(after: dayIndex)
        var last = next - 1
        if hadDot, let word = tokens.word(next), word.hasPrefix("paiv") { last = next }
        let explicitYear = year(after: last)
        if let explicitYear { last = explicitYear.last }
        guard let date = date(day: day, month: month, year: explicitYear?.year) else { return nil }
        return TemporalMatch(first: index, last: last, date: date)
    }

    /// Whether the words at `index...` spell `words`, with nothing but spaces between them.
    private func wordsMatch(_ words: [String], at index: Int) -> Bool {
        for (offset, word) in words.enumerated() where tokens.word(index + offset) != word { return false }
        return true
    }

    /// "tänään", "huomenna", "i morgon", "day after tomorrow"...
    private func relativeDay(at index: Int) -> TemporalMatch? {
        var best: TemporalMatch?
        for (words, offset) in TemporalVocabulary.relativeDays where wordsMatch(words, at: index) {
            if best == nil || index + words.count - 1 > best!.last {
                best = TemporalMatch(first: index, last: index + words.count - 1, date: today.adding(days: offset))
            }
        }
        return best
    }

    /// "maanantaina", "ensi maanantaina", "ensi viikon maanantaina", "on Friday", "next Monday", "i måndags".
    private func weekday(at index: Int) -> TemporalMatch? {
        guard let word = tokens.word(index), let (weekday, swedishGenitive) = TemporalVocabulary.weekday(word) else {
            return nil
        }
        var first = index
        var modifier = TemporalVocabulary.WeekdayModifier.next
        if tokens.word(index - 1) == "viikon" && tokens.word(index - 2) == "ensi" {
            first = index - 2
            modifier = .nextWeek
        } else if swedishGenitive && tokens.word(index - 1) == "i" {
            first = index - 1
            modifier = .previous
        } else if let previous = tokens.word(index - 1), let found = TemporalVocabulary.weekdayModifiers[previous] {
            first = index - 1
            modifier = found
        }
        let todayWeekday = today.weekday
        let offset: Int
        switch modifier {
        case .next:
            let ahead = (weekday - todayWeekday + 7) % 7
            offset = ahead == 0 ? 7 : ahead
        case .nextOrToday:
            offset = (weekday - todayWeekday + 7) % 7
        case .nextWeek:
            offset = 8 - todayWeekday + weekday - 1
        case .previous:
            let back = (todayWeekday - weekday + 7) % 7
            offset = -(back == 0 ? 7 : back)
        }
        return TemporalMatch(first: first, last: index, date: today.adding(days: offset), isWeekday: true)
    }

    /// "ensi viikolla", "nästa vecka", "next week" (next week's Monday); "ensi kuussa", "next month" (its first day).
    private func weekOrMonth(at index: Int) -> TemporalMatch? {
        for words in TemporalVocabulary.nextWeek where wordsMatch(words, at: index) {
            let monday = today.adding(days: 8 - today.weekday)
            return TemporalMatch(first: index, last: index + words.count - 1, date: monday)
        }
        for words in TemporalVocabulary.nextMonth where wordsMatch(words, at: index) {
            let year = today.month == 12 ? today.year + 1 : today.year
            let month = today.month == 12 ? 1 : today.month + 1
            guard let first = CivilDate(year: year, month: month, day: 1) else { return nil }
            return TemporalMatch(first: index, last: index + words.count - 1, date: first)
        }
        return nil
    }

    // MARK: - Times

    /// Hour, optional ":MM" or ".MM", optional am/pm starting at the number `index`. Nil when the minutes or
    /// the hour are out of range, so "klo 14.75" is not half read as "klo 14".
    private func clock(at index: Int, requireMeridiem: Bool) -> (time: ClockTime, last: Int)? {
        guard let hour = tokens.number(index, digits: 1...2) else { return nil }
        var minute = 0
        var last = index
        if tokens.isSymbol(index + 1, [".", ":"]) && tokens.touchesPrevious(index + 1)
            && tokens.token(index + 2)?.kind == .number && tokens.touchesPrevious(index + 2)
        {
            guard let value = tokens.number(index + 2, digits: 2...2) else { return nil }
            minute = value
            last = index + 2
        }
        if let (isPM, end) = meridiem(after: last) {
            guard (1...12).contains(hour) else { return nil }
            let hour24 = hour % 12 + (isPM ? 12 : 0)
            guard let time = ClockTime(hour: hour24, minute: minute) else { return nil }
            return (time, end)
        }
        if tokens.word(last + 1) == "o'clock", (1...12).contains(hour), minute == 0,
            let time = ClockTime(hour: hour, minute: 0)
        {
            return (time, last + 1)
        }
        guard !requireMeridiem, let time = ClockTime(hour: hour, minute: minute) else { return nil }
        return (time, last)
    }

    /// "am"/"pm"/"a.m."/"p.m." after token `index`: whether it is pm, and the last token index used.
    private func meridiem(after index: Int) -> (isPM: Bool, last: Int)? {
        let next = index + 1
        guard let word = tokens.word(next) else { return nil }
        if word == "am" || word == "pm" { return (word == "pm", next) }
        if word == "a" || word == "p", tokens.isSymbol(next + 1, ["."]), tokens.touchesPrevious(next + 1),
            tokens.word(next + 2) == "m", tokens.touchesPrevious(next + 2)
        {
            let dotted = tokens.isSymbol(next + 3, ["."]) && tokens.touchesPrevious(next + 3)
            return (word == "p", dotted ? next + 3 : next + 2)
        }
        return nil
    }

    /// "klo 14", "klo 14.30", "kello 9", "kl. 14.30", "kl 9", "at 9am", "@ 14:30".
    private func prefixedTime(at index: Int) -> TemporalMatch? {
        let token = tokens[index]
        guard TemporalVocabulary.timePrefixes.contains(token.folded) || (token.kind == .symbol && token.text == "@")
        else { return nil }
        var next = index + 1
        if tokens.isSymbol(next, ["."]) && tokens.touchesPrevious(next) { next += 1 }
        // "klo 9.10.2026" and "at 15.3.2027" are dates, not times.
        guard let (time, last) = clock(at: next, requireMeridiem: false), !chainFollows(last) else { return nil }
        // English "at 3" is a time only at the end of a clause or before a day ("at 3 tomorrow"), not "at 3 options".
        if last == next && token.kind == .word && token.folded == "at", let following = tokens.word(last + 1),
            !TemporalVocabulary.dayWordsAfterAt.contains(following), TemporalVocabulary.weekday(following) == nil
        {
            return nil
        }
        return TemporalMatch(first: index, last: last, time: time)
    }

    /// "2 pm", "2pm", "2:30 pm", "9 o'clock", "14:30", and the weak "14.30".
    private func bareTime(at index: Int) -> TemporalMatch? {
        guard !continuesChain(index) else { return nil }
        if let (time, last) = clock(at: index, requireMeridiem: true) {
            return TemporalMatch(first: index, last: last, time: time)
        }
        guard tokens.isSymbol(index + 1, [":", "."]), tokens.touchesPrevious(index + 1),
            let (time, last) = clock(at: index, requireMeridiem: false), last == index + 2
        else { return nil }
        let isColon = tokens[index + 1].text == ":"
        if isColon {
            // Optional seconds: "14:30:00".
            if tokens.isSymbol(last + 1, [":"]) && tokens.touchesPrevious(last + 1)
                && tokens.number(last + 2, digits: 2...2) != nil && tokens.touchesPrevious(last + 2)
            {
                return chainFollows(last + 2) ? nil : TemporalMatch(first: index, last: last + 2, time: time)
            }
            return chainFollows(last) ? nil : TemporalMatch(first: index, last: last, time: time)
        }
        if chainFollows(last) { return nil }
        return TemporalMatch(first: index, last: last, time: time, isWeakTime: true)
    }
}
