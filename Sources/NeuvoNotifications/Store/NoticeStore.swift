import Foundation
import NeuvoArrangements
import NeuvoStorage
import NeuvoSupport

/// The outbox: notices, their transitions and delivery attempts in SQLite. All notification SQL lives here.
///
/// A notice is stored in two tables: `notice_content` (what it says, written once) and `notice_state` (status,
/// attempts, lease, provider id: what the dispatcher rewrites), keyed by the content's `seq`. Reads go through
/// the view `notices`, which joins them; every write names its table.
public struct NoticeStore: Sendable {
    public let database: Database
    /// The city's time zone, for residents' quiet hours.
    public let timeZone: TimeZone

    public init(database: Database, timeZone: TimeZone = TimeZone(identifier: "Europe/Helsinki")!) {
        self.database = database
        self.timeZone = timeZone
    }

    // MARK: Writing

    /// Inserts a notice inside the caller's transaction (the one that creates its arrangement), so a crash can
    /// never leave an arrangement without its notice. An idempotency key already used returns the existing
    /// notice and `created == false`: the same key is the same notice, never a second send.
    /// `encodedPersonalisation`: the personalisation already encoded (`JSONString.object`) by a caller that
    /// prepares rows away from the database's thread.
    public static func insert(_ notice: Notice, encodedPersonalisation: String? = nil, in connection: Connection)
        throws -> (notice: Notice, created: Bool)
    {
        // The unique index on the key decides, not a read before the write.
        try connection.execute(
            """
            INSERT INTO notice_content (id, resident_id, arrangement_id, template_id, template_version, locale,
                personalisation, idempotency_key, urgent, reference, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (idempotency_key) DO NOTHING
            """,
            notice.id, notice.residentID, notice.arrangementID, notice.templateID, notice.templateVersion,
            notice.locale, encodedPersonalisation ?? Self.json(notice.personalisation), notice.idempotencyKey,
            notice.urgent, notice.reference, notice.createdAt)
        let seq = connection.lastInsertRowID
        if connection.changes > 0 {
            try connection.execute(
                """
                INSERT INTO notice_state (notice_seq, channel, status, attempts, next_attempt_at, updated_at)
                VALUES (?, ?, ?, 0, ?, ?)
                """, seq, notice.channel.rawValue, notice.status.rawValue, notice.nextAttemptAt, notice.updatedAt)
        } else {
            guard
                let existing = try connection.queryOne(
                    "SELECT * FROM notices WHERE idempotency_key = ?", notice.idempotencyKey)
            else { throw NoticeError.notFound(notice.idempotencyKey) }
            return (try Self.notice(existing), false)
        }
        try audit(
            notice.id, seq: seq, from: nil, to: notice.status, reason: "created", at: notice.createdAt, in: connection)
        return (notice, true)
    }

    /// The one place where a notice's status changes: checks the transition table, writes the status, the
    /// extra columns and the audit row. Final states never change.
    @discardableResult
    public static func transition(
        _ id: String, to next: NoticeStatus, reason: String, now: Date, in connection: Connection,
        nextAttemptAt: Date? = nil, providerMessageID: String? = nil, countAttempt: Bool = false
    ) throws -> NoticeStatus {
        guard let current = try connection.scalar("SELECT status FROM notices WHERE id = ?", id, as: String.self),
            let status = NoticeStatus(rawValue: current)
        else { throw NoticeError.notFound(id) }
        _ = try transition(
            id, from: status, to: next, reason: reason, now: now, in: connection, nextAttemptAt: nextAttemptAt,
            providerMessageID: providerMessageID, countAttempt: countAttempt)
        return status
    }

    /// A transition from the status the caller expects, without reading it first: one UPDATE guarded by that
    /// status, and its audit row. Returns false, having written nothing, when the notice is not (or no longer) in it.
    static func transition(
        _ id: String, from expected: NoticeStatus, to next: NoticeStatus, reason: String, now: Date,
        in connection: Connection, nextAttemptAt: Date? = nil, providerMessageID: String? = nil,
        countAttempt: Bool = false
    ) throws -> Bool {
        guard
            try move(
                id, from: expected, to: next, reason: reason, now: now, in: connection, nextAttemptAt: nextAttemptAt,
                providerMessageID: providerMessageID, countAttempt: countAttempt)
        else { return false }
        try audit(id, from: expected, to: next, reason: reason, at: now, in: connection)
        return true
    }

