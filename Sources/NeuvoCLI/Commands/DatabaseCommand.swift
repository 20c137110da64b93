import ArgumentParsing
import Foundation
import NeuvoAPI
import NeuvoStorage
import NeuvoSupport

/// `neuvo db`: look after the embedded database.
struct DatabaseCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "db", abstract: "Create, migrate and check the embedded SQLite database.",
            subcommands: [DatabaseStatusCommand.self, DatabaseCheckCommand.self, DatabaseBackupCommand.self])
    }
}

/// `neuvo db status`: creates and migrates the database if needed, then describes it.
struct DatabaseStatusCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "status", abstract: "Create or migrate the database if needed and describe it.")
    }

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (path, version, details) = try await global.withDatabase { configuration, database in
            let details = try await database.read { connection in
                (
                    try connection.scalar("PRAGMA journal_mode", as: String.self) ?? "?",
                    try connection.scalar("SELECT sqlite_version()", as: String.self) ?? "?",
                    (try connection.scalar("PRAGMA page_count", as: Int.self) ?? 0)
                        * (try connection.scalar("PRAGMA page_size", as: Int.self) ?? 0)
                )
            }
            return (configuration.databasePath, try await database.appliedMigrations().count, details)
        }
        print("database        \(path)")
        print("migrations      \(version) of \(NeuvoRuntime.schema.count) applied")
        print("journal mode    \(details.0)")
        print("size            \(details.2) bytes")
        print("sqlite          \(details.1)")
    }
}

/// `neuvo db check`: `PRAGMA integrity_check`; exit 1 when SQLite finds a problem.
struct DatabaseCheckCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "check", abstract: "Verify the database's integrity (exit 1 on problems).")
    }

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (path, problems) = try await global.withDatabase { configuration, database in
            (configuration.databasePath, try await database.integrityCheck())
        }
        guard problems == ["ok"] else {
            throw CommandFailure(
                exitCode: .failure,
                message: "integrity check failed for \(path): "
                    + problems.prefix(5).joined(separator: "; "))
        }
        print("ok  \(path)")
    }
}

/// `neuvo db backup FILE`: a consistent online copy, safe while `neuvo serve` runs.
struct DatabaseBackupCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "backup", abstract: "Copy the database to a new file, consistently, while Neuvo runs.",
            discussion: """
                Uses SQLite's online backup API: the copy is one consistent snapshot even while neuvo serve writes.
                To restore, stop Neuvo, remove the database's -wal and -shm files if any, and copy FILE over the
                database (or point --db or NEUVO_DB at it). FILE must not exist.
                """)
    }

    @OptionGroup var global: GlobalOptions
    @Argument(valueName: "file", help: "The new file to write.") var file: String

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: file) else {
            throw CommandFailure(exitCode: .cannotCreate, message: "\(file) exists; name a new file")
        }
        let path = try await global.withDatabase { configuration, database in
            try await database.backup(to: file)
            return configuration.databasePath
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        print("backed up \(path) to \(file) (\(size) bytes)")
    }
}
