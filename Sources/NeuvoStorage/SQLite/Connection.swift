import CSQLite
import Foundation

/// One SQLite connection. It is not thread-safe and not `Sendable`: it lives inside a `Database` actor,
/// which is its one serial owner, and is only lent to closures running on that actor.
public final class Connection {
    let handle: OpaquePointer
    public let path: String
    private var statements: [String: Statement] = [:]
    private var statementUses: UInt64 = 0
    /// Prepared statements kept at most. SQL built for a batch size (a multi-row INSERT, an IN list) is a new
    /// statement per size; unbounded, a long-running server kept one of each it had ever seen (the soak's memory
    /// crept up by megabytes). The least recently used goes first, so a steady workload's statements stay.
    static let statementCacheCapacity = 128
    private var transactionDepth = 0

    /// Process-wide settings, applied once before the first connection opens.
    private static let configured: Void = {
        _ = neuvo_sqlite3_disable_memory_statistics()
    }()

    /// Opens (and creates, when `create` is true) the file at `path`.
    init(path: String, create: Bool = true, readOnly: Bool = false) throws {
        Self.configured
        var handle: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let error = SQLiteError(connection: handle, code: code, sql: nil)
            sqlite3_close_v2(handle)
            throw error
        }
        // 1,000 slots of 1,200 bytes (SQLite's default is 100): a batch's statements and records fit without malloc.
        _ = neuvo_sqlite3_set_lookaside(handle, 1200, 1000)
        self.handle = handle
        self.path = path
    }

    deinit {
        statements.removeAll()  // finalizes every cached statement before the connection closes
        sqlite3_close_v2(handle)
    }

    /// Waits up to this long for another process's lock before giving up with SQLITE_BUSY.
    func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    /// The cached prepared statement for this SQL, prepared on first use.
    func statement(_ sql: String) throws -> Statement {
        statementUses += 1
        if let cached = statements[sql] {
            cached.lastUse = statementUses
            return cached
        }
        let statement = try Statement(connection: self, sql: sql)
        if statements.count >= Self.statementCacheCapacity,
            let oldest = statements.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
        {
            // A caller still holding it keeps it alive; it is finalized when the last reference goes.
            statements.removeValue(forKey: oldest)
        }
        statement.lastUse = statementUses
        statements[sql] = statement
        return statement
    }

    /// How many prepared statements are cached (for tests).
    var cachedStatementCount: Int { statements.count }

    /// How often SQLite compiled the cached statements again (for tests). A statement whose plan depends on a bound
    /// value is compiled anew at every new binding: a parameter compared where a partial index's WHERE has a
    /// constant, or (with STAT4, as Debian builds SQLite) beside an indexed column.
    var statementRepreparations: Int {
        statements.values.reduce(0) { $0 + Int(sqlite3_stmt_status($1.handle, SQLITE_STMTSTATUS_REPREPARE, 0)) }
    }

    /// Runs a statement that returns no rows (or whose rows are not needed).
    public func execute(_ sql: String, _ arguments: any SQLiteValueConvertible...) throws {
        try execute(sql, arguments: arguments.map(\.sqliteValue))
    }

    public func execute(_ sql: String, arguments: [SQLiteValue]) throws {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        while try statement.step() {}
    }

    /// Runs several `;`-separated statements without arguments (schema changes, pragmas).
    public func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(code: code, extendedCode: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    public func query(_ sql: String, _ arguments: any SQLiteValueConvertible...) throws -> [Row] {
        try query(sql, arguments: arguments.map(\.sqliteValue))
    }

    public func query(_ sql: String, arguments: [SQLiteValue]) throws -> [Row] {
        var rows: [Row] = []
        try forEachRow(sql, arguments: arguments) { rows.append($0) }
        return rows
    }

    /// Streams rows without collecting them, for large results.
    public func forEachRow(_ sql: String, arguments: [SQLiteValue], _ body: (Row) throws -> Void) throws {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(arguments)
        while try statement.step() {
            try body(statement.currentRow())
        }
    }

    public func queryOne(_ sql: String, _ arguments: any SQLiteValueConvertible...) throws -> Row? {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(arguments.map(\.sqliteValue))
        return try statement.step() ? statement.currentRow() : nil
    }

    /// The first column of the first row, typed.
    public func scalar<Value: SQLiteValueConvertible>(
        _ sql: String, _ arguments: any SQLiteValueConvertible..., as type: Value.Type = Value.self
    ) throws -> Value? {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(arguments.map(\.sqliteValue))
        guard try statement.step() else { return nil }
        return try statement.currentRow().get(0, as: Value.self)
    }

    /// Copies the whole database into a new file at `path` with SQLite's online backup API: one read transaction,
    /// so the copy is a consistent snapshot while other connections and processes keep writing.
    public func backup(to path: String) throws {
        let destination = try Connection(path: path, create: true)
        guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw SQLiteError(connection: destination.handle, code: sqlite3_errcode(destination.handle), sql: nil)
        }
        var code = sqlite3_backup_step(backup, -1)
        while code == SQLITE_BUSY || code == SQLITE_LOCKED {
            sqlite3_sleep(10)
            code = sqlite3_backup_step(backup, -1)
        }
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE, finished == SQLITE_OK else {
            throw SQLiteError(connection: destination.handle, code: code == SQLITE_DONE ? finished : code, sql: nil)
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws.
    /// Nested calls become savepoints, so an inner failure undoes only the inner work.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        let savepoint = "neuvo_\(transactionDepth)"
        let nested = transactionDepth > 1
        // IMMEDIATE takes the write lock up front, so a busy database fails at BEGIN, not half-way. Prepared once and
        // kept, like any statement: parsed again for every group commit's savepoints, they cost a chat turn 2 %.
        try execute(nested ? "SAVEPOINT \(savepoint)" : "BEGIN IMMEDIATE", arguments: [])
        do {
            let result = try body()
            try execute(nested ? "RELEASE \(savepoint)" : "COMMIT", arguments: [])
            return result
        } catch {
            if nested {
                try? executeScript("ROLLBACK TO \(savepoint); RELEASE \(savepoint)")
            } else if isInTransaction {
                try? executeScript("ROLLBACK")
            }
            throw error
        }
    }

    /// Drops cached statements (finalizing them), e.g. before a schema change or closing.
    func clearStatementCache() {
        statements.removeAll()
    }
}
