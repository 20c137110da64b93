import CSQLite
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs an actor's jobs on one dedicated dispatch queue, so that blocking SQLite calls (disk I/O, busy
/// waits) never occupy a thread of Swift's cooperative pool.
final class DispatchQueueExecutor: SerialExecutor, @unchecked Sendable {
    let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
}

/// The database: one SQLite connection with one serial owner.
///
/// Opening sets WAL (readers do not block the writer), a busy timeout, foreign keys, and brings the schema
/// up to date with the migrations. The log is checkpointed on a second connection (`Checkpointer`). Work is done
/// in closures: `read` for queries, `write` for a transaction that commits on return and rolls back on throw.
public actor Database {
    public struct Options: Sendable {
        public var busyTimeoutMilliseconds: Int32 = 5000
        /// Every module's migrations in the order the application fixed (Neuvo's: `NeuvoRuntime.schema`). A
        /// database that records a migration not in this list is refused as newer.
        public var migrations: [Migration] = StorageSchema.migrations
        /// Identifies Neuvo's files (`PRAGMA application_id`), so another application's database is refused.
        public var applicationID: Int32 = StorageSchema.applicationID
        public var readOnly = false
        /// SQLite's page cache (`PRAGMA cache_size`), allocated as pages are used; large enough that the dispatcher
        /// does not re-read outbox pages from the OS for every batch (docs/BENCHMARKS.md). The runtime passes
        /// `Configuration.databaseCacheKiB`.
        public var cacheKiB = 8 * 1024

        public init(migrations: [Migration] = StorageSchema.migrations) {
            self.migrations = migrations
        }
    }

    private let executor: DispatchQueueExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private var connection: Connection?
    /// Checkpoints the log off the writer's thread; nil for in-memory and read-only databases.
    private let checkpointer: Checkpointer?
    public nonisolated let path: String
    private let busyTimeoutMilliseconds: Int32

    /// Opens or creates the database file and migrates it. Errors about the file itself are
    /// `DatabaseOpenError`s phrased for the operator; nothing is overwritten or deleted.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.executor = DispatchQueueExecutor(label: "neuvo.database")
        self.busyTimeoutMilliseconds = options.busyTimeoutMilliseconds
        let connection = try Self.open(path: path, options: options)
        self.connection = connection
        let isMemory = path == ":memory:" || path.hasPrefix("file::memory:")
        if !isMemory && !options.readOnly,
            let checkpointer = Checkpointer(path: path, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
        {
            checkpointer.attach(to: connection)
            self.checkpointer = checkpointer
        } else {
            self.checkpointer = nil
        }
    }

    /// An in-memory database, for tests and tools.
    public static func inMemory(options: Options = Options()) throws -> Database {
        try Database(path: ":memory:", options: options)
    }

    static func open(path: String, options: Options) throws -> Connection {
        let isMemory = path == ":memory:" || path.hasPrefix("file::memory:")
        let existed = isMemory ? false : FileManager.default.fileExists(atPath: path)
        if !isMemory && !existed && !options.readOnly {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                do {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                } catch {
                    throw DatabaseOpenError.cannotCreate(
                        path: path, reason: "the folder \(directory) cannot be created")
                }
            }
        }
        let connection: Connection
        do {
            connection = try Connection(path: path, create: !options.readOnly, readOnly: options.readOnly)
        } catch let error as SQLiteError {
            if existed && Self.isOnReadOnlyFileSystem(path) { throw DatabaseOpenError.readOnly(path: path) }
            throw DatabaseOpenError.cannotCreate(path: path, reason: Self.reason(error))
        }
        connection.setBusyTimeout(milliseconds: options.busyTimeoutMilliseconds)
        do {
            // Reading the schema is the first real access: a non-SQLite file fails here with SQLITE_NOTADB.
            let objects = try connection.scalar("SELECT count(*) FROM sqlite_schema", as: Int.self) ?? 0
            let applicationID = try connection.scalar("PRAGMA application_id", as: Int.self) ?? 0
            if objects > 0 && applicationID != Int(options.applicationID) {
                throw DatabaseOpenError.notANeuvoDatabase(path: path)
            }
            if !options.readOnly {
                try connection.executeScript("PRAGMA journal_mode = WAL")
                try connection.executeScript("PRAGMA synchronous = NORMAL")
            }
            try connection.executeScript("PRAGMA foreign_keys = ON")
            // A statement that changes many rows inside a transaction journals the pages it changes, to undo
            // just itself; past 64 KiB SQLite moved that journal to a temporary file, which the dispatcher's batch
            // statements did once per batch. In memory, it is freed when the statement ends. (Raising the spill
            // threshold instead, SQLITE_CONFIG_STMTJRNL_SPILL, made a later batch fail with SQLITE_FULL.)
            try connection.executeScript("PRAGMA temp_store = MEMORY")
            let cacheKiB = max(64, options.cacheKiB)
            try connection.executeScript("PRAGMA cache_size = -\(cacheKiB)")
            try Migrator(migrations: options.migrations).migrate(
                connection, path: path, applicationID: options.applicationID, readOnly: options.readOnly)
        } catch let error as SQLiteError {
            switch error.code {
            case SQLITE_NOTADB, SQLITE_CORRUPT: throw DatabaseOpenError.notADatabase(path: path)
            case SQLITE_READONLY: throw DatabaseOpenError.readOnly(path: path)
            case SQLITE_CANTOPEN where existed && Self.isOnReadOnlyFileSystem(path):
                // WAL needs its -shm and -wal files beside the database: on a read-only mount that looks like
                // "cannot open", which would send the operator looking at permissions.
                throw DatabaseOpenError.readOnly(path: path)
            case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_IOERR:
                throw DatabaseOpenError.cannotCreate(path: path, reason: Self.reason(error))
            default: throw error
            }
        }
        return connection
    }

    static func isOnReadOnlyFileSystem(_ path: String) -> Bool {
        var info = statvfs()
        let folder = (path as NSString).deletingLastPathComponent
        guard statvfs(folder.isEmpty ? "." : folder, &info) == 0 else { return false }
        return info.f_flag & UInt(ST_RDONLY) != 0
    }

    static func reason(_ error: SQLiteError) -> String {
        switch error.code {
        case SQLITE_CANTOPEN: "the file cannot be opened (missing folder or no permission)"
        case SQLITE_PERM: "permission denied"
        case SQLITE_READONLY: "the file or its folder is read-only"
        case SQLITE_FULL: "the disk is full"
        default: error.message
        }
    }

    private func requireConnection() throws -> Connection {
        guard let connection else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "the database at \(path) is closed")
        }
        return connection
    }

    /// Runs queries. Rows are detached values, so the closure may return them.
    public func read<T: Sendable>(_ body: @Sendable (Connection) throws -> T) throws -> T {
        try body(requireConnection())
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws; it returns once the
    /// commit is done.
    ///
    /// Group commit: writes that arrive while the database is busy are run together, each in its own savepoint
    /// inside one transaction, and committed at once. A body that throws rolls back only its own savepoint and
    /// gets its own error; a failed commit (a full disk) fails every write of the group. Under load a commit, and
    /// its WAL pages, is paid once per group instead of once per chat turn or API request.
    public nonisolated func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let request = PendingWrite(fail: { continuation.resume(throwing: $0) }) { connection in
                do {
                    let value = try connection.transaction { try body(connection) }
                    return PendingWrite.Completion(
                        succeeded: true, commit: { continuation.resume(returning: value) },
                        fail: { continuation.resume(throwing: $0) })
                } catch {
                    return PendingWrite.Completion(
                        succeeded: false, commit: { continuation.resume(throwing: error) },
                        fail: { _ in continuation.resume(throwing: error) })
                }
            }
            let first = pendingWrites.withLock { pending in
                pending.append(request)
                return pending.count == 1
            }
            // The first write of a group schedules the flush; later ones join it until it starts.
            if first { Task { await self.flushWrites() } }
        }
    }

    /// A write waiting for the next group commit, type-erased.
    private struct PendingWrite: Sendable {
        struct Completion {
            /// false when the body threw (its savepoint is already rolled back).
            let succeeded: Bool
            let commit: () -> Void
            let fail: (any Error) -> Void
        }

        /// Fails the write without running it (the group's transaction could not begin).
        let fail: @Sendable (any Error) -> Void
        /// Runs the body in its own savepoint inside the group's transaction.
        let run: @Sendable (Connection) -> Completion
    }

    private nonisolated let pendingWrites = Mutex<[PendingWrite]>([])
    static let maxGroup = 16
    /// Transactions `write` has begun, however many writes each carried (for tests and diagnostics).
    private(set) var writeGroups = 0

    private func flushWrites() {
        // At most `maxGroup` writes a transaction, so reads waiting behind a group wait for a few writes, not for
        // everything that piled up; the rest go in the next group, scheduled at once.
        let (group, more) = pendingWrites.withLock { pending in
            let taken = Array(pending.prefix(Self.maxGroup))
            pending.removeFirst(taken.count)
            return (taken, !pending.isEmpty)
        }
        if more { Task { await self.flushWrites() } }
        guard !group.isEmpty else { return }
        writeGroups += 1
        var completions: [PendingWrite.Completion] = []
        var notRun: [PendingWrite] = []
        do {
            let connection = try requireConnection()
            // The group's transaction; each body's own `transaction` nests in it as a savepoint.
            try connection.transaction {
                for request in group {
                    // SQLite rolls the whole transaction back on some errors (a full disk): whatever comes after
                    // must not run outside it, in autocommit.
                    if connection.isInTransaction {
                        completions.append(request.run(connection))
                    } else {
                        notRun.append(request)
                    }
                }
            }
        } catch {
            // Nothing of the group is stored: every write that had succeeded, or had not run, learns why.
            for completion in completions {
                if completion.succeeded { completion.fail(error) } else { completion.commit() }
            }
            for request in completions.isEmpty ? group : notRun { request.fail(error) }
            return
        }
        for completion in completions { completion.commit() }
    }

    /// The ids of the migrations applied to this database, in the order they were.
    public func appliedMigrations() throws -> [String] {
        try Migrator(migrations: []).appliedIDs(requireConnection())
    }

    /// A reader of this database (see `DatabaseReader`).
    public func makeReader() throws -> DatabaseReader {
        let isMemory = path == ":memory:" || path.hasPrefix("file::memory:")
        return try DatabaseReader(
            copying: isMemory ? requireConnection() : nil, path: path,
            busyTimeoutMilliseconds: busyTimeoutMilliseconds)
    }

    /// A consistent copy of the database in a new file (SQLite's online backup API), taken while others write.
    public func backup(to path: String) throws {
        try requireConnection().backup(to: path)
    }

    /// `PRAGMA integrity_check`: "ok" or the problems SQLite found.
    public func integrityCheck() throws -> [String] {
        try requireConnection().query("PRAGMA integrity_check").compactMap { try? $0.get(0, as: String.self) }
    }

    /// Checkpoints of the log run by the background checkpointer: (completed, failed).
    public var checkpoints: (completed: Int, failed: Int) { checkpointer?.counts ?? (0, 0) }

    /// Pages in the write-ahead log after the last commit (0 when there is no log).
    public var logPages: Int { checkpointer?.logPages ?? 0 }

    /// Finalizes every statement and closes the file; later calls fail with a clear error.
    public func close() {
        if let connection { checkpointer?.detach(from: connection) }
        connection?.clearStatementCache()
        connection = nil
    }
}
