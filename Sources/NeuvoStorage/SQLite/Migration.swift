import Foundation

/// One numbered schema change. Numbers are never reused or edited once released: add a new one.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(_ version: Int, _ name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies the migrations a database has not seen, each in its own transaction together with the row
/// that records it in `neuvo_migrations`, so a crash leaves the schema at a known version.
struct Migrator {
    let migrations: [Migration]

    init(migrations: [Migration]) {
        precondition(
            zip(migrations, migrations.dropFirst()).allSatisfy { $0.version < $1.version },
            "migrations must be in increasing version order")
        self.migrations = migrations
    }

    var latestVersion: Int { migrations.last?.version ?? 0 }

    func migrate(_ connection: Connection, path: String, applicationID: Int32, readOnly: Bool) throws {
        let hasTable =
            try connection.scalar(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'neuvo_migrations'", as: Int.self)
            ?? 0 > 0
        var current = 0
        if hasTable {
            current = try connection.scalar("SELECT coalesce(max(version), 0) FROM neuvo_migrations", as: Int.self) ?? 0
        }
        if current > latestVersion {
            throw DatabaseOpenError.newerSchema(path: path, version: current, supported: latestVersion)
        }
        let pending = migrations.filter { $0.version > current }
        if pending.isEmpty { return }
        if readOnly { throw DatabaseOpenError.readOnly(path: path) }
        try connection.transaction {
            try connection.executeScript("PRAGMA application_id = \(applicationID)")
            try connection.executeScript(
                """
                CREATE TABLE IF NOT EXISTS neuvo_migrations (
                    version INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    applied_at INTEGER NOT NULL
                )
                """)
        }
        for migration in pending {
            try connection.transaction {
                try connection.executeScript(migration.sql)
                try connection.execute(
                    "INSERT INTO neuvo_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    migration.version, migration.name, Date())
            }
        }
        // Cached statements may refer to the old schema.
        connection.clearStatementCache()
    }
}
