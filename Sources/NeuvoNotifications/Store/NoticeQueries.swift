import Foundation
import NeuvoArrangements
import NeuvoStorage
import NeuvoSupport

/// The outbox's reads: notices, their history, counts for metrics, and the look-ups other services make inside
/// their own transactions. Nothing here writes.
extension NoticeStore {
    /// Attempts by channel and outcome, for metrics.
    public func attemptCounts() async throws -> [(channel: String, outcome: String, count: Int)] {
        try await database.read { connection in
            try connection.query(
                "SELECT channel, outcome, count(*) AS n FROM delivery_attempts GROUP BY channel, outcome"
            )
            .map { (try $0.get("channel"), try $0.get("outcome"), try $0.get("n")) }
        }
    }

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
