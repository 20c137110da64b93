import Foundation

/// One schema change, named by a stable string id (`notifications.outbox`): the module that owns the tables
/// declares it, and the application fixes the order of all modules' migrations. An id is never reused and a
/// released migration is never edited: add a new one. Adding one to any module applies it to every database that
/// has not seen it, whatever comes after it in the list.
public struct Migration: Sendable, Hashable {
    public let id: String
    public let sql: String
    /// The number this migration had when migrations were numbered by position in one list (databases written
    /// before ids record versions in `neuvo_migrations`); nil for migrations added since.
    public let legacyVersion: Int?

    public init(_ id: String, legacyVersion: Int? = nil, sql: String) {
        self.id = id
        self.sql = sql
        self.legacyVersion = legacyVersion
    }
}

/// Applies the migrations a database has not seen, in the given order, each in its own transaction together with
/// the row that records its id in `neuvo_schema_migrations`, so a crash leaves the schema at a known point.
struct Migrator {
    /// The bookkeeping table: the ids applied, in the order they were.
    static let table = "neuvo_schema_migrations"
    /// The numbered bookkeeping of databases written before ids: converted once, then dropped.
    static let legacyTable = "neuvo_migrations"

    let migrations: [Migration]

    init(migrations: [Migration]) {
        precondition(Set(migrations.map(\.id)).count == migrations.count, "migration ids must be unique")
        self.migrations = migrations
    }

    func migrate(_ connection: Connection, path: String, applicationID: Int32, readOnly: Bool) throws {
        var applied = try appliedIDs(connection)
        let hasLegacy = try Self.hasTable(Self.legacyTable, connection)
        if hasLegacy {
            applied = try legacyIDs(connection, path: path)
        }
        let known = Set(migrations.map(\.id))
        let unknown = applied.filter { !known.contains($0) }
        if !unknown.isEmpty {
            throw DatabaseOpenError.newerSchema(path: path, unknownMigrations: unknown.sorted())
        }
        let done = Set(applied)
        let pending = migrations.filter { !done.contains($0.id) }
        if pending.isEmpty && !hasLegacy { return }
        if readOnly { throw DatabaseOpenError.readOnly(path: path) }
        try connection.transaction {
            try connection.executeScript("PRAGMA application_id = \(applicationID)")
            try connection.executeScript(
                """
                CREATE TABLE IF NOT EXISTS neuvo_schema_migrations (
                    id TEXT PRIMARY KEY,
                    applied_at INTEGER NOT NULL
                ) STRICT
                """)
            if hasLegacy {
                // Each numbered migration becomes its id, with the time it was applied; then the old table goes.
                for migration in migrations {
                    guard let version = migration.legacyVersion else { continue }
                    try connection.execute(
                        """
                        INSERT INTO neuvo_schema_migrations (id, applied_at)
                            SELECT ?, applied_at FROM neuvo_migrations WHERE version = ?
                        """, migration.id, version)
                }
                try connection.executeScript("DROP TABLE neuvo_migrations")
            }
        }
        for migration in pending {
            try connection.transaction {
                try connection.executeScript(migration.sql)
                try connection.execute(
                    "INSERT INTO neuvo_schema_migrations (id, applied_at) VALUES (?, ?)", migration.id, Date())
            }
        }
        // Cached statements may refer to the old schema.
        connection.clearStatementCache()
    }

    static func hasTable(_ name: String, _ connection: Connection) throws -> Bool {
        try connection.scalar(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", name, as: Int.self) ?? 0 > 0
    }

    /// The ids applied, in the order they were.
    func appliedIDs(_ connection: Connection) throws -> [String] {
        guard try Self.hasTable(Self.table, connection) else { return [] }
        return try connection.query("SELECT id FROM neuvo_schema_migrations ORDER BY applied_at, rowid").map {
            try $0.get(0, as: String.self)
        }
    }

    /// The ids of the numbered migrations a database written before ids recorded; a number this binary does not
    /// know is named `version N`, so the database is refused as newer.
    func legacyIDs(_ connection: Connection, path: String) throws -> [String] {
        // One numbered migration may have become several ids (its tables' modules each took their part).
        let byVersion = Dictionary(grouping: migrations.filter { $0.legacyVersion != nil }) { $0.legacyVersion ?? 0 }
        return try connection.query("SELECT version FROM neuvo_migrations ORDER BY version").flatMap { row in
            let version = try row.get(0, as: Int.self)
            return byVersion[version]?.map(\.id) ?? ["version \(version)"]
        }
    }
}
