import NeuvoStorage

/// The staff console's tables, declared by stable ids (the application fixes the order of all modules). Only
/// `StaffStore` names them.
public enum StaffSchema {
    public static let migrations: [Migration] = [
        Migration(
            "staff.members-sessions-audit",
            sql: """
                -- Staff members and their roles (editor, publisher, agent, operator), comma-separated. An OpenID
                -- sign-in finds its member by the provider's subject; an invited member has none.
                CREATE TABLE staff_members (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    roles TEXT NOT NULL,
                    subject TEXT UNIQUE,
                    created_at INTEGER NOT NULL
                ) STRICT;
                -- Sign-in links of `neuvo staff invite`, under the SHA-256 of their token: single use, short-lived.
                CREATE TABLE staff_invites (
                    token_sha256 TEXT PRIMARY KEY,
                    member_id TEXT NOT NULL REFERENCES staff_members (id),
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER,
                    created_at INTEGER NOT NULL
                ) STRICT;
                -- Signed-in browsers, under the SHA-256 of the cookie's token, with the CSRF token that every state
                -- change must echo, an absolute expiry and the last use (for the idle limit).
                CREATE TABLE staff_sessions (
                    token_sha256 TEXT PRIMARY KEY,
                    member_id TEXT NOT NULL REFERENCES staff_members (id),
                    csrf TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    last_used_at INTEGER NOT NULL
                ) STRICT;
                -- Every staff action: who, when, what, from where. Never updated or deleted by Neuvo.
                CREATE TABLE staff_audit (
                    id INTEGER PRIMARY KEY,
                    member_id TEXT,
                    member_name TEXT,
                    action TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    address TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX staff_audit_by_time ON staff_audit (at);
                -- Misunderstood messages staff have dealt with, by language and normalised text, so that a group
                -- handled once stays out of the list.
                CREATE TABLE staff_reviews (
                    lang TEXT NOT NULL,
                    text_key TEXT NOT NULL,
                    decision TEXT NOT NULL CHECK (decision IN ('example', 'out_of_scope', 'dismissed')),
                    member_id TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (lang, text_key)
                ) STRICT;
                -- The draft: changes to the catalog waiting to be published, in order.
                CREATE TABLE staff_draft_changes (
                    id INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL CHECK (kind IN ('example', 'example_removal', 'translation')),
                    target TEXT NOT NULL,
                    lang TEXT NOT NULL CHECK (lang IN ('fi', 'sv', 'en')),
                    text TEXT NOT NULL,
                    member_id TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) STRICT;
                -- When each language's text of a locale key was last published through the console: a Swedish or
                -- English text older than the Finnish one is flagged as possibly stale.
                CREATE TABLE staff_text_changes (
                    key TEXT NOT NULL,
                    lang TEXT NOT NULL CHECK (lang IN ('fi', 'sv', 'en')),
                    version INTEGER NOT NULL,
                    changed_at INTEGER NOT NULL,
                    PRIMARY KEY (key, lang)
                ) STRICT;
                -- Every published catalog (its intents/ and locales/ files as one JSON object), for rollback.
                -- Version 1 is the catalog as it was before the first publication.
                CREATE TABLE staff_catalog_versions (
                    number INTEGER PRIMARY KEY,
                    files TEXT NOT NULL,
                    member_id TEXT,
                    member_name TEXT,
                    note TEXT NOT NULL,
                    evaluation TEXT,
                    created_at INTEGER NOT NULL
                ) STRICT;
                """)
    ]
}
