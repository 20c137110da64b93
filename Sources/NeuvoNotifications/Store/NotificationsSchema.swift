import NeuvoStorage

/// The tables this module owns, declared by stable ids (the application fixes the order of all modules).
public enum NotificationsSchema {
    /// In the order they were released.
    public static let migrations: [Migration] = outbox + lookup + state + links + receipts + journal

    /// The notification gateway: the outbox of notices, every status transition, every delivery attempt.
    static let outbox: [Migration] = [
        Migration(
            "notifications.outbox", legacyVersion: 7,
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

    /// The notice of an arrangement: a repeated `neuvo arrange` (an idempotency key already used) and the
    /// confirmation after a resident's answer look it up; without the index each was a scan of the outbox.
    static let lookup: [Migration] = [
        Migration(
            "notifications.notices-by-arrangement", legacyVersion: 9,
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
                """),
        Migration(
            "notifications.claim-in-index-order", legacyVersion: 10,
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

    /// A notice in two tables: what it says, written once (`notice_content`), and where it is in its delivery
    /// (`notice_state`), the only part the dispatcher rewrites. Every notice is written twice on its way out (to
    /// `sending`, to `sent`) and SQLite rewrites a whole row and logs its whole page each time, so the rewritten
    /// part is kept narrow (docs/BENCHMARKS.md). The view `notices` joins them back, column for column as the table was, so
    /// reading code and operators' queries are unchanged; all writes go to the tables.
    ///
    /// `seq` is an explicit INTEGER PRIMARY KEY so the state's key survives `VACUUM` (an implicit rowid may be
    /// renumbered). The audit tables now point at a notice by `seq` too: with an integer key their rows, their
    /// index and the foreign-key check of each of the three rows a sent notice adds are smaller and cheaper than
    /// with the 22-character id. There is no index on the status: the status counts (metrics) read the narrow
    /// table whole, cheaper than two more index writes on every transition.
    static let state: [Migration] = [
        Migration(
            "notifications.notice-state", legacyVersion: 11,
            sql: """
                CREATE TABLE notice_content (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    resident_id TEXT NOT NULL REFERENCES residents (id),
                    arrangement_id TEXT REFERENCES arrangements (id),
                    template_id TEXT NOT NULL,
                    template_version TEXT NOT NULL,
                    locale TEXT NOT NULL CHECK (locale IN ('fi', 'sv', 'en')),
                    personalisation TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL UNIQUE,
                    urgent INTEGER NOT NULL DEFAULT 0,
                    reference TEXT,
                    created_at INTEGER NOT NULL
                ) STRICT;
                INSERT INTO notice_content (seq, id, resident_id, arrangement_id, template_id, template_version,
                    locale, personalisation, idempotency_key, urgent, reference, created_at)
                SELECT rowid, id, resident_id, arrangement_id, template_id, template_version, locale,
                    personalisation, idempotency_key, urgent, reference, created_at
                FROM notices ORDER BY rowid;
                -- The channel is here too, though it never changes: the claim's index needs it.
                CREATE TABLE notice_state (
                    notice_seq INTEGER PRIMARY KEY REFERENCES notice_content (seq),
                    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
                    status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'delivered',
                        'temporary_failure', 'permanent_failure', 'dead')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    lease_until INTEGER,
                    provider_message_id TEXT,
                    last_error TEXT,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                INSERT INTO notice_state (notice_seq, channel, status, attempts, next_attempt_at, lease_until,
                    provider_message_id, last_error, updated_at)
                SELECT rowid, channel, status, attempts, next_attempt_at, lease_until, provider_message_id,
                    last_error, updated_at
                FROM notices ORDER BY rowid;

                CREATE TABLE notice_transitions_rebuilt (
                    id INTEGER PRIMARY KEY,
                    notice_seq INTEGER NOT NULL REFERENCES notice_content (seq),
                    from_status TEXT,
                    to_status TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    at INTEGER NOT NULL
                ) STRICT;
                INSERT INTO notice_transitions_rebuilt
                SELECT t.id, c.seq, t.from_status, t.to_status, t.reason, t.at
                FROM notice_transitions t JOIN notice_content c ON c.id = t.notice_id ORDER BY t.id;
                DROP TABLE notice_transitions;
                ALTER TABLE notice_transitions_rebuilt RENAME TO notice_transitions;
                CREATE INDEX notice_transitions_by_notice ON notice_transitions (notice_seq);

                CREATE TABLE delivery_attempts_rebuilt (
                    id INTEGER PRIMARY KEY,
                    notice_seq INTEGER NOT NULL REFERENCES notice_content (seq),
                    attempt INTEGER NOT NULL,
                    channel TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    finished_at INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    detail TEXT
                ) STRICT;
                INSERT INTO delivery_attempts_rebuilt
                SELECT a.id, c.seq, a.attempt, a.channel, a.started_at, a.finished_at, a.outcome, a.detail
                FROM delivery_attempts a JOIN notice_content c ON c.id = a.notice_id ORDER BY a.id;
                DROP TABLE delivery_attempts;
                ALTER TABLE delivery_attempts_rebuilt RENAME TO delivery_attempts;
                CREATE INDEX delivery_attempts_by_notice ON delivery_attempts (notice_seq);

                DROP TABLE notices;
                CREATE INDEX notice_content_by_resident ON notice_content (resident_id, created_at);
                CREATE INDEX notice_content_by_arrangement ON notice_content (arrangement_id, created_at);
                CREATE INDEX notice_content_by_reference ON notice_content (reference) WHERE reference IS NOT NULL;
                CREATE INDEX notice_state_by_provider_id ON notice_state (provider_message_id)
                    WHERE provider_message_id IS NOT NULL;
                -- The claim: due notices in index order (the WHERE term repeated word for word by the query).
                CREATE INDEX notice_state_claimable ON notice_state (channel, next_attempt_at, notice_seq)
                    WHERE status IN ('queued', 'temporary_failure');
                -- Leases that ran out (a crashed dispatcher's notices), looked for before every claim.
                CREATE INDEX notice_state_leased ON notice_state (channel, lease_until) WHERE status = 'sending';

                CREATE VIEW notices AS
                SELECT s.notice_seq AS seq, c.id, c.resident_id, c.arrangement_id, c.template_id,
                    c.template_version, c.locale, s.channel, c.personalisation, c.idempotency_key, s.status,
                    c.urgent, s.attempts, s.next_attempt_at, s.lease_until, s.provider_message_id, s.last_error,
                    c.reference, c.created_at, s.updated_at
                FROM notice_content c JOIN notice_state s ON s.notice_seq = c.seq;
                """)
    ]

    /// Single-use links: the nonce of every redeemed link, kept until the link would have expired anyway.
    static let links: [Migration] = [
        Migration(
            "notifications.link-redemptions",
            sql: """
                CREATE TABLE link_redemptions (
                    nonce TEXT PRIMARY KEY,
                    purpose TEXT NOT NULL CHECK (purpose IN ('open', 'unsubscribe')),
                    resident_id TEXT NOT NULL,
                    redeemed_at INTEGER NOT NULL,
                    resent_at INTEGER,
                    expires_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX link_redemptions_by_expiry ON link_redemptions (expires_at);
                """)
    ]

    /// The ids of receipts already applied (Standard Webhooks' `webhook-id`), so a replay changes nothing; kept a
    /// day, by `received_at`. And `erased_at` on the content: when retention erased a final notice's personal
    /// content (counted from its state's `updated_at`, which a final status never changes again).
    static let receipts: [Migration] = [
        Migration(
            "notifications.receipt-ids-and-retention",
            sql: """
                CREATE TABLE notice_receipts (
                    receipt_id TEXT PRIMARY KEY,
                    received_at INTEGER NOT NULL
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX notice_receipts_by_time ON notice_receipts (received_at);
                ALTER TABLE notice_content ADD COLUMN erased_at INTEGER;
                """)
    ]

    /// Send results as the provider answers them, before their batch is recorded (`NoticeStore.journal`): a
    /// dispatcher killed mid-batch loses none, and the next claim records them instead of sending again. A row
    /// lives from the answer to its batch's record (at most a few batches in flight). No foreign key: a row is
    /// written for a notice the same process just claimed, and the check cost a look-up per send.
    static let journal: [Migration] = [
        Migration(
            "notifications.results-journal",
            sql: """
                CREATE TABLE notice_results (
                    notice_seq INTEGER PRIMARY KEY,
                    attempt INTEGER NOT NULL,
                    started_at INTEGER NOT NULL,
                    finished_at INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    detail TEXT,
                    next_status TEXT NOT NULL CHECK (next_status IN ('queued', 'sending', 'sent', 'delivered',
                        'temporary_failure', 'permanent_failure', 'dead')),
                    reason TEXT NOT NULL,
                    next_attempt_at INTEGER,
                    provider_message_id TEXT
                ) STRICT;
                """)
    ]
}
