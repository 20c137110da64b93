import Foundation
import NeuvoCore

/// When customer service staff answer hand-offs: days of the week and a local time window.
/// Holidays are not known here, so on a public holiday the answer may say staff are in when they are not.
public struct ServiceHours: Sendable, Hashable, CustomStringConvertible {
    /// ISO weekdays, 1 = Monday ... 7 = Sunday.
    public let days: Set<Int>
    /// Minutes after local midnight; `end` is exclusive and after `start`.
    public let start: Int
    public let end: Int
    public let timeZone: TimeZone

    public init(days: Set<Int>, start: Int, end: Int, timeZone: TimeZone) {
        self.days = days
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }

    /// Monday to Friday 08:00–16:00 Europe/Helsinki.
    public static let weekdaysEightToFour = ServiceHours(
        days: Set(1...5), start: 8 * 60, end: 16 * 60, timeZone: City.timeZone)

    /// Parses `mon-fri 08:00-16:00`, `mon,wed,fri 09:00-15:00` or `daily 10:00-14:00`.
    public init?(parsing text: String, timeZone: TimeZone) {
        let parts = text.lowercased().split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let days = Self.days(parts[0]) else { return nil }
        let times = parts[1].split(separator: "-", omittingEmptySubsequences: false)
        guard times.count == 2, let start = Self.minutes(times[0]), let end = Self.minutes(times[1]), start < end
        else { return nil }
        self.init(days: days, start: start, end: end, timeZone: timeZone)
    }

    private static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    private static func days(_ text: Substring) -> Set<Int>? {
        if text == "daily" { return Set(1...7) }
        var days: Set<Int> = []
        for item in text.split(separator: ",") {
            let range = item.split(separator: "-")
            let numbers = range.compactMap { name in dayNames.firstIndex(of: String(name)).map { $0 + 1 } }
            guard numbers.count == range.count, (1...2).contains(numbers.count) else { return nil }
            guard numbers.count == 2 else {
                days.insert(numbers[0])
                continue
            }
            guard numbers[0] <= numbers[1] else { return nil }
            days.formUnion(numbers[0]...numbers[1])
        }
        return days.isEmpty ? nil : days
    }

    private static func minutes(_ text: Substring) -> Int? {
        let pieces = text.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces[1].count == 2, let hours = Int(pieces[0]), let minutes = Int(pieces[1]),
            (0...24).contains(hours), (0...59).contains(minutes), hours * 60 + minutes <= 24 * 60
        else { return nil }
        return hours * 60 + minutes
    }

    /// Whether staff are in at `date`.
    public func isOpen(at date: Date) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        // Calendar weekdays run Sunday = 1 ... Saturday = 7.
        let isoDay = ((parts.weekday ?? 1) + 5) % 7 + 1
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return days.contains(isoDay) && minute >= start && minute < end
    }

    public static func clock(_ minutes: Int) -> String {
        let hours = minutes / 60
        let rest = minutes % 60
        return "\(hours < 10 ? "0" : "")\(hours):\(rest < 10 ? "0" : "")\(rest)"
    }

    public var description: String {
        let sorted = days.sorted()
        let names: String
        if sorted == Array(1...7) {
            names = "daily"
        } else if let first = sorted.first, let last = sorted.last, sorted == Array(first...last), first != last {
            names = "\(Self.dayNames[first - 1])-\(Self.dayNames[last - 1])"
        } else {
            names = sorted.map { Self.dayNames[$0 - 1] }.joined(separator: ",")
        }
        return "\(names) \(Self.clock(start))-\(Self.clock(end))"
    }
}
