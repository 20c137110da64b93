import NeuvoCore
import Testing

@testable import NeuvoArrangements

@Suite("Details in the resident's language")
struct LocalizedDetailsTests {
    let details = [
        "unit": "Kallion kirjasto", "unit_sv": "Berghälls bibliotek", "start_date": "2027-08-01",
        "title": "Kalasataman asemakaava",
    ]

    @Test func aSwedishResidentReadsTheSwedishNameAndIsToldWhichNameIsOnlyInFinnish() {
        let swedish = LocalizedDetails(details, language: .sv)
        #expect(swedish.values["unit"] == "Berghälls bibliotek")
        #expect(swedish.values["start_date"] == "1.8.2027")
        #expect(swedish.values["title"] == "Kalasataman asemakaava")
        #expect(swedish.namesOnlyInFinnish)
        #expect(swedish.values["unit_sv"] == nil, "language variants are not values of their own")
    }

    @Test func aFinnishResidentNeedsNoNote() {
        let finnish = LocalizedDetails(details, language: .fi)
        #expect(finnish.values["unit"] == "Kallion kirjasto")
        #expect(!finnish.namesOnlyInFinnish)
    }

    @Test func englishDatesAndDistrictsReadNaturally() {
        let english = LocalizedDetails(["district": "Kallio", "closes": "2027-10-31"], language: .en)
        #expect(english.values["closes"] == "31 October 2027")
        #expect(english.values["district"] == "Kallio")
        #expect(!english.namesOnlyInFinnish, "Helsinki's districts have no English names of their own")
        let swedish = LocalizedDetails(["district": "Kallio", "district_sv": "Berghäll"], language: .sv)
        #expect(swedish.values["district"] == "Berghäll")
    }

    struct Names: PlaceNames {
        func unitNames(id: String) async -> [Language: String]? {
            id == "8215" ? [.fi: "Kallion kirjasto", .sv: "Berghälls bibliotek", .en: "Kallio Library"] : nil
        }
        func districtNames(named: String) async -> [Language: String]? {
            named.lowercased() == "kallio" ? [.fi: "Kallio", .sv: "Berghäll"] : nil
        }
    }

    @Test func aServiceMapIdBecomesNamesInEveryLanguageWithoutOverridingWhatWasSent() async {
        let resolved = await LocalizedDetails.resolvingPlaces(
            ["unit_id": "8215", "unit_en": "Kallio Library (main floor)", "district": "Kallio"], with: Names())
        #expect(resolved["unit"] == "Kallion kirjasto")
        #expect(resolved["unit_sv"] == "Berghälls bibliotek")
        #expect(resolved["unit_en"] == "Kallio Library (main floor)")
        #expect(resolved["district_sv"] == "Berghäll")
        let unknown = await LocalizedDetails.resolvingPlaces(["unit_id": "nope"], with: Names())
        #expect(unknown == ["unit_id": "nope"])
    }
}
