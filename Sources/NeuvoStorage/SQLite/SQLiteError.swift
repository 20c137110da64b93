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
}

/// Problems with the database file itself, before any query: phrased for the operator.
public enum DatabaseOpenError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case notADatabase(path: String)
    case notANeuvoDatabase(path: String)
    case newerSchema(path: String, version: Int, supported: Int)
    case readOnly(path: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason):
            "cannot open or create the database at \(path): \(reason); choose a writable path with --db or NEUVO_DB"
        case .notADatabase(let path):
            "\(path) is not a SQLite database (it may be corrupt or another kind of file); it was left untouched"
        case .notANeuvoDatabase(let path):
            "\(path) is a SQLite database of another application; it was left untouched — use --db to choose a file"
        case .newerSchema(let path, let version, let supported):
            "\(path) has schema version \(version), newer than this neuvo supports (\(supported)); "
                + "upgrade neuvo — the database was left untouched"
        case .readOnly(let path):
            "the database at \(path) is read-only; check the file's permissions and the disk"
        }
    }
}
