import NeuvoStorage

/// The tables this module owns, declared by stable ids (the application fixes the order of all modules).
public enum APISchema {
    /// API keys for city systems and staff, stored hashed, with scopes.
    public static let migrations: [Migration] = [
        Migration(
            "api.keys", legacyVersion: 8,
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
                """),
        Migration(
            "api.drop-idempotent-requests",
            sql: """
                -- Created with the keys for an idempotency store that was never written to: requests are idempotent
                -- through the arrangements' and notices' own keys.
                DROP TABLE idempotent_requests;
                """),
        Migration(
            "api.oidc-logins",
            sql: """
                -- OpenID Connect logins under way (ten minutes at most), under the SHA-256 of their state; a row
                -- is deleted as the callback reads it, so a state works once.
                CREATE TABLE oidc_logins (
                    state_sha256 TEXT PRIMARY KEY,
                    nonce TEXT NOT NULL,
                    verifier TEXT NOT NULL,
                    return_path TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) STRICT;
                """),
    ]
}
