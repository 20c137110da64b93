import Foundation
import NeuvoLanguage
import NeuvoStorage
import NeuvoSupport

/// A question Neuvo asked and is waiting for an answer to. Holds ids and entity values, never free text.
enum PendingQuestion: Sendable, Hashable, Codable {
    /// A required slot was missing: the next message should fill `slot` of `intent`.
    case slot(intent: String, slot: String, filled: [String: String])
    /// Yes or no before anything changes.
    case confirmation(decision: ArrangementDecision, arrangementID: String, details: [String: String])
    /// Which of these intents the resident meant (offered as numbered choices).
    case clarification(intents: [String], filled: [String: String])
    /// Which of their arrangements a decision is about (numbered).
    case arrangementChoice(decision: ArrangementDecision, arrangementIDs: [String], filled: [String: String])
}

/// Everything the conversation remembers between turns. Kept in SQLite, never only in memory, so any process
/// behind a load balancer can answer the next message.
struct SessionState: Sendable, Hashable {
    var id: SessionID
    var language: Language
    var residentID: String?
    var assurance: Assurance = .anonymous
    /// The one arrangement a link session is about.
    var scopeArrangement: String?
    /// The absolute end of an identified session (nil: anonymous, only the idle limit applies).
    var expiresAt: Date?
    /// The last time the session was used: the idle limit counts from here.
    var updatedAt: Date?
    var lastIntent: String?
    var lastUnit: String?
    var lastService: String?
    var lastDistrict: String?
    var lastArrangement: String?
    var pending: PendingQuestion?
    /// The suggestions of the last reply, so that "2" picks the second.
    var suggestions: [String] = []
    var turns = 0
    /// Optimistic concurrency: a save succeeds only on the version it was loaded at.
    var version = 0
    var isNew = true

    init(id: SessionID, language: Language) {
        self.id = id
        self.language = language
    }

    var access: SessionAccess {
        SessionAccess(residentID: residentID, assurance: assurance, scopeArrangement: scopeArrangement)
    }

    /// Past its absolute expiry, or idle longer than the limit.
    func isExpired(now: Date, limits: SessionLimits) -> Bool {
        if let expiresAt, now >= expiresAt { return true }
        if let updatedAt, now.timeIntervalSince(updatedAt) > limits.idleSeconds { return true }
        return false
    }
}

/// Counts of what a purge removed.
public struct PurgeReport: Sendable, Hashable, Codable {
    public var sessions = 0
    public var turns = 0
    public var handoffs = 0
    public var feedback = 0
    public var unanswered = 0

    public init() {}

    public var total: Int { sessions + turns + handoffs + feedback + unanswered }
}

/// One hand-off request as staff read it.
/// Staff see the hand-off's id, never the session's: holding a session id is what continues a conversation.
public struct Handoff: Sendable, Hashable, Codable {
    public let id: Int64
    public let residentID: String?
    public let language: String
    public let staffAvailable: Bool
    public let status: String
    /// Redacted.
    public let transcript: String
    public let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, language, status, transcript
        case residentID = "resident_id"
        case staffAvailable = "staff_available"
        case createdAt = "created_at"
    }
}

/// All SQL of the conversation. Every text written here is redacted first, at this one boundary.
public struct ConversationStore: Sendable {
    public let database: Database
    let redactor: Redactor

    public let limits: SessionLimits

    public init(database: Database, redactor: Redactor = .standard, limits: SessionLimits = SessionLimits()) {
        self.database = database
        self.redactor = redactor
        self.limits = limits
    }

    /// What the transcript and hand-offs keep instead of a reply that carries a sensitive arrangement's details.
    public static let sensitivePlaceholder = "[sensitive arrangement]"

    func redact(_ text: String) -> String { redactor.redact(text) }

    /// A text that went through the redactor: the transcript takes only these. Made before the write, so the
    /// regular expressions run on the caller's thread, not on the database's.
    struct RedactedText: Sendable {
        let value: String
    }

    func redacted(_ text: String) -> RedactedText { RedactedText(value: redactor.redact(text)) }

    // MARK: Sessions

    func load(_ id: SessionID) async throws -> SessionState? {
        try await database.read { connection in try Self.load(id, in: connection) }
    }

