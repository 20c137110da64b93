/// Neuvo's schema, as the ordered list of migrations that builds it.
///
/// Tables belong to the domain that owns them (registry, conversation, notifications) but their
/// migrations are numbered here, in one sequence, so every database has a single schema version.
public enum NeuvoSchema {
    /// "NEUV" in ASCII, written to `PRAGMA application_id`.
    public static let applicationID: Int32 = 0x4E45_5556

    /// Versions are positions in this list; append only. Registry migrations carry literal numbers (2–4).
    public static let migrations: [Migration] = {
        var list = foundation + registryMigrations
        list += arrangementMigrations(from: list.count + 1)
        list += conversationMigrations(from: list.count + 1)
        list += notificationMigrations(from: list.count + 1)
        list += apiMigrations(from: list.count + 1)
        list += noticeLookupMigrations(from: list.count + 1)
        list += noticeStateMigrations(from: list.count + 1)
        return list
    }()

    static let foundation: [Migration] = [
        Migration(
            1, "instance metadata",
            sql: """
                CREATE TABLE neuvo_metadata (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                ) STRICT;
                INSERT INTO neuvo_metadata (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
                """)
    ]

    public static var latestVersion: Int { migrations.last?.version ?? 0 }
}
