import CSQLite
import Foundation
import Synchronization

/// A read-only connection of its own, for point lookups that are answered synchronously on the caller's thread
/// (a registry unit's details while a chat turn is answered) rather than queued behind the database's writes.
///
/// On a file it is a second connection in read-only mode: with WAL it reads the last committed state without
/// blocking or being blocked by the writer. An in-memory database cannot be opened twice, so the reader gets a
/// private copy taken with SQLite's backup API when it is made (in-memory databases are for tests and tools).
public final class DatabaseReader: Sendable {
    /// Only touched while `lock` is held.
    private nonisolated(unsafe) let connection: Connection
    private let lock = Mutex(())
    public let path: String

    init(copying source: Connection?, path: String, busyTimeoutMilliseconds: Int32) throws {
        let connection: Connection
        if let source {
            connection = try Connection(path: ":memory:", create: true)
            try source.copy(into: connection)
        } else {
            connection = try Connection(path: path, create: false, readOnly: true)
            connection.setBusyTimeout(milliseconds: busyTimeoutMilliseconds)
        }
        try connection.executeScript("PRAGMA query_only = ON")
        self.path = path
        self.connection = connection
    }

    /// Runs queries on the reader's connection; one caller at a time (each lookup is a few microseconds).
    public func read<T>(_ body: (Connection) throws -> T) rethrows -> T {
        try lock.withLock { _ in try body(connection) }
    }
}

extension Connection {
    /// Copies this connection's main database into `destination`'s (SQLite's online backup API).
    func copy(into destination: Connection) throws {
        guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw SQLiteError(connection: destination.handle, code: sqlite3_errcode(destination.handle), sql: nil)
        }
        let code = sqlite3_backup_step(backup, -1)
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE, finished == SQLITE_OK else {
            throw SQLiteError(connection: destination.handle, code: code == SQLITE_DONE ? finished : code, sql: nil)
        }
    }
}
