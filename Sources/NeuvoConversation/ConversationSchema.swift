import NeuvoStorage

/// The tables this module owns, declared by stable ids (the application fixes the order of all modules).
public enum ConversationSchema {
    /// Chat sessions, their redacted transcripts, and what staff read: hand-offs, feedback and unanswered questions.
    ///
    /// Every text column holds redacted text only; `conversation_*` rows older than the retention period are purged.
    public static let migrations: [Migration] = [
        Migration(
            "conversation.sessions", legacyVersion: 6,
            sql: """
                CREATE TABLE conversation_sessions (
                    id TEXT PRIMARY KEY,
                    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
                    resident_id TEXT,
                    last_intent TEXT,
                    last_unit TEXT,
                    last_service TEXT,
                    last_district TEXT,
                    last_arrangement TEXT,
                    pending TEXT,
                    suggestions TEXT NOT NULL DEFAULT '[]',
                    turns INTEGER NOT NULL DEFAULT 0,
                    version INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX conversation_sessions_by_update ON conversation_sessions (updated_at);
                CREATE TABLE conversation_turns (
                    id INTEGER PRIMARY KEY,
                    session_id TEXT NOT NULL REFERENCES conversation_sessions (id) ON DELETE CASCADE,
                    speaker TEXT NOT NULL CHECK (speaker IN ('resident', 'neuvo')),
                    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
                    text TEXT NOT NULL,
                    intent TEXT,
                    confidence REAL,
                    at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX conversation_turns_by_session ON conversation_turns (session_id, id);
                CREATE INDEX conversation_turns_by_time ON conversation_turns (at);
                CREATE TABLE conversation_handoffs (
                    id INTEGER PRIMARY KEY,
                    session_id TEXT NOT NULL,
                    resident_id TEXT,
                    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
                    staff_available INTEGER NOT NULL CHECK (staff_available IN (0, 1)),
                    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                    transcript TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX conversation_handoffs_by_status ON conversation_handoffs (status, created_at);
                CREATE TABLE conversation_feedback (
                    id INTEGER PRIMARY KEY,
                    session_id TEXT NOT NULL,
                    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
                    text TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX conversation_feedback_by_time ON conversation_feedback (created_at);
                CREATE TABLE conversation_unanswered (
                    id INTEGER PRIMARY KEY,
                    session_id TEXT NOT NULL,
                    language TEXT NOT NULL CHECK (language IN ('fi', 'sv', 'en')),
                    text TEXT NOT NULL,
                    best_intent TEXT,
                    confidence REAL NOT NULL,
                    created_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX conversation_unanswered_by_time ON conversation_unanswered (created_at);
                """),
        Migration(
            "conversation.session-assurance",
            sql: """
                -- A session carries how its resident was identified, the one arrangement a link is about, and an
                -- absolute expiry. Sessions opened by the earlier reusable links had neither: they identify nobody
                -- any more (the resident opens a new link or identifies).
                ALTER TABLE conversation_sessions ADD COLUMN assurance TEXT NOT NULL DEFAULT 'anonymous'
                    CHECK (assurance IN ('anonymous', 'link', 'strong'));
                ALTER TABLE conversation_sessions ADD COLUMN scope_arrangement TEXT;
                ALTER TABLE conversation_sessions ADD COLUMN expires_at INTEGER;
                UPDATE conversation_sessions SET resident_id = NULL WHERE resident_id IS NOT NULL;
                """),
        Migration(
            "conversation.turn-ratings",
            sql: """
                -- "Was this helpful?" under a reply: the resident's turn it answered, and the verdict. Staff review the
                -- turns rated unhelpful beside those Neuvo did not understand. Purged with the turn it rates.
                CREATE TABLE conversation_ratings (
                    turn_id INTEGER PRIMARY KEY REFERENCES conversation_turns (id) ON DELETE CASCADE,
                    session_id TEXT NOT NULL,
                    helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
                    created_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX conversation_ratings_by_time ON conversation_ratings (created_at);
                """),
        Migration(
            "conversation.live-handoffs",
            sql: """
                -- A customer-service agent takes an open hand-off (one at a time) and chats with the resident until
                -- either closes it. What is said while it is held is kept as events with ids that only grow, so that a
                -- resident's event stream resumes after a reconnect from the last id it saw (AUTOINCREMENT: an id is
                -- never reused, even after a purge removed the newest rows). Texts are redacted like the transcript.
                ALTER TABLE conversation_handoffs ADD COLUMN agent_id TEXT;
                ALTER TABLE conversation_handoffs ADD COLUMN agent_name TEXT;
                ALTER TABLE conversation_handoffs ADD COLUMN taken_at INTEGER;
                ALTER TABLE conversation_handoffs ADD COLUMN closed_at INTEGER;
                ALTER TABLE conversation_handoffs ADD COLUMN close_reason TEXT
                    CHECK (close_reason IN ('agent', 'resident_left', 'unanswered'));
                CREATE INDEX conversation_handoffs_by_session ON conversation_handoffs (session_id, status);
                CREATE TABLE conversation_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    session_id TEXT NOT NULL,
                    handoff_id INTEGER NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('message', 'joined', 'closed', 'unanswered')),
                    sender TEXT NOT NULL CHECK (sender IN ('resident', 'agent', 'neuvo')),
                    text TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX conversation_events_by_session ON conversation_events (session_id, id);
                CREATE INDEX conversation_events_by_time ON conversation_events (created_at);
                """),
    ]
}
