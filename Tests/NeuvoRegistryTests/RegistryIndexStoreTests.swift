import Foundation
import NeuvoLanguage
import NeuvoStorage
import Testing

@testable import NeuvoRegistry

@Suite("Registry: indexes kept by generation, unit details read on demand")
struct RegistryIndexStoreTests {
    /// Answers of a search for comparing two instances: ids, names, distances, services, district.
    private func answers(_ search: RegistrySearch) -> [String] {
        var lines: [String] = []
        for (query, language) in [
            ("uimahalli", Language.fi), ("simhallen", .sv), ("leikkipuisto Vuosaaressa", .fi), ("kirjasot", .fi),
            ("neuvola 00980", .fi), ("library", .en),
        ] {
            let result = search.search(query, language: language)
            lines.append(
                "\(query): \(result.units.map { "\($0.id) \($0.name.text) \($0.distanceMeters ?? -1)" }) "
                    + "\(result.services.map(\.id)) \(result.district?.id ?? "-")")
        }
        lines.append("\(search.nearest(service: "terveysasema", to: .district("malmi"), language: .fi).map(\.id))")
        lines.append("\(search.units(inDistrict: "kallio", language: .sv).map(\.id))")
        lines.append("\(search.units(inPostalCode: "00530", language: .en).map(\.id))")
        lines.append("\(search.gazetteerEntries().count)")
        return lines
    }

    @Test func aSecondLoadReadsTheStoredIndexesAndAnswersTheSame() async throws {
        let database = try makeDatabase()
        try await RegistrySeeder.seedIfEmpty(database)
        let built = try await RegistrySearch.load(from: database)
        let reader = try await database.makeReader()
        // The first load stored what it built, for this generation.
        let stored = try #require(RegistryIndexStore.read(reader))
        #expect(stored.unitIDs == built.unitIDs)
        #expect(
            try #require(RegistryIndexStore.readGazetteer(reader)).entries.map(\.id)
                == built.buildGazetteerEntries().map(\.id))
        let loaded = try await RegistrySearch.load(from: database)
        #expect(answers(loaded) == answers(built))
    }

    @Test func anImportThatChangesARecordMakesTheStoredIndexesStale() async throws {
        let database = try makeDatabase()
        try await RegistrySeeder.seedIfEmpty(database)
        _ = try await RegistrySearch.load(from: database)
        let reader = try await database.makeReader()
        #expect(RegistryIndexStore.read(reader)?.unitIDs.isEmpty == false)
        let changed = try fixture(
            "units.json",
            #"[{"id": 8215, "name_fi": "Kallion kirjasto", "name_sv": "Berghälls bibliotek", "address_zip": "00530"}]"#
        )
        let before = try reader.read { try RegistryIndexStore.generation($0) }
        _ = await RegistryImporter(database: database).importFiles([changed])
        #expect(try reader.read { try RegistryIndexStore.generation($0) } == before + 1)
        #expect(RegistryIndexStore.read(reader)?.unitIDs.count == nil)
        // Importing the same again changes nothing, and leaves the generation alone.
        _ = await RegistryImporter(database: database).importFiles([changed])
        #expect(try reader.read { try RegistryIndexStore.generation($0) } == before + 1)
        let added = try fixture(
            "more.json",
            #"[{"id": 990001, "name_fi": "Testikylän uimahalli", "ontologyword_ids": [729], "address_zip": "00530", "latitude": 60.18, "longitude": 24.95}]"#
        )
        _ = await RegistryImporter(database: database).importFiles([added])
        let search = try await RegistrySearch.load(from: database)
        #expect(search.search("Testikylän uimahalli", language: .fi).units.first?.id == "990001")
        #expect(RegistryIndexStore.read(reader)?.unitIDs.contains("990001") == true)
    }

    @Test func storedBytesThatDoNotReadBackWholeAreRebuilt() async throws {
        let database = try makeDatabase()
        try await RegistrySeeder.seedIfEmpty(database)
        let built = try await RegistrySearch.load(from: database)
        try await database.write { connection in
            try connection.execute(
                "UPDATE registry_search_cache SET data = substr(data, 1, length(data) / 2) WHERE name = 'indexes'")
        }
        let reader = try await database.makeReader()
        #expect(RegistryIndexStore.read(reader)?.unitIDs.count == nil)
        let rebuilt = try await RegistrySearch.load(from: database)
        #expect(answers(rebuilt) == answers(built))
        #expect(RegistryIndexStore.read(reader)?.unitIDs.isEmpty == false)
    }

    @Test func aUnitAnswerIsReadFromTheDatabaseWhenAsked() async throws {
        let database = try makeDatabase()
        try await RegistrySeeder.seedIfEmpty(database)
        let search = try await RegistrySearch.load(from: database)
        // A detail changed in the database after the load shows in the next answer: nothing was kept in memory.
        try await database.write { connection in
            try connection.execute("UPDATE registry_units SET phone = '+358 9 000 000' WHERE id = '8215'")
        }
        #expect(search.unit(id: "8215", language: .fi)?.phone == "+358 9 000 000")
    }
}
