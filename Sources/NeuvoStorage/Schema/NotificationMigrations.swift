extension NeuvoSchema {
    /// The notification gateway: the outbox of notices, every status transition, every delivery attempt.
    static func notificationMigrations(from version: Int) -> [Migration] {
        [
            Migration(
                version, "notices outbox",
                sql: """
                    CREATE TABLE notices (
                        id TEXT PRIMARY KEY,
                        resident_id TEXT NOT NULL REFERENCES residents (id),
                        arrangement_id TEXT REFERENCES arrangements (id),
                        template_id TEXT NOT NULL,
                        template_version TEXT NOT NULL,
                        locale TEXT NOT NULL CHECK (locale IN ('fi', 'sv', 'en')),
                        channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
                        personalisation TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL UNIQUE,
                        status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered',
                            'temporary_failure', 'permanent_failure', 'dead')),
                        urgent INTEGER NOT NULL DEFAULT 0,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        lease_until INTEGER,
                        provider_message_id TEXT,
                        last_error TEXT,
                        reference TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) STRICT;
                    -- The dispatcher's query: due notices in a sendable state, oldest due first.
                    CREATE INDEX notices_due ON notices (next_attempt_at)
                        WHERE status IN ('queued', 'temporary_failure', 'sending');
                    CREATE INDEX notices_by_resident ON notices (resident_id, created_at);
                    CREATE INDEX notices_by_status ON notices (status);
                    CREATE INDEX notices_by_reference ON notices (reference);
                    CREATE INDEX notices_by_provider_id ON notices (provider_message_id);
                    CREATE TABLE notice_transitions (
                        id INTEGER PRIMARY KEY,
                        notice_id TEXT NOT NULL REFERENCES notices (id),
                        from_status TEXT,
                        to_status TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX notice_transitions_by_notice ON notice_transitions (notice_id);
                    CREATE TABLE delivery_attempts (
                        id INTEGER PRIMARY KEY,
                        notice_id TEXT NOT NULL REFERENCES notices (id),
                        attempt INTEGER NOT NULL,
                        channel TEXT NOT NULL,
                        started_at INTEGER NOT NULL,
                        finished_at INTEGER NOT NULL,
                        outcome TEXT NOT NULL,
                        detail TEXT
                    ) STRICT;
                    CREATE INDEX delivery_attempts_by_notice ON delivery_attempts (notice_id);
                    """)
        ]
    }
}

extension NeuvoSchema {
    /// The notice of an arrangement: a repeated `neuvo arrange` (an idempotency key already used) and the
    /// confirmation after a resident's answer look it up; without the index each was a scan of the outbox.
    static func noticeLookupMigrations(from version: Int) -> [Migration] {
        [
            Migration(
                version, "notices by arrangement; partial indexes on columns mostly empty",
                sql: """
                    CREATE INDEX notices_by_arrangement ON notices (arrangement_id, created_at);
                    -- Most notices and arrangements have no reference and no provider id when queued: an index
                    -- entry for each NULL only costs inserts. "x = ?" implies "x IS NOT NULL", so lookups still
                    -- use these.
                    DROP INDEX notices_by_reference;
                    CREATE INDEX notices_by_reference ON notices (reference) WHERE reference IS NOT NULL;
                    DROP INDEX notices_by_provider_id;
                    CREATE INDEX notices_by_provider_id ON notices (provider_message_id)
                        WHERE provider_message_id IS NOT NULL;
                    DROP INDEX arrangements_by_reference;
                    CREATE INDEX arrangements_by_reference ON arrangements (reference) WHERE reference IS NOT NULL;
                    """),
            Migration(
                version + 1, "the dispatcher's claim in index order",
                sql: """
                    -- SQLite uses a partial index only when the query repeats its WHERE term: notices_due's
                    -- three-status term never matched the claim's two, so every claim sorted all queued notices
                    -- (quadratic over a campaign). This one matches the claim term for term and is in its order.
                    DROP INDEX notices_due;
                    CREATE INDEX notices_claimable ON notices (channel, next_attempt_at, id)
                        WHERE status IN ('queued', 'temporary_failure');
                    -- Leases that ran out (a crashed dispatcher's notices), looked for before every claim: one index
                    -- step instead of reading every notice being sent.
                    CREATE INDEX notices_leased ON notices (channel, lease_until) WHERE status = 'sending';
                    """),
        ]
    }
}
