import Foundation
import NeuvoArrangements
import NeuvoCore
import NeuvoStorage
import NeuvoSupport

/// The outbox: notices, their transitions and delivery attempts in SQLite. This file writes: a notice is inserted
/// once, and its status changes only through `writeStatus`, with its audit row (claims, recorded attempts, receipts,
/// operators' transitions). Reads are in `NoticeQueries.swift`.
///
/// A notice is stored in two tables: `notice_content` (what it says, written once) and `notice_state` (status,
/// attempts, lease, provider id: what the dispatcher rewrites), keyed by the content's `seq`. Reads go through
/// the view `notices`, which joins them; every write names its table.
public struct NoticeStore: Sendable {
    public let database: Database
    /// The city's time zone, for residents' quiet hours.
    public let timeZone: TimeZone

    public init(database: Database, timeZone: TimeZone = City.timeZone) {
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
        // A notice's first status is written with the notice; its audit row says it was created.
        try connection.execute(
            insertTransitionsSQL(count: 1),
            arguments: [
                .integer(seq), .null, .text(notice.status.rawValue), .text("created"), notice.createdAt.sqliteValue,
            ])
        return (notice, true)
    }

    /// Reads a notice's status, then moves it (`writeStatus`). Final states never change.
    @discardableResult
    public static func transition(
        _ id: String, to next: NoticeStatus, reason: String, now: Date, in connection: Connection,
        nextAttemptAt: Date? = nil, providerMessageID: String? = nil, countAttempt: Bool = false
    ) throws -> NoticeStatus {
        guard
            let row = try connection.queryOne("SELECT seq, status FROM notices WHERE id = ?", id),
            let status = NoticeStatus(rawValue: try row.get("status"))
        else { throw NoticeError.notFound(id) }
        _ = try writeStatus(
            [
                StatusMove(
                    seq: try row.get("seq"), id: id, from: status, to: next, reason: reason, at: now,
                    nextAttemptAt: nextAttemptAt, providerMessageID: providerMessageID)
            ], countAttempt: countAttempt, in: connection)
        return status
    }

    /// One notice's change of status, from the status the caller expects.
    struct StatusMove: Sendable {
        let seq: Int64
        let id: String
        let from: NoticeStatus
        let to: NoticeStatus
        let reason: String
        let at: Date
        var nextAttemptAt: Date? = nil
        var providerMessageID: String? = nil
        /// Until when a claim (to `sending`) holds the notice.
        var lease: Date? = nil
        /// An operator's retry (`retry`): the one move out of a final failure.
        var operatorRetry = false

        /// Allowed by the transition table, or an operator's retry of a final failure back to the queue.
        var isAllowed: Bool {
            from.canMove(to: to) || (operatorRetry && to == .queued && NoticeStatus.retryable.contains(from))
        }

        /// A move that changes neither the retry time nor the error: an accepted send, a receipt.
        var isLean: Bool { NoticeStore.isLean(to: to, nextAttemptAt: nextAttemptAt) }
    }

    /// The one function that changes a notice's status: checks each move against the transition table, writes the
    /// moves guarded by the status each expects (a notice no longer in it, say settled by a receipt meanwhile, is
    /// left as it is), and writes the audit row of every notice that moved, in the caller's transaction. Returns
    /// whether each move happened. Batches take few statements: a claim's moves to `sending` and the accepted sends
    /// (lean moves: neither the retry time nor the error changes, so `notice_state_claimable` is not touched) one
    /// multi-row statement per chunk; the others one guarded UPDATE each; the audit rows one INSERT per chunk.
    static func writeStatus(_ moves: [StatusMove], countAttempt: Bool, in connection: Connection) throws -> [Bool] {
        for move in moves where !move.isAllowed {
            throw NoticeError.notAllowed(id: move.id, from: move.from, to: move.to)
        }
        var moved = [Bool](repeating: false, count: moves.count)
        let claims = moves.indices.filter { moves[$0].lease != nil }
        if !claims.isEmpty {
            // Read in this transaction from queued or temporary_failure: every one moves.
            try markSending(claims.map { moves[$0] }, in: connection)
            for index in claims { moved[index] = true }
        }
        let lean = moves.indices.filter { moves[$0].isLean && moves[$0].lease == nil }
        for from in Set(lean.map { moves[$0].from }) {
            let group = lean.filter { moves[$0].from == from }
            let done = try moveLean(group.map { moves[$0] }, from: from, countAttempt: countAttempt, in: connection)
            for index in group { moved[index] = done.contains(moves[index].seq) }
        }
        for index in moves.indices where !moves[index].isLean && moves[index].lease == nil {
            moved[index] = try move(moves[index], countAttempt: countAttempt, in: connection)
        }
        let audited = moves.indices.filter { moved[$0] }.map { moves[$0] }
        for range in statementChunks(audited.count) {
            let chunk = audited[range]
            try connection.execute(
                insertTransitionsSQL(count: chunk.count),
                arguments: chunk.flatMap { move -> [SQLiteValue] in
                    [
                        .integer(move.seq), .text(move.from.rawValue), .text(move.to.rawValue), .text(move.reason),
                        move.at.sqliteValue,
                    ]
                })
        }
        return moved
    }

