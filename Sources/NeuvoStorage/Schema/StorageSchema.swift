/// What storage itself needs in every database: the file's identity and the installation's metadata. Each domain
/// module declares the migrations of its own tables; the application lists them all, in order.
public enum StorageSchema {
    /// "NEUV" in ASCII, written to `PRAGMA application_id`.
    public static let applicationID: Int32 = 0x4E45_5556

    public static let migrations: [Migration] = [
        Migration(
            "storage.metadata", legacyVersion: 1,
            sql: """
                CREATE TABLE neuvo_metadata (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                ) STRICT;
                INSERT INTO neuvo_metadata (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
                """)
    ]
}
