import CSQLite
import Dispatch
import Foundation

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
/// up to date with the migrations. Work is done in closures: `read` for queries, `write` for a
/// transaction that commits on return and rolls back on throw.
public actor Database {
    public struct Options: Sendable {
        public var busyTimeoutMilliseconds: Int32 = 5000
        public var migrations: [Migration] = NeuvoSchema.migrations
        /// Identifies Neuvo's files (`PRAGMA application_id`), so another application's database is refused.
        public var applicationID: Int32 = NeuvoSchema.applicationID
        public var readOnly = false
        /// SQLite's page cache (`PRAGMA cache_size`), allocated as pages are used. The default 2 MB made the
        /// dispatcher re-read outbox pages from the OS for every batch (pread was a tenth of its time).
        public var cacheKiB = 16 * 1024

        public init() {}
    }

    private let executor: DispatchQueueExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private var connection: Connection?
    public nonisolated let path: String

    /// Opens or creates the database file and migrates it. Errors about the file itself are
    /// `DatabaseOpenError`s phrased for the operator; nothing is overwritten or deleted.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.executor = DispatchQueueExecutor(label: "neuvo.database")
        self.connection = try Self.open(path: path, options: options)
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

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func write<T: Sendable>(_ body: @Sendable (Connection) throws -> T) throws -> T {
        let connection = try requireConnection()
        return try connection.transaction { try body(connection) }
    }

    /// The schema version recorded in the database.
    public func schemaVersion() throws -> Int {
        try requireConnection().scalar("SELECT coalesce(max(version), 0) FROM neuvo_migrations", as: Int.self) ?? 0
    }

    /// `PRAGMA integrity_check`: "ok" or the problems SQLite found.
    public func integrityCheck() throws -> [String] {
        try requireConnection().query("PRAGMA integrity_check").compactMap { try? $0.get(0, as: String.self) }
    }

    /// Finalizes every statement and closes the file; later calls fail with a clear error.
    public func close() {
        connection?.clearStatementCache()
        connection = nil
    }
}
