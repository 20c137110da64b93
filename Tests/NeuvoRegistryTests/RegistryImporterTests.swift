import Foundation
import NeuvoRegistry
import NeuvoStorage
import Testing

@Suite struct RegistryImporterTests {
    static let realFiles = [
        "tpr_v4_ontology_tree.json", "tpr_v4_ontology_words.json", "tpr_v4_unit-41102.json", "tpr_v4_unit-42284.json",
        "units/tpr_units_detailed.json", "units/playgrounds_helsinki.json",
    ].map(helsinki)

    @Test func importsTheRealFilesAndReimportsWithoutDuplicates() async throws {
        let database = try makeDatabase()
        let importer = RegistryImporter(database: database)
        let first = await importer.importFiles(Self.realFiles)
        #expect(first.failedFiles.isEmpty)
        #expect(first.rejected.isEmpty)
        #expect(first.counts(.service) == ImportCounts(inserted: 1530))
        #expect(first.counts(.keyword) == ImportCounts(inserted: 1020))
        let perFile = first.files.map(\.counts)
        #expect(perFile[2].inserted == 1 && perFile[3].inserted == 1)
        // The detailed file repeats the two single units (scrubbed): they are updated, not duplicated.
        #expect(perFile[4] == ImportCounts(inserted: 5, updated: 2))
        #expect(perFile[5] == ImportCounts(inserted: 306))
        #expect(first.files.map(\.format) == [.serviceTree, .keywords, .units, .units, .units, .serviceMapExport])

        let search = try await RegistrySearch.load(from: database)
        #expect(search.unitCount == 7 + 306)

        let second = await importer.importFiles(Self.realFiles)
        #expect(second.counts(.service) == ImportCounts(unchanged: 1530))
        #expect(second.counts(.keyword) == ImportCounts(unchanged: 1020))
        #expect(second.files[5].counts == ImportCounts(unchanged: 306))
        #expect(second.counts(.unit).inserted == 0)
        #expect(try await RegistrySearch.load(from: database).unitCount == 313)
    }

    @Test func rejectsBrokenRecordsWithReasonsAndStoresTheGoodOnes() async throws {
        let units = try fixture(
            "broken_units.json",
            """
            [
              {"id": 1, "name_fi": "Hyvä yksikkö", "street_address_fi": "Katu 1", "address_zip": "00100",
               "latitude": 60.17, "longitude": 24.94},
              {"name_fi": "Ei tunnistetta", "address_zip": "00100"},
              {"id": 3, "street_address_fi": "Nimetön 3", "address_zip": "00100"},
              {"id": 4, "name_fi": "Väärin päin", "latitude": 24.94, "longitude": 60.17},
              {"id": 5, "name_fi": "Puolikas", "latitude": 60.17},
              {"id": 6, "name_fi": "Huono postinumero", "address_zip": "ABC"},
              "not an object",
              {"id": 8, "name_sv": "Bara svenska", "northing_etrs_gk25": 6672831, "easting_etrs_gk25": 25496611}
            ]
            """)
        let tree = try fixture(
            "broken_tree.json",
            """
            [{"id": 10, "name_fi": "Palvelu", "child_ids": []},
             {"name_fi": "Ilman id:tä", "child_ids": []},
             {"id": 12, "child_ids": [], "parent_id": 10}]
            """)
        let database = try makeDatabase()
        let report = await RegistryImporter(database: database).importFiles([units, tree])
        #expect(report.failedFiles.isEmpty)
        #expect(report.counts(.unit) == ImportCounts(inserted: 2, rejected: 6))
        #expect(report.counts(.service) == ImportCounts(inserted: 1, rejected: 2))
        let reasons = report.rejected.map { "\($0.file)#\($0.index): \($0.reason)" }
        #expect(
            reasons == [
                "broken_units.json#1: missing id",
                "broken_units.json#2: no name in any language (name_fi, name_sv, name_en)",
                "broken_units.json#3: bad coordinates: latitude 24.94, longitude 60.17 are not in Finland",
                "broken_units.json#4: bad coordinates: latitude and longitude must both be numbers",
                "broken_units.json#5: invalid postal code: \"ABC\" is not five digits",
                "broken_units.json#6: unknown format: record is not a JSON object",
                "broken_tree.json#1: missing id",
                "broken_tree.json#2: no name in any language (name_fi, name_sv, name_en)",
            ])
        #expect(report.rejected.first { $0.index == 3 }?.id == "4")

        // ETRS-GK25 only: converted to WGS84 (Yrjönkatu swimming hall's published coordinates).
        let search = try await RegistrySearch.load(from: database)
        let converted = try #require(search.unit(id: "8", language: .sv)?.coordinates)
        #expect(converted.distance(to: Coordinates(latitude: 60.16835, longitude: 24.93896)) < 5)
    }

    @Test func aFileInTheWrongFormatFailsAloneAndTheOthersAreImported() async throws {
        let notJSON = try fixture("notes.json", "this is { not json")
        let missing = URL(fileURLWithPath: "/nonexistent/neuvo/units.json")
        let report = await RegistryImporter(database: try makeDatabase()).importFiles([
            helsinki("kultus_sms_templates_fi_sv_en.json"), notJSON, missing, helsinki("tpr_v4_unit-41102.json"),
        ])
        #expect(report.failedFiles.count == 3)
        let messages = report.files.map { $0.error?.message ?? "ok" }
        #expect(messages[0].hasPrefix("unknown format: expected palvelukarttaws v4"))
        #expect(messages[1].hasPrefix("not valid JSON"))
        #expect(messages[2].hasPrefix("cannot read the file"))
        #expect(messages[3] == "ok")
        #expect(report.counts(.unit) == ImportCounts(inserted: 1))
    }

    @Test func importedUnitsKeepConnectionsButNotContactPersons() async throws {
        let database = try makeDatabase()
        _ = await RegistryImporter(database: database).importFiles([helsinki("tpr_v4_unit-41102.json")])
        let search = try await RegistrySearch.load(from: database)
        let unit = try #require(search.unit(id: "41102", language: .en))
        #expect(unit.name.text == "Yrjönkatu swimming hall")
        #expect(unit.openingHours?.text.contains("Admission ends at 20.00") == true)
        #expect(unit.phone == "+358 9 310 87401")
        #expect(unit.postalCode == "00100")
        #expect(!unit.isSample)
    }
}