    /// The guarded UPDATE of a transition, without its audit row (`record` writes a batch's audit rows together):
    /// with `moveLean`, the only statement that changes a notice's status. `seq`, when the caller has it (the
    /// dispatcher, from its claim), finds the row without the id's index. A move that changes neither
    /// `next_attempt_at` nor `last_error` (an accepted send, a receipt) leaves them out of the statement, so SQLite
    /// need not touch `notice_state_claimable`, whose key holds `next_attempt_at`; found by seq, it is `moveLean`.
    static func move(
        _ id: String, seq: Int64? = nil, from expected: NoticeStatus, to next: NoticeStatus, reason: String,
        now: Date, in connection: Connection, nextAttemptAt: Date? = nil, providerMessageID: String? = nil,
        countAttempt: Bool = false
    ) throws -> Bool {
        guard expected.canMove(to: next) else { throw NoticeError.notAllowed(id: id, from: expected, to: next) }
        let lean = isLean(to: next, nextAttemptAt: nextAttemptAt)
        if lean, let seq {
            let moved = try moveLean(
                [(seq, next, now, providerMessageID)], from: expected, countAttempt: countAttempt, in: connection)
            return !moved.isEmpty
        }
        var arguments: [SQLiteValue] = [.text(next.rawValue), now.sqliteValue]
        if !lean { arguments += [nextAttemptAt.sqliteValue] }
        arguments += [providerMessageID.sqliteValue]
        if !lean { arguments += [next.isFailure.sqliteValue, .text(reason)] }
        arguments += [.integer(countAttempt ? 1 : 0)]
        arguments += [seq.map { .integer($0) } ?? .text(id), .text(expected.rawValue)]
        let sql = lean ? leanMoveByID : (seq == nil ? fullMoveByID : fullMoveBySeq)
        try connection.execute(sql, arguments: arguments)
        return connection.changes > 0
    }

    /// A move that changes neither the retry time nor the error: an accepted send, a receipt.
    static func isLean(to next: NoticeStatus, nextAttemptAt: Date?) -> Bool { nextAttemptAt == nil && !next.isFailure }

    /// `move`'s statements (the lean one by seq is `moveLean`'s).
    private static let fullMoveByID = moveSQL(lean: false, bySeq: false)
    private static let fullMoveBySeq = moveSQL(lean: false, bySeq: true)
    private static let leanMoveByID = moveSQL(lean: true, bySeq: false)

    private static func moveSQL(lean: Bool, bySeq: Bool) -> String {
        "UPDATE notice_state SET status = ?, updated_at = ?, "
            + (lean ? "" : "next_attempt_at = coalesce(?, next_attempt_at), ")
            + "provider_message_id = coalesce(?, provider_message_id), "
            + (lean ? "" : "last_error = CASE WHEN ? THEN ? ELSE last_error END, ")
            + "attempts = attempts + ?, lease_until = NULL "
            + "WHERE notice_seq = " + (bySeq ? "?" : seqOfID) + " AND status = ?"
    }

    /// The lean move of many notices found by seq (the dispatcher's accepted sends) in one statement, where one
    /// each was a third of recording a batch. Returns the seqs that moved: a notice no longer in `expected` (a
    /// receipt settled it meanwhile) stays as it is.
    static func moveLean(
        _ rows: [(seq: Int64, next: NoticeStatus, at: Date, providerMessageID: String?)], from expected: NoticeStatus,
        countAttempt: Bool, in connection: Connection
    ) throws -> Set<Int64> {
        var moved = Set<Int64>(minimumCapacity: rows.count)
        for start in stride(from: 0, to: rows.count, by: recordChunk) {
            let chunk = rows[start..<min(start + recordChunk, rows.count)]
            // In the order the markers appear: the attempt count (SET), the rows (FROM), the expected status.
            var arguments: [SQLiteValue] = [.integer(countAttempt ? 1 : 0)]
            arguments.reserveCapacity(chunk.count * 4 + 2)
            for row in chunk {
                guard expected.canMove(to: row.next) else {
                    throw NoticeError.notAllowed(id: "seq \(row.seq)", from: expected, to: row.next)
                }
                arguments += [.integer(row.seq), .text(row.next.rawValue), row.at.sqliteValue]
                arguments.append(row.providerMessageID.sqliteValue)
            }
            arguments.append(.text(expected.rawValue))
            for row in try connection.query(moveLeanSQL(count: chunk.count), arguments: arguments) {
                moved.insert(try row.get(0))
            }
        }
        return moved
    }