    /// The one check of a presented session for what needs an identified resident (`/v1/me`, the chat of an
    /// identified session): known, identified, within its absolute expiry and idle limit. A valid use counts as
    /// activity for the idle limit.
    ///
    /// `identified: false` admits an anonymous session too (its event stream, where holding the id is what continues
    /// a conversation), with the same expiry and idle rules.
    public func check(_ id: SessionID, now: Date, identified: Bool = true) async throws -> SessionCheck {
        guard id.isWellFormed, let state = try await load(id), !identified || state.residentID != nil else {
            return .unknown
        }
        guard !state.isExpired(now: now, limits: limits) else { return .expired }
        try await database.write { connection in
            try connection.execute("UPDATE conversation_sessions SET updated_at = ? WHERE id = ?", now, id.rawValue)
        }
        return .valid(IdentifiedSession(id: id, access: state.access, expiresAt: state.expiresAt))
    }

    static func load(_ id: SessionID, in connection: Connection) throws -> SessionState? {
        guard let row = try connection.queryOne("SELECT * FROM conversation_sessions WHERE id = ?", id.rawValue)
        else { return nil }
        var state = SessionState(id: id, language: Language(rawValue: try row.get("language")) ?? .fi)
        state.residentID = try row.get("resident_id")
        state.assurance = Assurance(rawValue: try row.get("assurance")) ?? .anonymous
        state.scopeArrangement = try row.get("scope_arrangement")
        state.expiresAt = try row.get("expires_at")
        state.updatedAt = try row.get("updated_at")
        state.lastIntent = try row.get("last_intent")
        state.lastUnit = try row.get("last_unit")
        state.lastService = try row.get("last_service")
        state.lastDistrict = try row.get("last_district")
        state.lastArrangement = try row.get("last_arrangement")
        if let pending: String = try row.get("pending") {
            state.pending = try? JSONDecoder().decode(PendingQuestion.self, from: Data(pending.utf8))
        }
        let suggestions: String = try row.get("suggestions")
        state.suggestions = JSONString.stringArray(suggestions) ?? []
        state.turns = try row.get("turns")
        state.version = try row.get("version")
        state.isNew = false
        return state
    }

    /// Inserts or updates the session; false when another turn saved it first.
    static func save(_ state: SessionState, now: Date, in connection: Connection) throws -> Bool {
        let pending = try state.pending.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
        let suggestions = JSONString.array(state.suggestions)
        if state.isNew {
            try connection.execute(
                """
                INSERT INTO conversation_sessions (id, language, resident_id, assurance, scope_arrangement, expires_at,
                    last_intent, last_unit, last_service, last_district, last_arrangement, pending, suggestions, turns,
                    version, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                ON CONFLICT (id) DO NOTHING
                """,
                state.id.rawValue, state.language.rawValue, state.residentID, state.access.assurance.rawValue,
                state.scopeArrangement, state.expiresAt, state.lastIntent, state.lastUnit, state.lastService,
                state.lastDistrict, state.lastArrangement, pending, suggestions, state.turns, now, now)
        } else {
            try connection.execute(
                """
                UPDATE conversation_sessions SET language = ?, resident_id = ?, assurance = ?, scope_arrangement = ?,
                    expires_at = ?, last_intent = ?, last_unit = ?, last_service = ?, last_district = ?,
                    last_arrangement = ?, pending = ?, suggestions = ?, turns = ?, version = version + 1, updated_at = ?
                WHERE id = ? AND version = ?
                """,
                state.language.rawValue, state.residentID, state.access.assurance.rawValue, state.scopeArrangement,
                state.expiresAt, state.lastIntent, state.lastUnit, state.lastService,
                state.lastDistrict, state.lastArrangement, pending, suggestions, state.turns, now, state.id.rawValue,
                state.version)
        }
        return connection.changes > 0
    }

    // MARK: Transcript

