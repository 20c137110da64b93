import Testing

@testable import NeuvoRegistry

@Suite("Opening hours: past exceptions are history")
struct OpeningHoursTextTests {
    static let text = """
        Naiset (uintiaika 2 h):
        - ma
             12.00-20.00 1. kerros
        Aikajakso: 5.12.2023 - 6.30-17.00 1. krs miehet
        - ti Suljettu "2. krs"
        Itsenäisyyspäivä: 6.12.2023 - Suljettu
        Joulupäivä: 25.12.2026 - Suljettu
        Yrjönkadun uimahalli suljetaan vuodenvaihteessa 2023 perusparannuksen vuoksi.
        Sisäänpääsy päättyy 20.
        """

    @Test func pastDatedLinesAndTheirContinuationsGoFutureOnesStay() {
        let shown = OpeningHoursText.withoutPastExceptions(Self.text, today: (2026, 12, 7))
        #expect(
            shown == """
                Naiset (uintiaika 2 h):
                - ma
                     12.00-20.00 1. kerros
                Joulupäivä: 25.12.2026 - Suljettu
                Sisäänpääsy päättyy 20.
                """)
    }

    @Test func todaysExceptionIsStillShown() {
        let shown = OpeningHoursText.withoutPastExceptions(
            "Itsenäisyyspäivä: 6.12.2026 - Suljettu", today: (2026, 12, 6))
        #expect(shown == "Itsenäisyyspäivä: 6.12.2026 - Suljettu")
    }

    @Test func timesAreNotDates() {
        #expect(OpeningHoursText.latestDate(in: "ma–pe 8.00–16.00, la 10.30-15") == nil)
        #expect(OpeningHoursText.latestDate(in: "1.1.2027 - 31.12.2027") == 20_271_231)
    }
}
