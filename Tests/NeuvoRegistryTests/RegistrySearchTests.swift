import Foundation
import NeuvoLanguage
import NeuvoRegistry
import NeuvoStorage
import Testing

@Suite struct RegistrySearchTests {
    @Test func seedsAnEmptyDatabaseOnceAndSearchesIt() async throws {
        let database = try makeDatabase()
        let report = try #require(try await RegistrySeeder.seedIfEmpty(database))
        #expect(report.rejected.isEmpty)
        #expect(report.counts[.service]?.inserted == 1530)
        #expect(report.counts[.keyword]?.inserted == 1020)
        #expect(report.counts[.unit]?.inserted == 7 + 306 + 21)
        #expect((report.counts[.district]?.inserted ?? 0) >= 50)
        #expect(try await RegistrySeeder.seedIfEmpty(database) == nil)
        let search = try await RegistrySearch.load(from: database)
        #expect(search.search("uimahalli", language: .fi).units.first?.id == "41102")
    }

    @Test(arguments: [
        ("uimahalliin", Language.fi, "41102"),
        ("simhallen", .sv, "41102"),
        ("swiming hall", .en, "41102"),
        ("Kallion kirjasto", .fi, "8215"),
        ("Oodi", .fi, "51342"),
        ("jalkapallohalliin", .fi, "42284"),
        ("Malmin terveysasemalle", .fi, "sample-terveysasema-malmi"),
        ("hälsostation i Berghäll", .sv, "sample-terveysasema-kallio"),
        ("neuvola 00980", .fi, "sample-neuvola-vuosaari"),
    ])
    func findsTheExpectedUnitFirst(query: String, language: Language, expected: String) async throws {
        let search = try await seededSearch.value
        #expect(search.search(query, language: language).units.first?.id == expected)
    }

    @Test func findsLibrariesFromAnInflectedCompoundOrMisspelledWord() async throws {
        let search = try await seededSearch.value
        for query in ["kirjastoon", "kirjasot", "bibliotek", "libraries"] {
            let top = search.search(query, language: .fi).units.prefix(2).map(\.id)
            #expect(Set(top) == ["8215", "51342"], "\(query)")
        }
    }

    @Test func ordersPlaygroundsByDistanceFromTheNamedDistrict() async throws {
        let search = try await seededSearch.value
        let result = search.search("leikkipuisto Vuosaaressa", language: .fi)
        #expect(result.district?.id == "vuosaari")
        #expect(result.services.first?.name.text == "Leikkipuistot")
        let first = try #require(result.units.first)
        #expect(["00980", "00990"].contains(first.postalCode ?? ""))
        #expect((first.distanceMeters ?? .infinity) < 1500)
        let distances = result.units.compactMap(\.distanceMeters)
        #expect(distances == distances.sorted())
    }

    @Test func findsTheNearestUnitOfAServiceToADistrictPostalCodeOrPoint() async throws {
        let search = try await seededSearch.value
        let health = search.nearest(service: "terveysasema", to: .district("malmi"), language: .fi)
        #expect(health.first?.id == "sample-terveysasema-malmi")
        #expect(health.first?.isSample == true)
        #expect(
            search.nearest(service: "node:991", to: .district("vuosaari"), language: .en).first?.name.text
                == "Vuosaari Health Station")

        let playground = try #require(
            search.nearest(service: "leikkipuisto", to: .postalCode("00980"), language: .fi).first)
        #expect(playground.postalCode == "00980")

        let kallioLibrary = Coordinates(latitude: 60.18372, longitude: 24.95356)
        let library = search.nearest(service: "kirjasto", to: .coordinates(kallioLibrary), language: .sv)
        #expect(library.map(\.id) == ["8215", "51342"])
        #expect(library.first?.name.text == "Berghälls bibliotek")
        #expect((library.first?.distanceMeters ?? 1) < 1)
    }

    @Test func searchesByPostalCodeAndDistrict() async throws {
        let search = try await seededSearch.value
        #expect(search.units(inPostalCode: "00530", service: "kirjasto", language: .fi).map(\.id) == ["8215"])
        let inKallio = search.units(inDistrict: "kallio", language: .fi)
        #expect(inKallio.contains { $0.id == "8215" } && inKallio.contains { $0.id == "sample-neuvola-kallio" })
        #expect(search.district(postalCode: "00980", language: .sv)?.name.text == "Nordsjö")
        #expect(search.district(named: "Kannelmäessä", language: .fi)?.id == "kannelmaki")
    }

    @Test func fallsBackToAnotherLanguageAndSaysWhich() async throws {
        let search = try await seededSearch.value
        // A playground named only in Finnish.
        let playground = try #require(search.unit(id: "26089", language: .sv))
        #expect(playground.name.text == "Leikkipaikka Vesalanpuisto")
        #expect(playground.name.language == .fi && playground.name.isFallback)
        #expect(playground.streetAddress?.text == "Kiiliägränden 2" && playground.streetAddress?.isFallback == false)
        #expect(playground.usesFallbackLanguage)

        let library = try #require(search.unit(id: "8215", language: .en))
        #expect(library.name.text == "Kallio Library" && !library.usesFallbackLanguage)

        let sample = try #require(search.unit(id: "sample-terveysasema-kallio", language: .en))
        #expect(sample.isSample && sample.openingHours?.language == .en && sample.link?.language == .fi)
        #expect(sample.fallbackLanguages == [.fi])
    }

    @Test func gazetteerHasDistrictsUnitsAndServicesInReasonableNumbers() async throws {
        let search = try await seededSearch.value
        let entries = search.gazetteerEntries()
        let kinds = Dictionary(grouping: entries, by: \.kind).mapValues(\.count)
        #expect(kinds[.district] == search.districtCount)
        #expect(kinds[.unit] == search.unitCount)
        #expect((kinds[.service] ?? 0) > 100 && (kinds[.service] ?? 0) < 1000)
        #expect(entries.contains { $0.kind == .district && $0.id == "kallio" && $0.names == ["Kallio", "Berghäll"] })
        let extractor = EntityExtractor(gazetteer: Gazetteer(entries))
        let entities = extractor.extract(
            "onko terveysasemaa Vuosaaressa", language: .fi, now: Date(), timeZone: TimeZone(identifier: "UTC")!)
        #expect(entities.map(\.kind) == [.service, .district])
        #expect(entities.last?.value == "vuosaari")
    }
}
