import Foundation
import Testing

@testable import NeuvoNotifications

@Suite struct DateTextTests {
    /// What `Calendar` says: the last second of that day in Helsinki.
    static func calendarEndOfDay(_ year: Int, _ month: Int, _ day: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Helsinki")!
        let start = calendar.date(from: DateComponents(year: year, month: month, day: day))!
        return calendar.date(byAdding: DateComponents(day: 1, second: -1), to: start)!
    }

    @Test func everyDayOfSevenYearsEndsWhereCalendarSaysIncludingTheDaylightSavingChanges() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var day = calendar.date(from: DateComponents(year: 2024, month: 1, day: 1))!
        var disagreements: [String] = []
        while calendar.component(.year, from: day) < 2031 {
            let parts = calendar.dateComponents([.year, .month, .day], from: day)
            let text = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            if DateText.parseDay(text) != Self.calendarEndOfDay(parts.year!, parts.month!, parts.day!) {
                disagreements.append(text)
            }
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        #expect(disagreements.isEmpty)
    }

    @Test func knownValuesAndRollOverAndRefusals() throws {
        // 15 May 2027 ends at 23:59:59 EEST (UTC+3), 15 January 2027 at 23:59:59 EET (UTC+2); Python's zoneinfo
        // gives these epoch seconds.
        #expect(DateText.parseDay("2027-05-15")?.timeIntervalSince1970 == 1_810_414_799)
        #expect(DateText.parseDay("2027-01-15")?.timeIntervalSince1970 == 1_800_050_399)
        #expect(DateText.parseDay("2027-04-31") == DateText.parseDay("2027-05-01"))
        for bad in ["", "2027-13-01", "2027-00-10", "2027-05-32", "15.5.2027", "2027-05", "x-y-z"] {
            #expect(DateText.parseDay(bad) == nil, "\(bad)")
        }
    }
}
