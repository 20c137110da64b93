import CSQLite

/// An error from SQLite, carrying its result code, its message and the SQL that caused it.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, ...).
    public let code: Int32
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, ...), which says more.
    public let extendedCode: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.code = code & 0xFF
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    init(connection: OpaquePointer?, code: Int32, sql: String?) {
        let message =
            connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
        self.init(code: code, extendedCode: extended, message: message, sql: sql)
    }

    public var codeName: String { String(cString: sqlite3_errstr(code)) }

    public var description: String {
        var text = "SQLite error \(extendedCode) (\(codeName)): \(message)"
        if let sql { text += " — in: \(sql)" }
        return text
    }

    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }

    /// The storage itself failed (disk full, read-only, I/O): nothing about the request was wrong.
    public var isStorageFailure: Bool {
        code == SQLITE_FULL || code == SQLITE_READONLY || code == SQLITE_IOERR || code == SQLITE_CANTOPEN
    }

    /// One line for an operator, without the SQL: what happened to the storage and what to do.
    public var storageProblem: String {
        switch code {
        case SQLITE_FULL: "the database disk is full; nothing was stored — free space and try again"
        case SQLITE_READONLY: "the database is read-only; nothing was stored — check the file, its folder and the disk"
        case SQLITE_IOERR: "the database disk failed to read or write; nothing was stored — check the disk"
        default: "the database cannot be written; nothing was stored"
        }
    }
}

/// Problems with the database file itself, before any query: phrased for the operator.
public enum DatabaseOpenError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case notADatabase(path: String)
    case notANeuvoDatabase(path: String)
    case newerSchema(path: String, unknownMigrations: [String])
    case readOnly(path: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason):
            "cannot open or create the database at \(path): \(reason); choose a writable path with --db or NEUVO_DB"
        case .notADatabase(let path):
            "\(path) is not a SQLite database (it may be corrupt or another kind of file); it was left untouched"
        case .notANeuvoDatabase(let path):
            "\(path) is a SQLite database of another application; it was left untouched — use --db to choose a file"
        case .newerSchema(let path, let unknown):
            "\(path) has schema changes this neuvo does not know (\(unknown.prefix(3).joined(separator: ", "))); "
                + "upgrade neuvo — the database was left untouched"
        case .readOnly(let path):
            "the database at \(path) is read-only; check the file's permissions and the disk"
        }
    }
}
