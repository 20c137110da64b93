import Testing

@testable import NeuvoCore

@Suite("Dates as residents read them")
struct DateDisplayTests {
    @Test(arguments: [
        ("2027-08-01", Language.fi, "1.8.2027"),
        ("2027-08-01", .sv, "1.8.2027"),
        ("2027-08-01", .en, "1 August 2027"),
        ("2027-03-03T14:30", .fi, "keskiviikkona 3.3.2027 klo 14.30"),
        ("2027-03-03T09:05:00", .sv, "onsdag 3.3.2027 kl. 9.05"),
        ("2027-03-03T09:30", .en, "Wednesday 3 March 2027 at 9.30"),
        ("2028-02-29", .en, "29 February 2028"),
    ])
    func oneRuleInEachLanguage(value: String, language: Language, expected: String) {
        #expect(DateDisplay.text(value, language: language) == expected)
    }

    /// A value that is not an ISO date is shown as the city system wrote it, never reinterpreted.
    @Test(arguments: ["2027-02-30", "1.8.2027", "syksyllä 2027", "2027-13-01", "2027-03-03T25:00", "27-08-01"])
    func anythingElseIsShownAsWritten(value: String) {
        #expect(DateDisplay.text(value, language: .en) == value)
    }

    @Test func anEmptyValueIsNoDate() {
        #expect(DateDisplay.text("", language: .fi) == nil)
    }

    /// Weekdays across a century boundary and leap days, against dates everyone knows.
    @Test func weekdaysAreRight() {
        #expect(DateDisplay.isoWeekday(year: 2000, month: 1, day: 1) == 6)  // a Saturday
        #expect(DateDisplay.isoWeekday(year: 2024, month: 2, day: 29) == 4)  // a Thursday
        #expect(DateDisplay.isoWeekday(year: 2026, month: 12, day: 7) == 1)  // a Monday
        #expect(DateDisplay.isoWeekday(year: 1917, month: 12, day: 6) == 4)  // Finland's independence, a Thursday
    }
}