    static func moveLeanSQL(count: Int) -> String {
        let rowsSQL = Array(repeating: "(?, ?, ?, ?)", count: count).joined(separator: ", ")
        return """
            UPDATE notice_state SET status = moves.column2, updated_at = moves.column3,
                provider_message_id = coalesce(moves.column4, provider_message_id), attempts = attempts + ?,
                lease_until = NULL
            FROM (VALUES \(rowsSQL)) AS moves
            WHERE notice_state.notice_seq = moves.column1 AND notice_state.status = ?
            RETURNING notice_seq
            """
    }

    /// A notice's `seq` from its id, inside a statement.
    static let seqOfID = "(SELECT seq FROM notice_content WHERE id = ?)"

    /// The `seq`s of notices by id, in one query (at most a chunk of ids).
    static func seqs(of ids: [String], in connection: Connection) throws -> [String: Int64] {
        guard !ids.isEmpty else { return [:] }
        let placeholders = placeholders(ids.count)
        var found: [String: Int64] = [:]
        for row in try connection.query(
            "SELECT id, seq FROM notice_content WHERE id IN (\(placeholders))", arguments: ids.map { .text($0) })
        {
            found[try row.get(0)] = try row.get(1)
        }
        return found
    }

    /// The audit tables' multi-row statements, for `count` rows; every value is bound, the notice as its `seq`.
    /// (A per-row look-up by id inside them made each a large program, kept per batch size.)
    static func insertTransitionsSQL(count: Int) -> String {
        let rowsSQL = Array(repeating: "(?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
        return "INSERT INTO notice_transitions (notice_seq, from_status, to_status, reason, at) VALUES \(rowsSQL)"
    }

    static func insertAttemptsSQL(count: Int) -> String {
        let rowsSQL = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
        return """
            INSERT INTO delivery_attempts (notice_seq, attempt, channel, started_at, finished_at, outcome, detail)
            VALUES \(rowsSQL)
            """
    }

    /// One audit row; the notice by `seq` when the caller has it, else by id.
    static func audit(
        _ id: String, seq: Int64? = nil, from: NoticeStatus?, to: NoticeStatus, reason: String, at: Date,
        in connection: Connection
    ) throws {
        let values: [SQLiteValue] = [
            from.map { .text($0.rawValue) } ?? .null, .text(to.rawValue), .text(reason), at.sqliteValue,
        ]
        if let seq {
            try connection.execute(insertTransitionsSQL(count: 1), arguments: [.integer(seq)] + values)
        } else {
            try connection.execute(
                """
                INSERT INTO notice_transitions (notice_seq, from_status, to_status, reason, at)
                VALUES (\(Self.seqOfID), ?, ?, ?, ?)
                """, arguments: [.text(id)] + values)
        }
    }

    /// Due notices, oldest due first. Its WHERE term is `notice_state_claimable`'s, word for word: SQLite uses a partial
    /// index only then, and this query then reads the first `limit` entries in order instead of sorting the outbox.
    static let dueSQL = """
        SELECT * FROM notices
        WHERE status IN ('queued', 'temporary_failure') AND channel = ? AND next_attempt_at <= ?
        ORDER BY next_attempt_at, seq LIMIT ?
        """

    /// Claims up to `limit` due notices of a channel for sending: they become `sending` with a lease. Notices
    /// left in `sending` by a crashed process (lease expired) are first turned into temporary failures, with their
    /// unfinished attempt recorded as `interrupted`, so they are sent again: delivery is at least once, and the
    /// notice id lets the receiver deduplicate.
    public func claimDue(channel: ChannelKind, limit: Int, now: Date, lease: TimeInterval) async throws -> [Notice] {
        try await claim(channel: channel, limit: limit, now: now, lease: lease).notices
    }

    /// A claimed batch and where to reach its residents now.
    public struct Claim: Sendable {
        public let notices: [Notice]
        public let recipients: [String: Recipient]
        /// Each claimed notice's `seq`, so that recording its attempt updates its state without the id's index.
        public let seqs: [String: Int64]
    }

    /// `claimDue` with the batch's recipients, read in the same transaction.
    public func claim(channel: ChannelKind, limit: Int, now: Date, lease: TimeInterval) async throws -> Claim {
        let zone = timeZone
        let (rows, recipients) = try await database.write { connection in
            let rows = try Self.claimRows(channel: channel, limit: limit, now: now, lease: lease, in: connection)
            return (rows, try Self.recipients(of: rows, timeZone: zone, in: connection))
        }
        return try Self.claimed(rows, recipients: recipients)
    }

    /// Records one batch's attempts and claims the next batch in one transaction: one commit and one trip to the
    /// database's thread where there were three.
    public func recordAndClaim(
        _ results: [AttemptResult], channel: ChannelKind, limit: Int, now: Date, lease: TimeInterval
    ) async throws -> Claim {
        let zone = timeZone
        let (rows, recipients) = try await database.write { connection in
            try Self.record(results, in: connection)
            let rows = try Self.claimRows(channel: channel, limit: limit, now: now, lease: lease, in: connection)
            return (rows, try Self.recipients(of: rows, timeZone: zone, in: connection))
        }
        return try Self.claimed(rows, recipients: recipients)
    }

    /// Decoded here, on the caller's thread: the database's thread is the dispatcher's narrowest part.
    static func claimed(_ rows: [Row], recipients: [String: Recipient]) throws -> Claim {
        let notices = try notices(rows).map { notice in
            var notice = notice
            notice.status = .sending
            return notice
        }
        guard let first = rows.first else { return Claim(notices: [], recipients: [:], seqs: [:]) }
        let seq = try NoticeColumns.index(of: "seq", in: first.columns)
        var seqs: [String: Int64] = [:]
        seqs.reserveCapacity(rows.count)
        for (notice, row) in zip(notices, rows) { seqs[notice.id] = try row.get(seq) }
        return Claim(notices: notices, recipients: recipients, seqs: seqs)
    }

    static func claimRows(channel: ChannelKind, limit: Int, now: Date, lease: TimeInterval, in connection: Connection)
        throws -> [Row]
    {
        let stale = try connection.query(
            """
            SELECT seq, id, attempts, updated_at FROM notices
            WHERE status = 'sending' AND channel = ? AND lease_until < ? LIMIT ?
            """, channel.rawValue, now, limit)
        for row in stale {
            // The process that claimed it stopped before recording the attempt: the message may or may not have
            // reached the provider. The attempt is recorded as such, so the trail shows every send.
            let id: String = try row.get("id")
            try connection.execute(
                insertAttemptsSQL(count: 1),
                arguments: [
                    .integer(try row.get("seq")), .integer(Int64(try row.get("attempts", as: Int.self) + 1)),
                    .text(channel.rawValue),
                    try row.get("updated_at", as: Date.self).sqliteValue, now.sqliteValue, .text("interrupted"),
                    .text("the dispatcher stopped before recording the outcome; resent with the same id"),
                ])
            _ = try transition(
                id, from: .sending, to: .temporaryFailure,
                reason: "interrupted while sending (restart); will resend", now: now, in: connection,
                nextAttemptAt: now, countAttempt: true)
        }
        let due = try connection.query(dueSQL, channel.rawValue, now, limit)
        guard let first = due.first else { return [] }
        let columns = try NoticeColumns(first.columns)
        let seq = try NoticeColumns.index(of: "seq", in: first.columns)
        try markSending(
            due.map { (try $0.get(seq), try $0.get(columns.status)) }, lease: now.addingTimeInterval(lease), now: now,
            in: connection)
        return due
    }

    /// The claim's transitions for a whole batch at once (queued or temporary_failure → sending, both allowed by
    /// the table), with their audit rows: two statements per chunk instead of four per notice. The unary `+` keeps
    /// any index on the status out of the UPDATE's plan: when the outbox had one, SQLite guessed it cheaper than
    /// hundreds of primary-key lookups and scanned every queued notice for every batch (a claim cost grew with the
    /// outbox; a test holds the plan).
    static func markSending(
        _ rows: [(seq: Int64, status: String)], lease: Date, now: Date, in connection: Connection
    ) throws {
        for start in stride(from: 0, to: rows.count, by: 400) {
            let chunk = rows[start..<min(start + 400, rows.count)]
            precondition(chunk.allSatisfy { NoticeStatus(rawValue: $0.status)?.canMove(to: .sending) == true })
            try connection.execute(
                markSendingSQL(count: chunk.count),
                arguments: [now.sqliteValue, lease.sqliteValue] + chunk.map { .integer($0.seq) })
            try connection.execute(
                insertTransitionsSQL(count: chunk.count),
                arguments: chunk.flatMap {
                    [
                        .integer($0.seq), .text($0.status), .text(NoticeStatus.sending.rawValue),
                        .text("claimed by dispatcher"), now.sqliteValue,
                    ]
                })
        }
    }

    static func markSendingSQL(count: Int) -> String {
        let placeholders = placeholders(count)
        return """
            UPDATE notice_state SET status = 'sending', updated_at = ?, lease_until = ?
            WHERE notice_seq IN (\(placeholders)) AND +status IN ('queued', 'temporary_failure')
            """
    }

    /// The earliest time a notice of this channel becomes due, for the dispatcher to sleep until: the first
    /// in `notice_state_claimable` (one index step, however many wait for the morning) or the first lease to run out.
    public func nextDueTime(channel: ChannelKind) async throws -> Date? {
        try await database.read { connection in
            let due =
                try connection.scalar(
                    """
                    SELECT min(next_attempt_at) FROM notice_state
                    WHERE status IN ('queued', 'temporary_failure') AND channel = ?
                    """, channel.rawValue, as: Date?.self) ?? nil
            let lease =
                try connection.scalar(
                    "SELECT min(lease_until) FROM notice_state WHERE status = 'sending' AND channel = ?",
                    channel.rawValue,
                    as: Date?.self) ?? nil
            return [due, lease].compactMap { $0 }.min()
        }
    }

    /// Records the attempts of a batch in one transaction (fewer fsyncs than one per notice): the attempts and
    /// the audit rows as multi-row INSERTs, one guarded UPDATE per notice. The database's thread is the
    /// dispatcher's narrowest part, and statements per notice were most of its work.
    public func record(_ results: [AttemptResult]) async throws {
        guard !results.isEmpty else { return }
        try await database.write { connection in try Self.record(results, in: connection) }
    }

    /// Rows per multi-row INSERT: 7 parameters a row stays far below SQLite's 32,766, and full chunks reuse one
    /// prepared statement.
    static let recordChunk = 250

    static func record(_ results: [AttemptResult], in connection: Connection) throws {
        for start in stride(from: 0, to: results.count, by: recordChunk) {
            try record(results[start..<min(start + recordChunk, results.count)], in: connection)
        }
    }

    static func record(_ results: ArraySlice<AttemptResult>, in connection: Connection) throws {
        // The dispatcher's results carry their claim's seq; any other caller's are looked up by id, in one query.
        let found = try seqs(of: results.filter { $0.seq == nil }.map(\.noticeID), in: connection)
        let results = try results.map { result -> (result: AttemptResult, seq: Int64) in
            guard let seq = result.seq ?? found[result.noticeID] else { throw NoticeError.notFound(result.noticeID) }
            return (result, seq)
        }
        var attempts: [SQLiteValue] = []
        attempts.reserveCapacity(results.count * 7)
        for (result, seq) in results {
            attempts += [
                .integer(seq), .integer(Int64(result.attempt)), .text(result.channel.rawValue),
                result.startedAt.sqliteValue, result.finishedAt.sqliteValue, .text(result.outcomeName),
                result.detail.sqliteValue,
            ]
        }
        try connection.execute(insertAttemptsSQL(count: results.count), arguments: attempts)
        // Accepted sends, the usual outcome, move together; the rest one by one.
        let lean = results.filter { $0.result.isLean }.map { result, seq in
            (seq, result.nextStatus, result.finishedAt, result.providerMessageID)
        }
        let movedLean = try moveLean(lean, from: .sending, countAttempt: true, in: connection)
        var audits: [SQLiteValue] = []
        var audited = 0
        audits.reserveCapacity(results.count * 5)
        for (result, seq) in results {
            // A provider receipt may have settled the notice while we were sending ("receipt arrived first"):
            // its final status stands; only the attempt is counted.
            let moved =
                try result.isLean
                ? movedLean.contains(seq)
                : move(
                    result.noticeID, seq: seq, from: .sending, to: result.nextStatus, reason: result.reason,
                    now: result.finishedAt, in: connection, nextAttemptAt: result.nextAttemptAt,
                    providerMessageID: result.providerMessageID, countAttempt: true)
            guard moved else {
                try connection.execute("UPDATE notice_state SET attempts = attempts + 1 WHERE notice_seq = ?", seq)
                continue
            }
            audits += [
                .integer(seq), .text(NoticeStatus.sending.rawValue), .text(result.nextStatus.rawValue),
                .text(result.reason), result.finishedAt.sqliteValue,
            ]
            audited += 1
        }
        guard audited > 0 else { return }
        try connection.execute(insertTransitionsSQL(count: audited), arguments: audits)
    }

    /// "?, ?, ?" for `count` values.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    // MARK: Receipts

    public enum ReceiptOutcome: String, Sendable, Hashable, Codable {
        /// The notice moved to the receipt's status.
        case applied
        /// The notice was already final (a duplicate or late receipt): nothing changed.
        case ignored
        case unknownNotice = "unknown_notice"
    }

    /// A provider's delivery receipt, matched by notice id (our `webhook-id`) or the provider's message id.
    /// Receipts may arrive twice or out of order; a final status is never overwritten.
    public func applyReceipt(id: String, delivered: Bool, reason: String?, now: Date) async throws -> ReceiptOutcome {
        try await database.write { connection in
            guard
                // Two lookups, not "id = ?1 OR provider_message_id = ?1": the columns are in two tables, and
                // SQLite's OR optimisation works only within one, so that query read the whole outbox.
                let row = try connection.queryOne(
                    """
                    SELECT id, status FROM notices WHERE id = ?1
                    UNION ALL SELECT id, status FROM notices WHERE provider_message_id = ?1 LIMIT 1
                    """, id),
                let status = NoticeStatus(rawValue: try row.get("status"))
            else { return .unknownNotice }
            let noticeID: String = try row.get("id")
            let target: NoticeStatus = delivered ? .delivered : .permanentFailure
            let text = delivered ? "delivery receipt" : "provider receipt: " + (reason ?? "not delivered")
            switch status {
            case .sent:
                try Self.transition(noticeID, to: target, reason: text, now: now, in: connection)
                return .applied
            case .sending, .temporaryFailure, .queued:
                // The receipt outran our own record of the send: record the send first, then the receipt.
                if status != .sending {
                    try Self.transition(
                        noticeID, to: .sending, reason: "receipt arrived first", now: now, in: connection)
                }
                try Self.transition(noticeID, to: .sent, reason: "receipt arrived first", now: now, in: connection)
                try Self.transition(noticeID, to: target, reason: text, now: now, in: connection)
                return .applied
            case .delivered, .permanentFailure, .dead:
                return .ignored
            }
        }
    }

    /// Attempts by channel and outcome, for metrics.
    public func attemptCounts() async throws -> [(channel: String, outcome: String, count: Int)] {
        try await database.read { connection in
            try connection.query(
                "SELECT channel, outcome, count(*) AS n FROM delivery_attempts GROUP BY channel, outcome"
            )
            .map { (try $0.get("channel"), try $0.get("outcome"), try $0.get("n")) }
        }
    }

    // MARK: Reading

    public func notice(_ id: String) async throws -> Notice? {
        try await database.read { connection in
            try connection.queryOne("SELECT * FROM notices WHERE id = ?", id).map(Self.notice)
        }
    }

    public func notices(
        status: NoticeStatus? = nil, residentID: String? = nil, reference: String? = nil, limit: Int = 100
    )
        async throws -> [Notice]
    {
        try await database.read { connection in
            try Self.notices(
                connection.query(
                    """
                    SELECT * FROM notices WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR resident_id = ?2)
                        AND (?3 IS NULL OR reference = ?3)
                    ORDER BY created_at DESC, id LIMIT ?4
                    """, status?.rawValue, residentID, reference, limit))
        }
    }

    public func countsByStatus() async throws -> [NoticeStatus: Int] {
        try await database.read { connection in
            var counts: [NoticeStatus: Int] = [:]
            for row in try connection.query("SELECT status, count(*) AS n FROM notice_state GROUP BY status") {
                if let status = NoticeStatus(rawValue: try row.get("status")) { counts[status] = try row.get("n") }
            }
            return counts
        }
    }

    public struct Transition: Sendable, Hashable, Codable {
        public let from: String?
        public let to: String
        public let reason: String
        public let at: Date
    }

    public struct Attempt: Sendable, Hashable, Codable {
        public let attempt: Int
        public let channel: String
        public let startedAt: Date
        public let finishedAt: Date
        public let outcome: String
        public let detail: String?
    }

    public func history(of id: String) async throws -> (transitions: [Transition], attempts: [Attempt]) {
        try await database.read { connection in
            let transitions = try connection.query(
                "SELECT from_status, to_status, reason, at FROM notice_transitions WHERE notice_seq = \(Self.seqOfID) ORDER BY id",
                id
            ).map { row in
                Transition(
                    from: try row.get("from_status"), to: try row.get("to_status"), reason: try row.get("reason"),
                    at: try row.get("at"))
            }
            let attempts = try connection.query(
                "SELECT * FROM delivery_attempts WHERE notice_seq = \(Self.seqOfID) ORDER BY id", id
            ).map { row in
                Attempt(
                    attempt: try row.get("attempt"), channel: try row.get("channel"),
                    startedAt: try row.get("started_at"),
                    finishedAt: try row.get("finished_at"), outcome: try row.get("outcome"),
                    detail: try row.get("detail"))
            }
            return (transitions, attempts)
        }
    }

    static func json(_ values: [String: String]) -> String { JSONString.object(values) }

    static func notice(_ row: Row) throws -> Notice {
        try NoticeColumns(row.columns).notice(row)
    }

    /// Notices from rows of one query: the columns are looked up by name once, not once per row and field (that
    /// lookup was a fifth of the claim).
    static func notices(_ rows: [Row]) throws -> [Notice] {
        guard let first = rows.first else { return [] }
        let columns = try NoticeColumns(first.columns)
        return try rows.map(columns.notice)
    }
}

extension NoticeStore {
    /// The first notice queued for an arrangement, in the caller's transaction.
    public static func firstNotice(arrangementID: String, in connection: Connection) throws -> (
        id: String, channel: String
    )? {
        guard
            let row = try connection.queryOne(
                "SELECT id, channel FROM notices WHERE arrangement_id = ? ORDER BY created_at LIMIT 1", arrangementID)
        else { return nil }
        return (try row.get("id"), try row.get("channel"))
    }

