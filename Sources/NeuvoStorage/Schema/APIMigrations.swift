extension NeuvoSchema {
    /// API keys for city systems and staff, stored hashed, with scopes.
    static func apiMigrations(from version: Int) -> [Migration] {
        [
            Migration(
                version, "api keys",
                sql: """
                    CREATE TABLE api_keys (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        secret_sha256 TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    ) STRICT;
                    CREATE TABLE idempotent_requests (
                        key TEXT PRIMARY KEY,
                        request_sha256 TEXT NOT NULL,
                        status INTEGER NOT NULL,
                        body TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    ) STRICT;
                    """)
        ]
    }
}
