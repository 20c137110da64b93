/// Dates and times as residents read them, one rule for the chat, the notices and the widget:
/// Finnish `1.8.2027 klo 9.30`, Swedish `1.8.2027 kl. 9.30`, English `1 August 2027 at 9.30`. An appointment (a
/// date with a time) carries its weekday, because "tiistaina 3.3.2027 klo 14.30" is easier to place in a week
/// than the date alone. Values come from city systems as ISO 8601 (`2027-08-01`, `2027-03-03T14:30`); anything else
/// is shown as written rather than guessed at.
public enum DateDisplay {
    /// `2027-08-01` or `2027-03-03T14:30[:00]` in `language`; nil for an empty value.
    public static func text(_ value: String, language: Language) -> String? {
        guard !value.isEmpty else { return nil }
        guard let parsed = parse(value) else { return value }
        let day = date(year: parsed.year, month: parsed.month, day: parsed.day, language: language)
        guard let (hour, minute) = parsed.time else { return day }
        let weekday = weekdayName(year: parsed.year, month: parsed.month, day: parsed.day, language: language)
        let time = "\(hour).\(minute < 10 ? "0" : "")\(minute)"
        switch language {
        case .fi: return "\(weekday) \(day) klo \(time)"
        case .sv: return "\(weekday) \(day) kl. \(time)"
        case .en: return "\(weekday) \(day) at \(time)"
        }
    }

    /// The day alone, without weekday or time.
    public static func date(year: Int, month: Int, day: Int, language: Language) -> String {
        switch language {
        case .fi, .sv: return "\(day).\(month).\(year)"
        case .en: return "\(day) \(englishMonths[month - 1]) \(year)"
        }
    }

    /// ISO 8601 calendar date, optionally followed by `T` and a local time: (year, month, day, (hour, minute)?).
    static func parse(_ value: String) -> (year: Int, month: Int, day: Int, time: (Int, Int)?)? {
        let parts = value.split(separator: "T", maxSplits: 1, omittingEmptySubsequences: false)
        let ymd = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard ymd.count == 3, ymd[0].count == 4, let year = Int(ymd[0]), let month = Int(ymd[1]),
            let day = Int(ymd[2]), (1...12).contains(month), (1...daysIn(month, year)).contains(day)
        else { return nil }
        guard parts.count == 2 else { return (year, month, day, nil) }
        let hm = parts[1].prefix(5).split(separator: ":")
        guard hm.count == 2, let hour = Int(hm[0]), let minute = Int(hm[1]), (0...23).contains(hour),
            (0...59).contains(minute)
        else { return nil }
        return (year, month, day, (hour, minute))
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Finnish in the essive ("tiistaina"), the form that reads as "on Tuesday" before a date.
    static func weekdayName(year: Int, month: Int, day: Int, language: Language) -> String {
        let index = isoWeekday(year: year, month: month, day: day) - 1
        switch language {
        case .fi: return finnishWeekdays[index]
        case .sv: return swedishWeekdays[index]
        case .en: return englishWeekdays[index]
        }
    }

    /// 1 = Monday … 7 = Sunday, by Zeller's congruence on the proleptic Gregorian calendar.
    static func isoWeekday(year: Int, month: Int, day: Int) -> Int {
        let (m, y) = month < 3 ? (month + 12, year - 1) : (month, year)
        let h = (day + (13 * (m + 1)) / 5 + y + y / 4 - y / 100 + y / 400) % 7  // 0 = Saturday
        return (h + 5) % 7 + 1
    }

    static let englishMonths = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]
    static let finnishWeekdays = [
        "maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina", "lauantaina", "sunnuntaina",
    ]
    static let swedishWeekdays = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
    static let englishWeekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
}