    /// The notice with this idempotency key, in the caller's transaction.
    public static func notice(idempotencyKey: String, in connection: Connection) throws -> Notice? {
        try connection.queryOne("SELECT * FROM notices WHERE idempotency_key = ?", idempotencyKey).map(notice)
    }

    /// Which of these idempotency keys a notice already has, in the caller's transaction.
    public static func usedIdempotencyKeys(_ keys: [String], in connection: Connection) throws -> Set<String> {
        var used: Set<String> = []
        for start in stride(from: 0, to: keys.count, by: 500) {
            let chunk = keys[start..<min(start + 500, keys.count)]
            let placeholders = placeholders(chunk.count)
            let found = try connection.query(
                "SELECT idempotency_key FROM notice_content WHERE idempotency_key IN (\(placeholders))",
                arguments: chunk.map { .text($0) })
            for row in found { used.insert(try row.get(0)) }
        }
        return used
    }
}

extension NoticeStore {
    /// Where to reach residents now (their address may have changed since the notice was queued).
    public struct Recipient: Sendable, Hashable {
        public let email: String?
        public let phone: String?
        public let quietStart: Int
        public let quietEnd: Int
        public let timeZone: TimeZone
    }

    /// The recipients of claimed rows, inside the claim's transaction.
    static func recipients(of rows: [Row], timeZone: TimeZone, in connection: Connection) throws -> [String: Recipient]
    {
        guard let first = rows.first else { return [:] }
        let column = try NoticeColumns(first.columns).residentID
        let unique = Array(Set(try rows.map { try $0.get(column, as: String.self) }))
        return try ArrangementStore.contacts(of: unique, in: connection).mapValues { contact in
            Recipient(
                email: contact.email, phone: contact.phone, quietStart: contact.quietStart,
                quietEnd: contact.quietEnd, timeZone: timeZone)
        }
    }
}

/// The outcome of one delivery attempt, with what it means for the notice.
public struct AttemptResult: Sendable, Hashable {
    public let noticeID: String
    public let attempt: Int
    public let channel: ChannelKind
    public let startedAt: Date
    public let finishedAt: Date
    public let outcomeName: String
    public let detail: String?
    public let nextStatus: NoticeStatus
    public let reason: String
    public let nextAttemptAt: Date?
    public let providerMessageID: String?
    /// The notice's `seq` from the dispatcher's claim (nil: look it up by id). Set only by the dispatcher, from
    /// the claim that produced the notice: a move by seq trusts it.
    var seq: Int64? = nil

