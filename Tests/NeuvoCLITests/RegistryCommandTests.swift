import Foundation
import NeuvoTestSupport
import Testing

@Suite("neuvo registry")
struct RegistryCommandTests {
    @Test func importReportsCountsAndEveryRejectedRecordAndKeepsTheGoodOnes() async throws {
        let folder = try TemporaryFolder()
        let database = folder.path("neuvo.db")
        let units = folder.path("units.json")
        try """
        [
          {"id": 990001, "name_fi": "Testikirjasto", "name_sv": "Testbiblioteket", "street_address_fi": "Testikatu 1",
           "address_zip": "00530", "latitude": 60.18, "longitude": 24.95},
          {"name_fi": "Ei tunnistetta"},
          {"id": 990002}
        ]
        """.write(toFile: units, atomically: true, encoding: .utf8)
        let first = try await NeuvoProcess.run(["registry", "import", "--db", database, units])
        #expect(first.status == 65, "\(first.stderr)")
        #expect(first.stdout.contains("1 inserted"))
        #expect(first.stdout.components(separatedBy: "rejected:").count - 1 == 2)
        let again = try await NeuvoProcess.run(["registry", "import", "--db", database, units])
        #expect(again.stdout.contains("0 inserted, 0 updated, 1 unchanged"))
        let search = try await NeuvoProcess.run([
            "registry", "search", "--db", database, "--lang", "sv", "testbibliotek",
        ])
        #expect(search.status == 0)
        #expect(search.stdout.contains("Testbiblioteket"))
    }

    @Test func theBundledRegistryAnswersOutOfTheBox() async throws {
        let folder = try TemporaryFolder()
        let result = try await NeuvoProcess.run([
            "registry", "search", "--db", folder.path("neuvo.db"), "swiming", "hall",
        ])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Yrjönkadun uimahalli") || result.stdout.contains("swimming hall"))
    }

    @Test func aFileInTheWrongFormatIsRejectedWhole() async throws {
        let folder = try TemporaryFolder()
        let wrong = folder.path("wrong.json")
        try #"{"hello": "world"}"#.write(toFile: wrong, atomically: true, encoding: .utf8)
        let result = try await NeuvoProcess.run(["registry", "import", "--db", folder.path("neuvo.db"), wrong])
        #expect(result.status == 65)
        #expect(result.stdout.contains("not imported: unknown format"))
    }
}