    /// One guarded UPDATE that may change the retry time and the error (the `+` as in `moveLeanSQL`).
    private static func move(_ move: StatusMove, countAttempt: Bool, in connection: Connection) throws -> Bool {
        try connection.execute(
            fullMoveSQL,
            arguments: [
                .text(move.to.rawValue), move.at.sqliteValue, move.nextAttemptAt.sqliteValue,
                move.providerMessageID.sqliteValue, move.to.isFailure.sqliteValue, .text(move.reason),
                .integer(countAttempt ? 1 : 0), .integer(move.seq), .text(move.from.rawValue),
            ])
        return connection.changes > 0
    }

    static func isLean(to next: NoticeStatus, nextAttemptAt: Date?) -> Bool { nextAttemptAt == nil && !next.isFailure }

    private static let fullMoveSQL = """
        UPDATE notice_state SET status = ?, updated_at = ?, next_attempt_at = coalesce(?, next_attempt_at),
            provider_message_id = coalesce(?, provider_message_id),
            last_error = CASE WHEN ? THEN ? ELSE last_error END, attempts = attempts + ?, lease_until = NULL
        WHERE notice_seq = ? AND +status = ?
        """

    /// Lean moves of many notices in one statement per chunk rather than one each.
    /// Returns the seqs that moved.
    private static func moveLean(
        _ moves: [StatusMove], from expected: NoticeStatus, countAttempt: Bool, in connection: Connection
    ) throws -> Set<Int64> {
        var moved = Set<Int64>(minimumCapacity: moves.count)
        for range in statementChunks(moves.count) {
            let chunk = moves[range]
            // In the order the markers appear: the attempt count (SET), the rows (FROM), the expected status.
            var arguments: [SQLiteValue] = [.integer(countAttempt ? 1 : 0)]
            arguments.reserveCapacity(chunk.count * 4 + 2)
            for move in chunk {
                arguments += [.integer(move.seq), .text(move.to.rawValue), move.at.sqliteValue]
                arguments.append(move.providerMessageID.sqliteValue)
            }
            arguments.append(.text(expected.rawValue))
            for row in try connection.query(moveLeanSQL(count: chunk.count), arguments: arguments) {
                moved.insert(try row.get(0))
            }
        }
        return moved
    }

    /// The unary `+` keeps the expected status away from the partial indexes: compared with their constant
    /// (`WHERE status = 'sending'`), a bound status made SQLite compile this statement again at every execution.
    static let moveLeanSQL = RowsSQL(makeMoveLeanSQL)

    static func makeMoveLeanSQL(count: Int) -> String {
        let rowsSQL = Array(repeating: "(?, ?, ?, ?)", count: count).joined(separator: ", ")
        return """
            UPDATE notice_state SET status = moves.column2, updated_at = moves.column3,
                provider_message_id = coalesce(moves.column4, provider_message_id), attempts = attempts + ?,
                lease_until = NULL
            FROM (VALUES \(rowsSQL)) AS moves
            WHERE notice_state.notice_seq = moves.column1 AND +notice_state.status = ?
            RETURNING notice_seq
            """
    }

    /// A claim's moves to `sending`, in one statement per chunk. The unary `+` keeps any index on the status out
    /// of the UPDATE's plan: when the outbox had one, SQLite guessed it cheaper than hundreds of primary-key lookups
    /// and scanned every queued notice for every batch (a claim cost grew with the outbox; a test holds the plan).
    private static func markSending(_ moves: [StatusMove], in connection: Connection) throws {
        for range in statementChunks(moves.count) {
            let chunk = moves[range]
            guard let first = chunk.first, let lease = first.lease else { continue }
            precondition(chunk.allSatisfy { $0.to == .sending })
            try connection.execute(
                markSendingSQL(count: chunk.count),
                arguments: [first.at.sqliteValue, lease.sqliteValue] + chunk.map { .integer($0.seq) })
        }
    }

