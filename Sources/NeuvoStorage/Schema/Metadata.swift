import Foundation

/// Small facts about this installation, in `neuvo_metadata` (created by `storage.metadata`).
public enum InstallationMetadata {
    public static func value(_ key: String, in connection: Connection) throws -> String? {
        try connection.scalar("SELECT value FROM neuvo_metadata WHERE key = ?", key, as: String.self)
    }

    /// The stored value, or `make()` stored now: used for secrets generated on first run, so that a fresh
    /// install works without configuration and keeps working across restarts.
    public static func valueOrCreate(_ key: String, in connection: Connection, make: () -> String) throws -> String {
        if let existing = try value(key, in: connection) { return existing }
        let fresh = make()
        try connection.execute("INSERT INTO neuvo_metadata (key, value) VALUES (?, ?)", key, fresh)
        return fresh
    }

    /// Stores `value` under `key`, replacing what was there.
    public static func set(_ key: String, _ value: String, in connection: Connection) throws {
        try connection.execute(
            "INSERT INTO neuvo_metadata (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            key, value)
    }

    /// Removes `key` and overwrites the freed bytes in the file (`secure_delete`): for a secret that should never
    /// have been stored.
    public static func erase(_ key: String, in connection: Connection) throws {
        try connection.execute("PRAGMA secure_delete = ON")
        defer { try? connection.execute("PRAGMA secure_delete = OFF") }
        try connection.execute("DELETE FROM neuvo_metadata WHERE key = ?", key)
    }
}
