import Foundation
import NeuvoTestSupport
import Testing

@Suite("neuvo executable: help, usage errors, configuration and database")
struct FoundationCommandTests {
    @Test func helpListsEverySubcommandWithOneLine() async throws {
        let result = try await NeuvoProcess.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: neuvo <subcommand>"))
        for name in ["nlu", "check", "config", "db"] {
            let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("  \(name) ") }
            #expect(line != nil && line!.count > name.count + 10, "no one-line summary for \(name)")
        }
    }

    @Test func everySubcommandHasGeneratedHelp() async throws {
        for path in [
            ["config"], ["db"], ["db", "status"], ["db", "check"], ["check"], ["nlu"], ["nlu", "classify"],
            ["nlu", "detect"], ["nlu", "eval"],
        ] {
            let result = try await NeuvoProcess.run(path + ["--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("USAGE: neuvo \(path.joined(separator: " "))"), "\(path)")
        }
    }

    @Test func unknownOptionPrintsThatSubcommandsUsageAndExits64() async throws {
        let result = try await NeuvoProcess.run(["config", "--jsn"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("error: unknown option '--jsn'; did you mean '--json'?"))
        #expect(
            result.stderr.contains("usage: neuvo config [--config <file>] [--db <path>] [--catalog <folder>] [--json]"))
        #expect(result.stdout.isEmpty)
    }

    @Test func missingValueExits64() async throws {
        let result = try await NeuvoProcess.run(["db", "status", "--db"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("missing value for '--db'"))
        #expect(result.stderr.contains("usage: neuvo db status"))
    }

    @Test func invalidConfigurationIsOneLineAndExit78() async throws {
        let result = try await NeuvoProcess.run(["config"], environment: ["NEUVO_SERVER_PORT": "http"])
        #expect(result.status == 78)
        #expect(
            result.stderr
                == "neuvo: invalid configuration: server.port (environment NEUVO_SERVER_PORT): 'http' is not a number; "
                + "expected an integer from 1 to 65535\n")
    }

    @Test func configShowsSourcesAndMasksSecrets() async throws {
        let folder = try TemporaryFolder()
        let file = folder.path("config.json")
        try #"{"log": {"level": "debug"}, "smtp": {"password": "hunter2"}}"#.write(
            toFile: file, atomically: true, encoding: .utf8)
        let result = try await NeuvoProcess.run(
            ["config", "--config", file, "--json"], environment: ["NEUVO_LOG_LEVEL": "error"])
        #expect(result.status == 0)
        let object = try JSONDecoder().decode([String: [String: String]].self, from: Data(result.stdout.utf8))
        #expect(object["log.level"]?["value"] == "error")
        #expect(object["log.level"]?["source"] == "environment NEUVO_LOG_LEVEL")
        #expect(object["smtp.password"]?["value"] == "********")
        #expect(object["smtp.password"]?["source"] == "file \(file)")
        #expect(!result.stdout.contains("hunter2"))
    }

    @Test func createsTheDatabaseOnFirstRunAndChecksIt() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("data/neuvo.db")
        let status = try await NeuvoProcess.run(["db", "status", "--db", path])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("journal mode    wal"))
        #expect(FileManager.default.fileExists(atPath: path))
        let check = try await NeuvoProcess.run(["db", "check"], environment: ["NEUVO_DB": path])
        #expect(check.status == 0)
        #expect(check.stdout == "ok  \(path)\n")
    }

    @Test func aNonSQLiteFileIsRefusedAndKept() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("notes.txt")
        try "these are my notes, not a database\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await NeuvoProcess.run(["db", "status", "--db", path])
        #expect(result.status == 65)
        #expect(result.stderr.hasPrefix("neuvo: \(path) is not a SQLite database"))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "these are my notes, not a database\n")
    }

    @Test func anUnwritableDatabasePathExits73() async throws {
        let folder = try TemporaryFolder()
        let blocker = folder.path("blocker")
        try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
        let result = try await NeuvoProcess.run(["db", "status", "--db", blocker + "/neuvo.db"])
        #expect(result.status == 73)
        #expect(result.stderr.contains("cannot open or create the database"))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
    }
}