    static let markSendingSQL = RowsSQL(makeMarkSendingSQL)

    static func makeMarkSendingSQL(count: Int) -> String {
        let placeholders = placeholders(count)
        return """
            UPDATE notice_state SET status = 'sending', updated_at = ?, lease_until = ?
            WHERE notice_seq IN (\(placeholders)) AND +status IN ('queued', 'temporary_failure')
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
    static let insertTransitionsSQL = RowsSQL(makeInsertTransitionsSQL)

    static func makeInsertTransitionsSQL(count: Int) -> String {
        let rowsSQL = Array(repeating: "(?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
        return "INSERT INTO notice_transitions (notice_seq, from_status, to_status, reason, at) VALUES \(rowsSQL)"
    }

    static let insertAttemptsSQL = RowsSQL(makeInsertAttemptsSQL)

    static func makeInsertAttemptsSQL(count: Int) -> String {
        let rowsSQL = Array(repeating: "(?, ?, ?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
        return """
            INSERT INTO delivery_attempts (notice_seq, attempt, channel, started_at, finished_at, outcome, detail)
            VALUES \(rowsSQL)
            """
    }

    /// Due notices, oldest due first. Its WHERE term is `notice_state_claimable`'s, word for word: SQLite uses a partial
    /// index only then, and this query then reads the first `limit` entries in order instead of sorting the outbox.
    static let dueSQL = """
        SELECT * FROM notices
        WHERE status IN ('queued', 'temporary_failure') AND channel = ? AND next_attempt_at <= ?
        ORDER BY next_attempt_at, seq LIMIT ?
        """

    /// A claimed batch and where to reach its residents now.
    public struct Claim: Sendable {
        public let notices: [Notice]
        public let recipients: [String: Recipient]
        /// Each claimed notice's `seq`, so that recording its attempt updates its state without the id's index.
        public let seqs: [String: Int64]
    }

    /// Claims up to `limit` due notices of a channel for sending: they become `sending` with a lease. Notices
    /// left in `sending` by a crashed process (lease expired) are first turned into temporary failures, with their
    /// unfinished attempt recorded as `interrupted`, so they are sent again: delivery is at least once, and the
    /// notice id lets the receiver deduplicate.
    /// The batch comes with its recipients, read in the same transaction.
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
        _ results: [AttemptResult], clearingJournal: Bool = false, channel: ChannelKind, limit: Int, now: Date,
        lease: TimeInterval
    ) async throws -> Claim {
        let zone = timeZone
        let (rows, recipients) = try await database.write { connection in
            try Self.record(results, in: connection, clearingJournal: clearingJournal)
            let rows = try Self.claimRows(channel: channel, limit: limit, now: now, lease: lease, in: connection)
            return (rows, try Self.recipients(of: rows, timeZone: zone, in: connection))
        }
        return try Self.claimed(rows, recipients: recipients)
    }

    /// Decoded here, on the caller's thread: the database's thread is the dispatcher's narrowest part.
    static func claimed(_ rows: [Row], recipients: [String: Recipient]) throws -> Claim {
        var notices = try notices(rows)
        for index in notices.indices { notices[index].status = .sending }
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
            let id: String = try row.get("id")
            let staleSeq: Int64 = try row.get("seq")
            // The provider answered before the process stopped, and the answer was journaled: it is recorded now,
            // as the batch would have, and the notice is not sent again.
            if let answered = try journaledResult(seq: staleSeq, id: id, channel: channel, in: connection) {
                try record([answered], in: connection, clearingJournal: true)
                continue
            }
            // The process that claimed it stopped before its provider's answer was written down: the message may
            // or may not have reached the provider. The attempt is recorded as such, so the trail shows every send.
            try connection.execute(
                insertAttemptsSQL(count: 1),
                arguments: [
                    .integer(try row.get("seq")), .integer(Int64(try row.get("attempts", as: Int.self) + 1)),
                    .text(channel.rawValue),
                    try row.get("updated_at", as: Date.self).sqliteValue, now.sqliteValue, .text("interrupted"),
                    .text("the dispatcher stopped before recording the outcome; resent with the same id"),
                ])
            _ = try writeStatus(
                [
                    StatusMove(
                        seq: try row.get("seq"), id: id, from: .sending, to: .temporaryFailure,
                        reason: "interrupted while sending (restart); will resend", at: now, nextAttemptAt: now)
                ], countAttempt: true, in: connection)
        }
        let due = try connection.query(dueSQL, channel.rawValue, now, limit)
        guard let first = due.first else { return [] }
        let columns = try NoticeColumns(first.columns)
        let seq = try NoticeColumns.index(of: "seq", in: first.columns)
        let until = now.addingTimeInterval(lease)
        _ = try writeStatus(
            try due.map { row in
                guard let status = NoticeStatus(rawValue: try row.get(columns.status)) else {
                    throw NoticeError.notFound(try row.get(columns.id))
                }
                return StatusMove(
                    seq: try row.get(seq), id: try row.get(columns.id), from: status, to: .sending,
                    reason: "claimed by dispatcher", at: now, lease: until)
            }, countAttempt: false, in: connection)
        return due
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
    /// `clearingJournal`: some of the results were journaled (`journal`); their rows go in the same transaction.
    public func record(_ results: [AttemptResult], clearingJournal: Bool = false) async throws {
        guard !results.isEmpty else { return }
        try await database.write { connection in
            try Self.record(results, in: connection, clearingJournal: clearingJournal)
        }
    }

    /// Writes results down as the provider answers, before their batch is recorded: one row each in
    /// `notice_results`, which a later claim turns into the record should this process stop first (a notice the
    /// provider accepted is then not sent again). The notice's status, attempt and audit rows are written once,
    /// with the batch (`record`): writing all of them every 64 answers took a tenth of the dispatcher's CPU.
    public func journal(_ results: [AttemptResult]) async throws {
        guard !results.isEmpty else { return }
        try await database.write { connection in
            let results = try Self.withSeqs(results, in: connection)
            for range in Self.statementChunks(results.count) {
                var arguments: [SQLiteValue] = []
                arguments.reserveCapacity(range.count * 10)
                for (result, seq) in results[range] {
                    arguments += [
                        .integer(seq), .integer(Int64(result.attempt)), result.startedAt.sqliteValue,
                        result.finishedAt.sqliteValue, .text(result.outcomeName), result.detail.sqliteValue,
                        .text(result.nextStatus.rawValue), .text(result.reason), result.nextAttemptAt.sqliteValue,
                        result.providerMessageID.sqliteValue,
                    ]
                }
                try connection.execute(Self.insertJournalSQL(count: range.count), arguments: arguments)
            }
        }
    }

    static let insertJournalSQL = RowsSQL(makeInsertJournalSQL)
    static let deleteJournalSQL = RowsSQL { count in
        let placeholders = placeholders(count)
        return "DELETE FROM notice_results WHERE notice_seq IN (\(placeholders))"
    }

    static func makeInsertJournalSQL(count: Int) -> String {
        let rowsSQL = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
        return """
            INSERT OR REPLACE INTO notice_results (notice_seq, attempt, started_at, finished_at, outcome, detail,
                next_status, reason, next_attempt_at, provider_message_id)
            VALUES \(rowsSQL)
            """
    }

    /// The journaled result of a notice left `sending`, if its provider answered before the process stopped.
    static func journaledResult(seq: Int64, id: String, channel: ChannelKind, in connection: Connection) throws
        -> AttemptResult?
    {
        guard let row = try connection.queryOne("SELECT * FROM notice_results WHERE notice_seq = ?", seq) else {
            return nil
        }
        guard let next = NoticeStatus(rawValue: try row.get("next_status")) else { throw NoticeError.notFound(id) }
        return AttemptResult(
            noticeID: id, attempt: try row.get("attempt"), channel: channel, startedAt: try row.get("started_at"),
            finishedAt: try row.get("finished_at"), outcomeName: try row.get("outcome"), detail: try row.get("detail"),
            nextStatus: next, reason: try row.get("reason"), nextAttemptAt: try row.get("next_attempt_at"),
            providerMessageID: try row.get("provider_message_id"), seq: seq)
    }

    /// Rows per multi-row INSERT: 7 parameters a row stays far below SQLite's 32,766, and full chunks reuse one
    /// prepared statement.
    static let recordChunk = 250

    static func record(_ results: [AttemptResult], in connection: Connection, clearingJournal: Bool = false) throws {
        for range in statementChunks(results.count) {
            try record(results[range], in: connection, clearingJournal: clearingJournal)
        }
    }

    /// Row counts a multi-row statement is made for. A statement is prepared once per distinct SQL text: chunks of
    /// whatever size came (the dispatcher records 64 or more results at a time, a claim 500) made a new program
    /// for almost every write and pushed the others out of the connection's cache, so writes are cut into these
    /// sizes only, largest first (70 rows: 64 + 4 + 1 + 1).
    static let statementSizes = [recordChunk, 64, 16, 4, 1]

    /// `0..<count` cut into ranges of `statementSizes`.
    static func statementChunks(_ count: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start < count {
            let size = statementSizes.first { $0 <= count - start } ?? 1
            ranges.append(start..<start + size)
            start += size
        }
        return ranges
    }

    static func record(_ results: ArraySlice<AttemptResult>, in connection: Connection, clearingJournal: Bool) throws {
        let results = try withSeqs(results, in: connection)
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
        let moved = try writeStatus(
            results.map { result, seq in
                StatusMove(
                    seq: seq, id: result.noticeID, from: .sending, to: result.nextStatus, reason: result.reason,
                    at: result.finishedAt, nextAttemptAt: result.nextAttemptAt,
                    providerMessageID: result.providerMessageID)
            }, countAttempt: true, in: connection)
        // A provider receipt may have settled the notice while we were sending ("receipt arrived first"): its
        // final status stands; only the attempt is counted.
        for ((_, seq), done) in zip(results, moved) where !done {
            try connection.execute("UPDATE notice_state SET attempts = attempts + 1 WHERE notice_seq = ?", seq)
        }
        if clearingJournal {
            try connection.execute(
                deleteJournalSQL(count: results.count),
                arguments: results.map { .integer($0.seq) })
        }
    }

    /// Each result with its notice's `seq`: the dispatcher's results carry their claim's; any other caller's are
    /// looked up by id, in one query.
    static func withSeqs(_ results: some Collection<AttemptResult>, in connection: Connection) throws
        -> [(result: AttemptResult, seq: Int64)]
    {
        let found = try seqs(of: results.filter { $0.seq == nil }.map(\.noticeID), in: connection)
        return try results.map { result in
            guard let seq = result.seq ?? found[result.noticeID] else { throw NoticeError.notFound(result.noticeID) }
            return (result, seq)
        }
    }

    /// A multi-row statement's text for each of `statementSizes`, made once: 250 rows' worth of text was rebuilt for
    /// every write on the database's thread (and hashed again to find its prepared statement).
    struct RowsSQL: Sendable {
        private let made: [Int: String]
        private let make: @Sendable (Int) -> String

        init(_ make: @escaping @Sendable (Int) -> String) {
            self.make = make
            made = Dictionary(uniqueKeysWithValues: NoticeStore.statementSizes.map { ($0, make($0)) })
        }

        func callAsFunction(count: Int) -> String { made[count] ?? make(count) }
    }

    /// "?, ?, ?" for `count` values.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    // MARK: Operators

    /// An operator's retry after a fix: a dead or permanently failed notice goes back to `queued`, due now, through
    /// `writeStatus` with its audit row (`reason` says who). It keeps its id, so the email's Message-ID and the SMS
    /// `webhook-id` are the same and a receiver that saw an earlier attempt de-duplicates. Returns the status it
    /// had. Throws `notAllowed` for any other status (a second retry finds it queued: it moves once),
    /// `contentErased` when retention erased its content, `notFound`.
    @discardableResult
    public func retry(_ id: String, reason: String, now: Date) async throws -> NoticeStatus {
        try await database.write { connection in
            guard
                let row = try connection.queryOne(
                    """
                    SELECT c.seq, c.erased_at, s.status FROM notice_content c
                    JOIN notice_state s ON s.notice_seq = c.seq WHERE c.id = ?
                    """, id),
                let status = NoticeStatus(rawValue: try row.get("status"))
            else { throw NoticeError.notFound(id) }
            guard NoticeStatus.retryable.contains(status) else {
                throw NoticeError.notAllowed(id: id, from: status, to: .queued)
            }
            if let erased: Date = try row.get("erased_at") { throw NoticeError.contentErased(id: id, at: erased) }
            let moved = try Self.writeStatus(
                [
                    StatusMove(
                        seq: try row.get("seq"), id: id, from: status, to: .queued, reason: reason, at: now,
                        nextAttemptAt: now, operatorRetry: true)
                ], countAttempt: false, in: connection)
            guard moved == [true] else { throw NoticeError.notAllowed(id: id, from: status, to: .queued) }
            return status
        }
    }

    // MARK: Receipts

    // MARK: Retention

    /// Erases the personal content (personalisation) of notices settled before `cutoff`: nothing about the resident
    /// is kept longer than it serves. Settled is a final status (delivered, permanent failure, dead) or `sent`:
    /// nothing sends a sent notice again (a provider's receipt only changes its status), and an email never gets a
    /// receipt, so waiting for a final status kept every email's content forever. Status, attempts, transitions and
    /// the template stay, so the audit trail is whole. Returns how many were erased.
    public func eraseContent(finalBefore cutoff: Date, now: Date) async throws -> Int {
        try await database.write { connection in
            try connection.execute(
                """
                UPDATE notice_content SET personalisation = '{}', erased_at = ?
                WHERE erased_at IS NULL AND seq IN (
                    SELECT notice_seq FROM notice_state
                    WHERE status IN ('sent', 'delivered', 'permanent_failure', 'dead') AND updated_at < ?)
                """, now, cutoff)
            return connection.changes
        }
    }

    public enum ReceiptOutcome: String, Sendable, Hashable, Codable {
        /// The notice moved to the receipt's status.
        case applied
        /// The notice was already final (a duplicate or late receipt): nothing changed.
        case ignored
        /// This receipt (its `webhook-id`) was handled before: nothing changed.
        case duplicate
        case unknownNotice = "unknown_notice"
    }

    /// A receipt that does not fit the notice: nothing changed (409).
    public struct ReceiptConflict: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// How long a receipt's id is remembered: Standard Webhooks signatures expire after five minutes, so a replay
    /// older than this is refused by its signature already.
    static let receiptIDRetention: TimeInterval = 24 * 3600

    /// A provider's delivery receipt, matched by notice id (our `webhook-id`) or the provider's message id.
    /// Receipts may arrive twice or out of order; a final status is never overwritten, and a receipt id
    /// (`receiptID`, the provider's `webhook-id`) is applied once. Only a notice of the receipt's `channel` that was
    /// handed to the provider can have one: `sent` (its attempt recorded) or `sending` (claimed, the attempt under
    /// way: the receipt outran our record of it). Any other notice throws `ReceiptConflict` and nothing changes: a
    /// receipt for a queued notice would otherwise suppress a delivery that never happened.
    public func applyReceipt(
        id: String, channel: ChannelKind, delivered: Bool, reason: String?, receiptID: String? = nil, now: Date
    ) async throws -> ReceiptOutcome {
        try await database.write { connection in
            if let receiptID {
                if try connection.queryOne("SELECT 1 AS one FROM notice_receipts WHERE receipt_id = ?", receiptID)
                    != nil
                {
                    return .duplicate
                }
            }
            guard
                // Two lookups, not "id = ?1 OR provider_message_id = ?1": the columns are in two tables, and
                // SQLite's OR optimisation works only within one, so that query read the whole outbox.
                let row = try connection.queryOne(
                    """
                    SELECT id, status, channel FROM notices WHERE id = ?1
                    UNION ALL SELECT id, status, channel FROM notices WHERE provider_message_id = ?1 LIMIT 1
                    """, id),
                let status = NoticeStatus(rawValue: try row.get("status"))
            else { return .unknownNotice }
            let noticeChannel: String = try row.get("channel")
            guard noticeChannel == channel.rawValue else {
                throw ReceiptConflict(description: "notice \(id) is sent by \(noticeChannel), not \(channel.rawValue)")
            }
            let noticeID: String = try row.get("id")
            let target: NoticeStatus = delivered ? .delivered : .permanentFailure
            let text = delivered ? "delivery receipt" : "provider receipt: " + (reason ?? "not delivered")
            let outcome: ReceiptOutcome
            switch status {
            case .sent:
                try Self.transition(noticeID, to: target, reason: text, now: now, in: connection)
                outcome = .applied
            case .sending:
                // The receipt outran our own record of the send: record the send first, then the receipt.
                try Self.transition(noticeID, to: .sent, reason: "receipt arrived first", now: now, in: connection)
                try Self.transition(noticeID, to: target, reason: text, now: now, in: connection)
                outcome = .applied
            case .queued, .temporaryFailure:
                throw ReceiptConflict(
                    description: "notice \(id) is \(status.rawValue): it is not with the provider, so it has no receipt"
                )
            case .delivered, .permanentFailure, .dead:
                outcome = .ignored
            }
            if let receiptID {
                try connection.execute(
                    "INSERT INTO notice_receipts (receipt_id, received_at) VALUES (?, ?)", receiptID, now)
                try connection.execute(
                    "DELETE FROM notice_receipts WHERE received_at < ?",
                    now.addingTimeInterval(-Self.receiptIDRetention))
            }
            return outcome
        }
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
