import NeuvoStorage

/// The tables this module owns, declared by stable ids (the application fixes the order of all modules).
public enum ArrangementsSchema {
    /// Residents and what the city arranged for them, shared by the conversation and the notification gateway.
    public static let migrations: [Migration] =
        [
            Migration(
                "arrangements.residents-and-arrangements", legacyVersion: 5,
                sql: """
                    CREATE TABLE residents (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
                        email TEXT,
                        phone TEXT,
                        consent_email INTEGER NOT NULL DEFAULT 0,
                        consent_sms INTEGER NOT NULL DEFAULT 0,
                        preferred_channel TEXT CHECK (preferred_channel IN ('email', 'sms')),
                        quiet_start INTEGER NOT NULL DEFAULT 1260,
                        quiet_end INTEGER NOT NULL DEFAULT 480,
                        postal_code TEXT,
                        district TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE TABLE arrangements (
                        id TEXT PRIMARY KEY,
                        resident_id TEXT NOT NULL REFERENCES residents (id),
                        kind TEXT NOT NULL,
                        details TEXT NOT NULL,
                        unit_id TEXT,
                        service_id TEXT,
                        deadline INTEGER,
                        status TEXT NOT NULL CHECK (
                            status IN ('offered', 'accepted', 'declined', 'expired', 'rescheduled', 'cancelled')),
                        sensitivity TEXT NOT NULL CHECK (sensitivity IN ('normal', 'sensitive')),
                        reference TEXT,
                        idempotency_key TEXT UNIQUE,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX arrangements_by_resident ON arrangements (resident_id, created_at);
                    CREATE INDEX arrangements_by_reference ON arrangements (reference);
                    CREATE TABLE arrangement_transitions (
                        id INTEGER PRIMARY KEY,
                        arrangement_id TEXT NOT NULL REFERENCES arrangements (id),
                        from_status TEXT,
                        to_status TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX arrangement_transitions_by_arrangement ON arrangement_transitions (arrangement_id);
                    """)
        ]
        // Released inside the notices' migration 9: most arrangements have no reference, and an index entry for
        // each NULL only cost inserts ("reference = ?" implies NOT NULL, so lookups still use the index).
        + [
            Migration(
                "arrangements.reference-index-partial", legacyVersion: 9,
                sql: """
                    DROP INDEX arrangements_by_reference;
                    CREATE INDEX arrangements_by_reference ON arrangements (reference) WHERE reference IS NOT NULL;
                    """)
        ]
        + [
            Migration(
                "arrangements.identity-and-contact-changes",
                sql: """
                    -- Residents identified over OpenID Connect (a national identity number stored only as a keyed
                    -- hash), and the audit of every change of where a resident's messages go.
                    ALTER TABLE residents ADD COLUMN identity TEXT;
                    ALTER TABLE residents ADD COLUMN contact_changed_at INTEGER;
                    CREATE UNIQUE INDEX residents_by_identity ON residents (identity) WHERE identity IS NOT NULL;
                    CREATE TABLE resident_contact_changes (
                        id INTEGER PRIMARY KEY,
                        resident_id TEXT NOT NULL REFERENCES residents (id),
                        field TEXT NOT NULL CHECK (field IN ('email', 'phone')),
                        actor TEXT NOT NULL,
                        at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX resident_contact_changes_by_resident ON resident_contact_changes (resident_id, at);
                    """)
        ]
}
