import Foundation
import NeuvoStorage

/// The operators' desk's reads: what the outbox holds by kind, channel and status, campaigns and their progress,
/// dead letters, and a notice's whole trail. Nothing here writes (an operator's retry is `NoticeStore.retry`).
extension NoticeStore {
    /// Changes whenever any notice changes status: every change writes a row of `notice_transitions`, whose ids
    /// only grow. The desk's validator, so an idle poll costs one index step.
    public func deskVersion() async throws -> Int64 {
        try await database.read { connection in try Self.deskVersion(in: connection) }
    }

    public static func deskVersion(in connection: Connection) throws -> Int64 {
        try connection.scalar("SELECT coalesce(max(id), 0) FROM notice_transitions", as: Int64.self) ?? 0
    }

    /// How many notices of one kind, on one channel, are in one status.
    public struct StatusCount: Sendable, Hashable, Encodable {
        public let kind: String
        public let channel: String
        public let status: String
        public let count: Int
    }

    /// A campaign: the notices of one kind queued on one day (a bulk `neuvo arrange`, a city system's run).
    public struct Campaign: Sendable, Hashable, Encodable {
        public let kind: String
        /// The day the notices were queued, in the city's time zone (YYYY-MM-DD).
        public let day: String
        public var counts: [String: Int]
        public let firstQueuedAt: Date
        public let lastQueuedAt: Date
        /// Notices that settled (sent, delivered, failed for good) in the last minute: the dispatcher's pace.
        public var settledLastMinute: Int

        enum CodingKeys: String, CodingKey {
            case kind, day, counts
            case firstQueuedAt = "first_queued_at"
            case lastQueuedAt = "last_queued_at"
            case settledLastMinute = "settled_last_minute"
        }
    }

    /// Changes of status per hour, for the desk's "over time" table.
    public struct HourCount: Sendable, Hashable, Encodable {
        public let hour: Date
        public let status: String
        public let count: Int
    }

    public struct DeskSummary: Sendable, Encodable {
        public let counts: [StatusCount]
        public let campaigns: [Campaign]
        public let hours: [HourCount]
    }

    /// Counts by kind, channel and status; campaigns of the last `days` days, newest first; changes of status per
    /// hour over the last `hours` hours. Reads the narrow state table whole (as the metrics do): there is no index on
    /// the status, by design (docs/ARCHITECTURE.md).
    public func deskSummary(now: Date, days: Int = 14, hours: Int = 24) async throws -> DeskSummary {
        let zone = timeZone
        return try await database.read { connection in
            try Self.deskSummary(now: now, timeZone: zone, days: days, hours: hours, in: connection)
        }
    }

    /// `deskSummary` on any connection: the desk runs it on a read-only connection of its own, off the writer's
    /// queue (it reads every notice).
    public static func deskSummary(
        now: Date, timeZone zone: TimeZone, days: Int = 14, hours: Int = 24, in connection: Connection
    ) throws -> DeskSummary {
        let offset = Int64(zone.secondsFromGMT(for: now)) * 1000
        let since = now.addingTimeInterval(-Double(days) * 86_400)
        let minuteAgo = now.addingTimeInterval(-60)
        let hoursAgo = now.addingTimeInterval(-Double(hours) * 3600)
        let counts = try connection.query(
            """
            SELECT c.template_id AS kind, s.channel, s.status, count(*) AS n
            FROM notice_content c JOIN notice_state s ON s.notice_seq = c.seq
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """
        ).map {
            StatusCount(
                kind: try $0.get("kind"), channel: try $0.get("channel"), status: try $0.get("status"),
                count: try $0.get("n"))
        }
        var campaigns: [String: Campaign] = [:]
        var order: [String] = []
        for row in try connection.query(
            """
            SELECT c.template_id AS kind, (c.created_at + ?1) / 86400000 AS day, s.status, count(*) AS n,
                min(c.created_at) AS first, max(c.created_at) AS last,
                sum(s.status IN ('sent', 'delivered', 'permanent_failure', 'dead') AND s.updated_at >= ?2) AS recent
            FROM notice_content c JOIN notice_state s ON s.notice_seq = c.seq
            WHERE c.created_at >= ?3
            GROUP BY 1, 2, 3 ORDER BY 2 DESC, 1
            """, offset, minuteAgo, since)
        {
            let kind: String = try row.get("kind")
            let day: Int64 = try row.get("day")
            let key = "\(kind)/\(day)"
            let status: String = try row.get("status")
            let count: Int = try row.get("n")
            let recent: Int = try row.get("recent")
            let first: Date = try row.get("first")
            let last: Date = try row.get("last")
            if var campaign = campaigns[key] {
                campaign.counts[status] = count
                campaign.settledLastMinute += recent
                campaigns[key] = Campaign(
                    kind: kind, day: campaign.day, counts: campaign.counts,
                    firstQueuedAt: min(campaign.firstQueuedAt, first),
                    lastQueuedAt: max(campaign.lastQueuedAt, last),
                    settledLastMinute: campaign.settledLastMinute)
            } else {
                order.append(key)
                campaigns[key] = Campaign(
                    kind: kind, day: Self.dayText(day), counts: [status: count], firstQueuedAt: first,
                    lastQueuedAt: last, settledLastMinute: recent)
            }
        }
        let hourRows = try connection.query(
            """
            SELECT at / 3600000 AS hour, to_status, count(*) AS n FROM notice_transitions
            WHERE at >= ? AND to_status IN ('sent', 'delivered', 'temporary_failure', 'permanent_failure', 'dead',
                'queued')
            GROUP BY 1, 2 ORDER BY 1, 2
            """, hoursAgo)
        let hourCounts = try hourRows.map {
            HourCount(
                hour: Date(timeIntervalSince1970: Double(try $0.get("hour", as: Int64.self)) * 3600),
                status: try $0.get("to_status"), count: try $0.get("n"))
        }
        return DeskSummary(counts: counts, campaigns: order.compactMap { campaigns[$0] }, hours: hourCounts)
    }