    /// Changes neither the retry time nor the error (an accepted send): `move`'s lean form.
    var isLean: Bool { NoticeStore.isLean(to: nextStatus, nextAttemptAt: nextAttemptAt) }
}

/// Where each field of a notice is in a `SELECT *` row.
struct NoticeColumns {
    let id, residentID, arrangementID, templateID, templateVersion, locale, channel, personalisation: Int
    let idempotencyKey, status, urgent, attempts, nextAttemptAt, providerMessageID, lastError, reference: Int
    let createdAt, updatedAt: Int

    static func index(of name: String, in names: [String]) throws -> Int {
        guard let index = names.firstIndex(of: name) else {
            throw SQLiteError(code: 1, message: "no column named \(name) in the result")
        }
        return index
    }

    init(_ names: [String]) throws {
        func index(_ name: String) throws -> Int { try Self.index(of: name, in: names) }
        (id, residentID, arrangementID, templateID) = (
            try index("id"), try index("resident_id"), try index("arrangement_id"), try index("template_id")
        )
        (templateVersion, locale, channel, personalisation) = (
            try index("template_version"), try index("locale"), try index("channel"), try index("personalisation")
        )
        (idempotencyKey, status, urgent, attempts) = (
            try index("idempotency_key"), try index("status"), try index("urgent"), try index("attempts")
        )
        (nextAttemptAt, providerMessageID, lastError, reference) = (
            try index("next_attempt_at"), try index("provider_message_id"), try index("last_error"),
            try index("reference")
        )
        (createdAt, updatedAt) = (try index("created_at"), try index("updated_at"))
    }

    func notice(_ row: Row) throws -> Notice {
        let personalisationText: String = try row.get(personalisation)
        guard let channelKind = ChannelKind(rawValue: try row.get(channel)),
            let statusValue = NoticeStatus(rawValue: try row.get(status))
        else { throw SQLiteError(code: 20, message: "notice \(try row.get(id, as: String.self)) has unknown values") }
        return Notice(
            id: try row.get(id), residentID: try row.get(residentID), arrangementID: try row.get(arrangementID),
            templateID: try row.get(templateID), templateVersion: try row.get(templateVersion),
            locale: try row.get(locale), channel: channelKind,
            personalisation: JSONString.flatObject(personalisationText)
                ?? (try? JSONDecoder().decode([String: String].self, from: Data(personalisationText.utf8))) ?? [:],
            idempotencyKey: try row.get(idempotencyKey), status: statusValue, urgent: try row.get(urgent),
            attempts: try row.get(attempts), nextAttemptAt: try row.get(nextAttemptAt),
            providerMessageID: try row.get(providerMessageID), lastError: try row.get(lastError),
            reference: try row.get(reference), createdAt: try row.get(createdAt), updatedAt: try row.get(updatedAt))
    }
}