    func appendTurn(
        session: SessionID, speaker: String, language: Language, text: RedactedText, intent: String?,
        confidence: Double?, now: Date, in connection: Connection
    ) throws {
        try connection.execute(
            """
            INSERT INTO conversation_turns (session_id, speaker, language, text, intent, confidence, at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            session.rawValue, speaker, language.rawValue, text.value, intent, confidence, now)
    }

    /// The session's transcript as staff read it, one "speaker: text" line a turn (already redacted).
    static func transcript(of session: SessionID, in connection: Connection) throws -> String {
        try connection.query(
            "SELECT speaker, text FROM conversation_turns WHERE session_id = ? ORDER BY id", session.rawValue
        ).map { row in "\(try row.get("speaker", as: String.self)): \(try row.get("text", as: String.self))" }
            .joined(separator: "\n")
    }

    /// The stored transcript of one session: (speaker, text) pairs in order.
    public func turns(of session: SessionID) async throws -> [(speaker: String, text: String)] {
        try await database.read { connection in
            try connection.query(
                "SELECT speaker, text FROM conversation_turns WHERE session_id = ? ORDER BY id", session.rawValue
            ).map { row in (try row.get("speaker"), try row.get("text")) }
        }
    }

    // MARK: What staff read

    func hasOpenHandoff(session: SessionID, in connection: Connection) throws -> Bool {
        try connection.queryOne(
            "SELECT 1 AS one FROM conversation_handoffs WHERE session_id = ? AND status = 'open' LIMIT 1",
            session.rawValue) != nil
    }

    func recordHandoff(
        session: SessionID, residentID: String?, language: Language, staffAvailable: Bool, now: Date,
        in connection: Connection
    ) throws {
        let transcript = try Self.transcript(of: session, in: connection)
        try connection.execute(
            """
            INSERT INTO conversation_handoffs (session_id, resident_id, language, staff_available, status, transcript,
                created_at)
            VALUES (?, ?, ?, ?, 'open', ?, ?)
            """,
            // The turns were redacted when stored; redacting them again would only cost time on long sessions.
            session.rawValue, residentID, language.rawValue, staffAvailable, transcript, now)
    }

    func recordFeedback(session: SessionID, language: Language, text: String, now: Date, in connection: Connection)
        throws
    {
        try connection.execute(
            "INSERT INTO conversation_feedback (session_id, language, text, created_at) VALUES (?, ?, ?, ?)",
            session.rawValue, language.rawValue, redact(text), now)
    }

    func recordUnanswered(
        session: SessionID, language: Language, text: String, bestIntent: String?, confidence: Double, now: Date,
        in connection: Connection
    ) throws {
        try connection.execute(
            """
            INSERT INTO conversation_unanswered (session_id, language, text, best_intent, confidence, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            session.rawValue, language.rawValue, redact(text), bestIntent, confidence, now)
    }

    public func handoffs(status: String = "open") async throws -> [Handoff] {
        try await database.read { connection in
            try connection.query(
                "SELECT * FROM conversation_handoffs WHERE status = ? ORDER BY created_at, id", status
            ).map { row in
                Handoff(
                    id: try row.get("id"), residentID: try row.get("resident_id"),
                    language: try row.get("language"), staffAvailable: try row.get("staff_available"),
                    status: try row.get("status"), transcript: try row.get("transcript"),
                    createdAt: try row.get("created_at"))
            }
        }
    }

    /// Feedback texts, oldest first (redacted).
    public func feedback() async throws -> [String] {
        try await database.read { connection in
            try connection.query("SELECT text FROM conversation_feedback ORDER BY id").map { try $0.get("text") }
        }
    }

    /// Questions Neuvo could not answer, oldest first (redacted).
    public func unansweredQuestions() async throws -> [(text: String, language: String, bestIntent: String?)] {
        try await database.read { connection in
            try connection.query("SELECT text, language, best_intent FROM conversation_unanswered ORDER BY id").map {
                (try $0.get("text"), try $0.get("language"), try $0.get("best_intent"))
            }
        }
    }

    // MARK: Ratings and what Neuvo misunderstood

    /// Records "Was this helpful?" for the session's latest exchange (the resident's last turn): the widget asks it
    /// under its newest reply only. A second verdict on the same turn replaces the first. False when the session has
    /// no resident turn (unknown, purged, or only started by a link).
    public func rate(session: SessionID, helpful: Bool, now: Date) async throws -> Bool {
        guard session.isWellFormed else { return false }
        return try await database.write { connection in
            guard
                let turn = try connection.scalar(
                    "SELECT max(id) FROM conversation_turns WHERE session_id = ? AND speaker = 'resident'",
                    session.rawValue, as: Int64?.self) ?? nil
            else { return false }
            try connection.execute(
                """
                INSERT INTO conversation_ratings (turn_id, session_id, helpful, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (turn_id) DO UPDATE SET helpful = excluded.helpful, created_at = excluded.created_at
                """,
                turn, session.rawValue, helpful, now)
            return true
        }
    }

    /// A resident's turn that Neuvo answered without an intent, with a low confidence (a clarifying question among
    /// them), or that the resident rated unhelpful. Its text was redacted when it was stored.
    public struct MisunderstoodTurn: Sendable, Hashable {
        public let id: Int64
        public let language: Language
        public let text: String
        public let intent: String?
        public let confidence: Double?
        public let ratedUnhelpful: Bool
        public let at: Date
    }

    /// The newest misunderstood resident turns first, at most `limit`: `confidence` below `lowConfidence` counts as
    /// not understood.
    public func misunderstood(lowConfidence: Double, limit: Int) async throws -> [MisunderstoodTurn] {
        try await database.read { connection in
            try connection.query(
                """
                SELECT t.id, t.language, t.text, t.intent, t.confidence, t.at, r.helpful
                FROM conversation_turns t LEFT JOIN conversation_ratings r ON r.turn_id = t.id
                WHERE t.speaker = 'resident' AND (t.intent IS NULL OR t.confidence < ? OR r.helpful = 0)
                ORDER BY t.id DESC LIMIT ?
                """, lowConfidence, limit
            ).map { row in
                let helpful: Int64? = try row.get("helpful")
                return MisunderstoodTurn(
                    id: try row.get("id"), language: Language(rawValue: try row.get("language")) ?? .fi,
                    text: try row.get("text"), intent: try row.get("intent"), confidence: try row.get("confidence"),
                    ratedUnhelpful: helpful == 0, at: try row.get("at"))
            }
        }
    }

    // MARK: Retention

    /// Deletes everything residents wrote that is older than `cutoff`: turns, sessions idle since before it (with
    /// the rest of their turns), and hand-offs, feedback and unanswered questions created before it.
    public func purge(olderThan cutoff: Date, dryRun: Bool = false) async throws -> PurgeReport {
        try await database.write { connection in
            var report = PurgeReport()
            let idle = "SELECT id FROM conversation_sessions WHERE updated_at < ?"
            report.turns =
                try connection.scalar(
                    "SELECT count(*) FROM conversation_turns WHERE at < ? OR session_id IN (\(idle))", cutoff, cutoff,
                    as: Int.self) ?? 0
            report.sessions =
                try connection.scalar(
                    "SELECT count(*) FROM conversation_sessions WHERE updated_at < ?", cutoff, as: Int.self) ?? 0
            func count(_ table: String) throws -> Int {
                try connection.scalar("SELECT count(*) FROM \(table) WHERE created_at < ?", cutoff, as: Int.self) ?? 0
            }
            report.handoffs = try count("conversation_handoffs")
            report.feedback = try count("conversation_feedback")
            report.unanswered = try count("conversation_unanswered")
            guard !dryRun else { return report }
            try connection.execute(
                "DELETE FROM conversation_turns WHERE at < ? OR session_id IN (\(idle))", cutoff, cutoff)
            try connection.execute("DELETE FROM conversation_sessions WHERE updated_at < ?", cutoff)
            for table in [
                "conversation_handoffs", "conversation_feedback", "conversation_unanswered", "conversation_ratings",
                "conversation_events",
            ] {
                try connection.execute("DELETE FROM \(table) WHERE created_at < ?", cutoff)
            }
            return report
        }
    }

    public func purge(retentionDays: Int, now: Date, dryRun: Bool = false) async throws -> PurgeReport {
        try await purge(olderThan: now.addingTimeInterval(-Double(retentionDays) * 86_400), dryRun: dryRun)
    }
}
