import Foundation
import NeuvoCatalog
import NeuvoStorage
import NeuvoSupport
import Testing

@testable import NeuvoAPI

@Suite("Migrations: stable ids in the application's order")
struct MigrationHistoryTests {
    /// The history, pinned: a released id is never renamed, removed or moved before another released one, or
    /// existing databases would skip or repeat a change. New migrations are appended to their module's list.
    @Test func theMigrationHistoryIsPinned() {
        #expect(
            NeuvoRuntime.schema.map(\.id) == [
                "storage.metadata",
                "registry.service-tree", "registry.units", "registry.districts", "registry.search-cache",
                "arrangements.residents-and-arrangements", "arrangements.reference-index-partial",
                "arrangements.identity-and-contact-changes",
                "conversation.sessions", "conversation.session-assurance", "conversation.turn-ratings",
                "conversation.live-handoffs",
                "notifications.outbox", "notifications.notices-by-arrangement", "notifications.claim-in-index-order",
                "notifications.notice-state", "notifications.link-redemptions",
                "notifications.receipt-ids-and-retention", "notifications.results-journal",
                "api.keys", "api.drop-idempotent-requests", "api.oidc-logins",
                "staff.members-sessions-audit",
            ])
        // Every number a database written before ids may record maps to the ids that took its place.
        let legacy = Dictionary(grouping: NeuvoRuntime.schema.filter { $0.legacyVersion != nil }) { $0.legacyVersion! }
        #expect(legacy.keys.sorted() == Array(1...11))
    }

    /// A database written by `main` before ids (commit a85760d: numbered bookkeeping, `idempotent_requests`,
    /// seven notices in the seven states, a key, a chat turn) is converted to ids and keeps every row.
    @Test func aDatabaseWrittenBeforeIdsIsMigratedWithoutLosingARow() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-legacy-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("neuvo.db").path
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/main-a85760d.sql")
        // The dump's own transaction lines are dropped: `write` runs it in one transaction.
        let dump = try String(contentsOf: fixture, encoding: .utf8).split(separator: "\n").filter {
            !["BEGIN TRANSACTION;", "COMMIT;", "PRAGMA foreign_keys=OFF;"].contains($0)
        }.joined(separator: "\n")
        let raw = try Database(path: path, options: Database.Options(migrations: []))
        try await raw.write { try $0.executeScript(dump) }
        let count =
            "SELECT (SELECT count(*) FROM residents), (SELECT count(*) FROM arrangements), "
            + "(SELECT count(*) FROM api_keys), (SELECT count(*) FROM conversation_turns), "
            + "(SELECT count(*) FROM notice_transitions)"
        let before = try await raw.read { connection in
            (
                try connection.query("SELECT id, status, attempts, last_error FROM notices ORDER BY id").map(\.values),
                try connection.query(count).map(\.values)
            )
        }
        await raw.close()
        #expect(Set(before.0.map { $0[1] }).count == 7)  // queued, sending, sent, delivered, and three failures

        let database = try NeuvoRuntime.openDatabase(path: path)
        #expect(try await database.appliedMigrations().sorted() == NeuvoRuntime.schema.map(\.id).sorted())
        let after = try await database.read { connection in
            (
                try connection.query("SELECT id, status, attempts, last_error FROM notices ORDER BY id").map(\.values),
                try connection.query(count).map(\.values),
                try connection.query(
                    "SELECT name FROM sqlite_schema WHERE name IN ('neuvo_migrations', 'idempotent_requests')"
                ).count
            )
        }
        #expect(after.0 == before.0)
        #expect(after.1 == before.1)
        #expect(after.2 == 0)  // the numbered bookkeeping and the unused table are gone
        // Sessions the old reusable links opened identify nobody any more.
        let retired = try await database.read { connection in
            try connection.scalar(
                "SELECT count(*) FROM conversation_sessions WHERE resident_id IS NOT NULL", as: Int.self)
        }
        #expect(retired == 0)
        await database.close()
        // Finding 5 of the security review: the link secret the old version generated into the database is erased
        // when the runtime first opens it (the secret now lives beside it).
        let secret = "ffae8e5ee3bb58b80bf7bdee0b39a417d8f831f2cb165904a7a0d17570f6b3c4"
        var configuration = Configuration(environment: [:])
        configuration.databasePath = path
        let runtime = try await NeuvoRuntime.open(
            configuration: configuration, logger: Logger(label: "test", sink: LogSink { _ in }), use: .notices,
            catalog: LiveCatalog(TestAPI.sharedCatalog), channels: [:])
        await runtime.close()
        let file = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(file.range(of: Data(secret.utf8)) == nil, "the old secret is still in the database file")

        // Opened again, nothing is applied twice.
        let again = try NeuvoRuntime.openDatabase(path: path)
        #expect(try await again.appliedMigrations().count == NeuvoRuntime.schema.count)
        await again.close()
    }
}
