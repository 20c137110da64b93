import CSQLite
import Foundation
import NeuvoTestSupport
import Synchronization
import Testing

@testable import NeuvoStorage

struct TestFailure: Error {}

/// Default options with these migrations instead of Neuvo's.
func databaseOptions(_ migrations: [Migration]) -> Database.Options {
    var options = Database.Options()
    options.migrations = migrations
    return options
}

@Suite("SQLite storage")
struct DatabaseTests {
    static let notes = Migration(
        "test.notes",
        sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE, score REAL, data BLOB)"
    )

    func options(_ migrations: [Migration] = StorageSchema.migrations + [Self.notes]) -> Database.Options {
        databaseOptions(migrations)
    }

    @Test func createsTheFileOnFirstRunWithWALAndTheSchema() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("nested/dir/neuvo.db")
        let database = try Database(path: path, options: options())
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try await database.appliedMigrations() == ["storage.metadata", "test.notes"])
        let mode = try await database.read { try $0.scalar("PRAGMA journal_mode", as: String.self) }
        #expect(mode == "wal")
        let foreignKeys = try await database.read { try $0.scalar("PRAGMA foreign_keys", as: Int.self) }
        #expect(foreignKeys == 1)
        // 2 = MEMORY: a batch statement's journal stays off the disk.
        #expect(try await database.read { try $0.scalar("PRAGMA temp_store", as: Int.self) } == 2)
        let recorded = try await database.read { try $0.query("SELECT id FROM neuvo_schema_migrations ORDER BY rowid") }
        #expect(try recorded.map { try $0.get("id", as: String.self) } == ["storage.metadata", "test.notes"])
    }

    @Test func bindsAndReadsEveryType() async throws {
        let database = try Database.inMemory(options: options())
        let when = Date(timeIntervalSince1970: 1_800_000_000.123)
        let row = try await database.write { connection in
            try connection.execute(
                "INSERT INTO notes (body, score, data) VALUES (?, ?, ?)", "päiväkoti 🏫 ' \" ;", 2.5, Data([0, 1, 255]))
            try connection.execute("CREATE TABLE times (at INTEGER, maybe TEXT, flag INTEGER)")
            try connection.execute("INSERT INTO times VALUES (?, ?, ?)", when, String?.none, true)
            return try connection.queryOne(
                "SELECT n.body, n.score, n.data, t.at, t.maybe, t.flag FROM notes n, times t")
        }
        let found = try #require(row)
        #expect(try found.get("body", as: String.self) == "päiväkoti 🏫 ' \" ;")
        #expect(try found.get("score", as: Double.self) == 2.5)
        #expect(try found.get("data", as: Data.self) == Data([0, 1, 255]))
        #expect(try found.get("at", as: Date.self).timeIntervalSince1970 == 1_800_000_000.123)
        #expect(try found.get("maybe", as: String?.self) == nil)
        #expect(try found.get("flag", as: Bool.self) == true)
        #expect(throws: SQLiteError.self) { try found.get("body", as: Int.self) }
        #expect(throws: SQLiteError.self) { try found.get("missing", as: Int.self) }
    }

    @Test func aTransactionRollsBackWhenItsClosureThrows() async throws {
        let database = try Database.inMemory(options: options())
        await #expect(throws: TestFailure.self) {
            try await database.write { connection in
                try connection.execute("INSERT INTO notes (body) VALUES (?)", "first")
                throw TestFailure()
            }
        }
        #expect(try await database.read { try $0.scalar("SELECT count(*) FROM notes", as: Int.self) } == 0)
        try await database.write { try $0.execute("INSERT INTO notes (body) VALUES (?)", "kept") }
        #expect(try await database.read { try $0.scalar("SELECT count(*) FROM notes", as: Int.self) } == 1)
    }

    /// Group commit: writes that arrive together share one transaction, yet each one's failure rolls back only
    /// its own changes and reaches only its own caller.
    @Test func concurrentWritesShareCommitsButFailAlone() async throws {
        let database = try Database.inMemory(options: options())
        try await database.write { try $0.execute("INSERT INTO notes (body) VALUES ('taken')") }
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<300 {
                group.addTask {
                    do {
                        try await database.write { connection in
                            try connection.execute("INSERT INTO notes (body) VALUES (?)", "note \(index)")
                            // Every third write then breaks the UNIQUE constraint: all of it must go.
                            if index % 3 == 0 { try connection.execute("INSERT INTO notes (body) VALUES ('taken')") }
                        }
                        return (index, true)
                    } catch let error as SQLiteError {
                        #expect(error.code == SQLITE_CONSTRAINT)
                        return (index, false)
                    }
                }
            }
            return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 300)
        #expect(outcomes.allSatisfy { index, succeeded in succeeded == (index % 3 != 0) })
        let stored = try await database.read { connection in
            Set(try connection.query("SELECT body FROM notes").map { try $0.get(0, as: String.self) })
        }
        #expect(stored == Set(["taken"] + (0..<300).filter { $0 % 3 != 0 }.map { "note \($0)" }))
        #expect(await database.writeGroups < 300, "300 writes at once were committed in fewer transactions")
    }

    @Test func nestedTransactionsRollBackOnlyTheInnerPart() async throws {
        let database = try Database.inMemory(options: options())
        try await database.write { connection in
            try connection.execute("INSERT INTO notes (body) VALUES ('outer')")
            #expect(throws: SQLiteError.self) {
                try connection.transaction {
                    try connection.execute("INSERT INTO notes (body) VALUES ('inner')")
                    try connection.execute("INSERT INTO notes (body) VALUES ('outer')")  // UNIQUE violation
                }
            }
        }
        let bodies = try await database.read {
            try $0.query("SELECT body FROM notes").map { try $0.get(0, as: String.self) }
        }
        #expect(bodies == ["outer"])
    }

    @Test func errorsCarryCodeMessageAndSQL() async throws {
        let database = try Database.inMemory(options: options())
        try await database.write { try $0.execute("INSERT INTO notes (body) VALUES ('x')") }
        do {
            try await database.write { try $0.execute("INSERT INTO notes (body) VALUES ('x')") }
            Issue.record("expected a constraint error")
        } catch let error as SQLiteError {
            #expect(error.code == SQLITE_CONSTRAINT)
            #expect(error.extendedCode == SQLITE_CONSTRAINT | (8 << 8))  // SQLITE_CONSTRAINT_UNIQUE
            #expect(error.message.contains("UNIQUE constraint failed: notes.body"))
            #expect(error.sql == "INSERT INTO notes (body) VALUES ('x')")
            #expect(error.isConstraintViolation)
        }
        await #expect {
            try await database.read { try $0.query("SELEKT 1") }
        } throws: { error in
            (error as? SQLiteError)?.code == SQLITE_ERROR && (error as? SQLiteError)?.sql == "SELEKT 1"
        }
    }

    @Test func aStatementReturningRowsIsResetSoCommitSucceeds() async throws {
        let database = try Database.inMemory(options: options())
        try await database.write { connection in
            for index in 0..<3 { try connection.execute("INSERT INTO notes (body) VALUES (?)", "n\(index)") }
        }
        // queryOne stops after the first of several rows; the statement must still be reset, or COMMIT fails.
        try await database.write { connection in
            _ = try connection.queryOne("SELECT body FROM notes ORDER BY body")
            try connection.execute("UPDATE notes SET score = 1")
        }
        #expect(try await database.read { try $0.scalar("SELECT sum(score) FROM notes", as: Double.self) } == 3)
    }

    /// SQL built per batch size is a new statement per size: the cache keeps the most recently used ones only.
    @Test func theStatementCacheIsBoundedAndKeepsWhatIsInUse() throws {
        let connection = try Connection(path: ":memory:")
        let steady = "SELECT 1"
        let first = try connection.statement(steady)
        for count in 1...(Connection.statementCacheCapacity * 2) {
            _ = try connection.statement("SELECT " + Array(repeating: "1", count: count).joined(separator: ", "))
            _ = try connection.statement(steady)  // used all along: never the least recent
        }
        #expect(connection.cachedStatementCount == Connection.statementCacheCapacity)
        #expect(try connection.statement(steady) === first)
        // An evicted statement is prepared again when it comes back, and works.
        #expect(try connection.scalar("SELECT 1, 1", as: Int.self) == 1)
    }

    @Test func reopensAfterCloseWithDataAndWithoutReMigrating() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("neuvo.db")
        let first = try Database(path: path, options: options())
        try await first.write { try $0.execute("INSERT INTO notes (body) VALUES ('persisted')") }
        await first.close()
        await #expect(throws: SQLiteError.self) { try await first.read { try $0.query("SELECT 1") } }

        let second = try Database(path: path, options: options())
        #expect(try await second.read { try $0.scalar("SELECT body FROM notes", as: String.self) } == "persisted")
        #expect(
            try await second.read { try $0.scalar("SELECT count(*) FROM neuvo_schema_migrations", as: Int.self) } == 2)
        #expect(try await second.integrityCheck() == ["ok"])
    }

    @Test func theLogIsCheckpointedOffTheWritersThreadAndStaysBounded() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("neuvo.db")
        let database = try Database(path: path, options: options())
        // Writes without a pause, 300 kB each, 36 MB in all: SQLite's own checkpoint would run inside these
        // commits; here it runs beside them, and the writer steps in only past the limit.
        let blob = [UInt8](repeating: 7, count: 3000)
        for batch in 0..<120 {
            try await database.write { connection in
                for row in 0..<100 {
                    try connection.execute(
                        "INSERT INTO notes (body, data) VALUES (?, ?)", "\(batch)-\(row)", SQLiteValue.blob(blob))
                }
            }
        }
        #expect(await database.checkpoints.completed >= 1)
        #expect(await database.checkpoints.failed == 0)
        // The log file is reused from its start, so its size is its peak: bounded near the writer's limit (4,000
        // pages), not the 36 MB written.
        let logSize = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        #expect(logSize < 20 * 1024 * 1024, "the log is \(logSize) bytes")
        // Once the background checkpoint has copied everything, the next commit restarts the log from its start.
        // (The checkpoint runs on a utility queue, which a loaded machine runs late: wait as the retry test does.)
        #expect(
            await eventually(timeout: .seconds(60)) {
                _ = try? await database.write {
                    try $0.execute("INSERT INTO notes (body) VALUES (?)", UUID().uuidString)
                }
                return await database.logPages < 100
            })
        await database.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "the last connection closed removes the log")
        let reopened = try Database(path: path, options: options())
        #expect(
            try await reopened.read { try $0.scalar("SELECT count(*) FROM notes WHERE data IS NOT NULL", as: Int.self) }
                == 12_000)
        #expect(try await reopened.integrityCheck() == ["ok"])
    }

    /// A checkpoint that fails (a full disk does this) is retried, but not before `retryAfterFailure`: a full disk
    /// is not hammered on every commit, and the log is copied once there is room again.
    @Test func aFailedCheckpointIsRetriedAfterAPause() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("neuvo.db")
        // Closed before the checkpointer starts: a connection left to close whenever it is released could hold the
        // log while a loaded machine runs the retries (seen as repeated busy checkpoints in the full suite).
        let created = try Database(path: path, options: options())
        await created.close()
        let attempts = Mutex<[ContinuousClock.Instant]>([])
        let checkpointer = try #require(
            Checkpointer(path: path, busyTimeoutMilliseconds: 1000) { connection in
                let count = attempts.withLock { list in
                    list.append(.now)
                    return list.count
                }
                if count == 1 { throw TestFailure() }
                try Checkpointer.passive(connection)
            })
        checkpointer.schedule()
        #expect(await eventually(timeout: .seconds(30)) { checkpointer.counts.failed == 1 })
        // Commits keep asking; the retry waits for the pause however often it is asked.
        for _ in 0..<5 { checkpointer.schedule() }
        #expect(await eventually(timeout: .seconds(30)) { checkpointer.counts.completed == 1 })
        let times = attempts.withLock { $0 }
        #expect(times.count == 2)
        #expect(times[0].duration(to: times[1]) >= Checkpointer.retryAfterFailure)
        #expect(checkpointer.counts.failed == 1)
    }

    @Test func aFailingMigrationLeavesTheSchemaAtTheLastGoodVersion() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("neuvo.db")
        let broken = Migration("test.broken", sql: "CREATE TABLE half (id INTEGER); CREATE TABLE oops (")
        #expect(throws: SQLiteError.self) {
            try Database(path: path, options: options(StorageSchema.migrations + [Self.notes, broken]))
        }
        let database = try Database(path: path, options: options())
        #expect(try await database.appliedMigrations() == ["storage.metadata", "test.notes"])
        let half = try await database.read {
            try $0.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'half'", as: Int.self)
        }
        #expect(half == 0)
    }

    /// Ids, not positions: a migration added to a module listed earlier is applied to a database that has every
    /// later one, and none is applied twice.
    @Test func aMigrationAddedToAnEarlierModuleIsAppliedToAnExistingDatabase() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("neuvo.db")
        let later = Migration("later.table", sql: "CREATE TABLE later (id INTEGER PRIMARY KEY)")
        let first = try Database(path: path, options: options(StorageSchema.migrations + [Self.notes, later]))
        await first.close()
        let added = Migration("test.notes-index", sql: "CREATE INDEX notes_by_score ON notes (score)")
        let second = try Database(path: path, options: options(StorageSchema.migrations + [Self.notes, added, later]))
        #expect(
            try await second.appliedMigrations() == [
                "storage.metadata", "test.notes", "later.table", "test.notes-index",
            ])
        let index = try await second.read {
            try $0.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'notes_by_score'", as: Int.self)
        }
        #expect(index == 1)
    }

    /// A database written before ids records numbers in `neuvo_migrations`: they become ids, the table goes, and
    /// only what is new runs.
    @Test func numberedBookkeepingIsConvertedToIds() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("neuvo.db")
        let numbered = [
            Migration("storage.metadata", legacyVersion: 1, sql: StorageSchema.migrations[0].sql),
            Migration("test.notes", legacyVersion: 2, sql: Self.notes.sql),
        ]
        let old = try Database(path: path, options: options(numbered))
        try await old.write { connection in
            try connection.executeScript(
                """
                DROP TABLE neuvo_schema_migrations;
                CREATE TABLE neuvo_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
                INSERT INTO neuvo_migrations VALUES (1, 'instance metadata', 1), (2, 'notes', 2);
                INSERT INTO notes (body) VALUES ('kept');
                """)
        }
        await old.close()
        let new = Migration("test.more", sql: "CREATE TABLE more (id INTEGER PRIMARY KEY)")
        let database = try Database(path: path, options: options(numbered + [new]))
        #expect(try await database.appliedMigrations() == ["storage.metadata", "test.notes", "test.more"])
        #expect(try await database.read { try $0.scalar("SELECT body FROM notes", as: String.self) } == "kept")
        let legacy = try await database.read {
            try $0.scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'neuvo_migrations'", as: Int.self)
        }
        #expect(legacy == 0)
        // A number this binary does not know means a newer database: refused, untouched.
        await database.close()
    }

    @Test func refusesADatabaseFromANewerNeuvoAndLeavesItUntouched() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("neuvo.db")
        let newer = try Database(path: path, options: options(StorageSchema.migrations + [Self.notes]))
        await newer.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: DatabaseOpenError.newerSchema(path: path, unknownMigrations: ["test.notes"])) {
            try Database(path: path, options: options(StorageSchema.migrations))
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func refusesAFileThatIsNotSQLiteWithoutTouchingIt() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("neuvo.db")
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: path))
        #expect(throws: DatabaseOpenError.notADatabase(path: path)) { try Database(path: path, options: options()) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test func refusesAnotherApplicationsDatabase() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("other.db")
        var handle: OpaquePointer?
        #expect(sqlite3_open(path, &handle) == SQLITE_OK)
        #expect(sqlite3_exec(handle, "CREATE TABLE customers (id INTEGER)", nil, nil, nil) == SQLITE_OK)
        sqlite3_close(handle)
        #expect(throws: DatabaseOpenError.notANeuvoDatabase(path: path)) {
            try Database(path: path, options: options())
        }
    }

    @Test func anUnwritablePathIsAClearError() throws {
        let folder = try TemporaryFolder()
        let blocker = folder.path("file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        // A folder cannot be created under a regular file, whoever runs the test (root included).
        let path = blocker + "/sub/neuvo.db"
        #expect {
            try Database(path: path, options: options())
        } throws: { error in
            guard case .cannotCreate(let failedPath, _) = error as? DatabaseOpenError else { return false }
            return failedPath == path && "\(error)".contains("--db")
        }
    }

    @Test func waitsForAnotherWriterUpToTheBusyTimeout() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("neuvo.db")
        var quick = options()
        quick.busyTimeoutMilliseconds = 50
        let database = try Database(path: path, options: quick)
        var other: OpaquePointer?
        #expect(sqlite3_open(path, &other) == SQLITE_OK)
        defer { sqlite3_close(other) }
        #expect(sqlite3_exec(other, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)
        await #expect {
            try await database.write { try $0.execute("INSERT INTO notes (body) VALUES ('blocked')") }
        } throws: { ($0 as? SQLiteError)?.isBusy == true }
        #expect(sqlite3_exec(other, "ROLLBACK", nil, nil, nil) == SQLITE_OK)
        try await database.write { try $0.execute("INSERT INTO notes (body) VALUES ('after')") }
    }

    @Test func runsOffTheCooperativePoolOnItsOwnQueue() async throws {
        let database = try Database.inMemory(options: options())
        // Many concurrent writers are serialised by the actor; none is lost.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await database.write { try $0.execute("INSERT INTO notes (body) VALUES (?)", "\(index)") }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await database.read { try $0.scalar("SELECT count(*) FROM notes", as: Int.self) } == 200)
    }
}