    /// Days since 1970-01-01 as YYYY-MM-DD (the day was computed in the city's time, so it is printed as UTC).
    static func dayText(_ day: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents(
            [.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) * 86_400))
        return String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }

    /// A notice as the desk lists it: never the personalisation or the resident's contact details.
    public struct DeskNotice: Sendable, Hashable, Encodable {
        public let id: String
        public let kind: String
        public let channel: String
        public let status: String
        public let locale: String
        public let attempts: Int
        /// The last error as recorded; the desk's API redacts it (`APIRoutes.redacted`).
        public var lastError: String?
        public let createdAt: Date
        public let updatedAt: Date
        /// When retention erased its content (it can no longer be sent again).
        public let erasedAt: Date?
        /// Whether an operator may send it again now.
        public let retryable: Bool

        enum CodingKeys: String, CodingKey {
            case id, kind, channel, status, locale, attempts, retryable
            case lastError = "last_error"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
            case erasedAt = "erased_at"
        }
    }

    static func deskNotice(_ row: Row) throws -> DeskNotice {
        let status: String = try row.get("status")
        let erased: Date? = try row.get("erased_at")
        return DeskNotice(
            id: try row.get("id"), kind: try row.get("template_id"), channel: try row.get("channel"), status: status,
            locale: try row.get("locale"), attempts: try row.get("attempts"), lastError: try row.get("last_error"),
            createdAt: try row.get("created_at"), updatedAt: try row.get("updated_at"), erasedAt: erased,
            retryable: erased == nil && NoticeStatus(rawValue: status).map(NoticeStatus.retryable.contains) == true)
    }

    /// Notices by status, kind and channel (each optional), most recently changed first.
    public func deskNotices(statuses: [NoticeStatus], kind: String?, channel: ChannelKind?, limit: Int) async throws
        -> [DeskNotice]
    {
        try await database.read { connection in
            try Self.deskNotices(statuses: statuses, kind: kind, channel: channel, limit: limit, in: connection)
        }
    }

    public static func deskNotices(
        statuses: [NoticeStatus], kind: String?, channel: ChannelKind?, limit: Int, in connection: Connection
    ) throws -> [DeskNotice] {
        let statusList = statuses.map(\.rawValue).joined(separator: ",")
        return try connection.query(
            """
            SELECT c.id, c.template_id, s.channel, s.status, c.locale, s.attempts, s.last_error, c.created_at,
                s.updated_at, c.erased_at
            FROM notice_state s JOIN notice_content c ON c.seq = s.notice_seq
            WHERE (?1 = '' OR instr(',' || ?1 || ',', ',' || s.status || ',') > 0)
                AND (?2 IS NULL OR c.template_id = ?2) AND (?3 IS NULL OR s.channel = ?3)
            ORDER BY s.updated_at DESC, s.notice_seq DESC LIMIT ?4
            """, statusList, kind, channel?.rawValue, limit
        ).map(Self.deskNotice)
    }

    /// One notice for the desk, or nil.
    public func deskNotice(_ id: String) async throws -> DeskNotice? {
        try await database.read { connection in
            try connection.queryOne(
                """
                SELECT c.id, c.template_id, s.channel, s.status, c.locale, s.attempts, s.last_error, c.created_at,
                    s.updated_at, c.erased_at
                FROM notice_content c JOIN notice_state s ON s.notice_seq = c.seq WHERE c.id = ?
                """, id
            ).map(Self.deskNotice)
        }
    }
}
