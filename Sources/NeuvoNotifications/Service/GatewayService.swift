import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoCrypto
import NeuvoStorage
import NeuvoSupport

/// One arrangement as a city system sends it (`neuvo arrange`, `POST /v1/arrangements`).
public struct ArrangementRequest: Sendable, Hashable, Codable {
    public var resident: String
    public var kind: String
    public var details: [String: String]
    public var idempotencyKey: String?
    public var reference: String?
    public var urgent: Bool?

    enum CodingKeys: String, CodingKey {
        case resident, kind, details, reference, urgent
        case idempotencyKey = "idempotency_key"
    }

    public init(
        resident: String, kind: String, details: [String: String], idempotencyKey: String? = nil,
        reference: String? = nil,
        urgent: Bool? = nil
    ) {
        self.resident = resident
        self.kind = kind
        self.details = details
        self.idempotencyKey = idempotencyKey
        self.reference = reference
        self.urgent = urgent
    }
}

/// What creating an arrangement did.
public struct ArrangeOutcome: Sendable, Hashable, Codable {
    public let arrangementID: String
    public let noticeID: String?
    /// false when the idempotency key had been used: the existing arrangement and notice are returned.
    public let created: Bool
    public let channel: String?
    /// Why no notice was queued (the resident cannot be reached on any consented channel).
    public let note: String?

    enum CodingKeys: String, CodingKey {
        case created, channel, note
        case arrangementID = "arrangement_id"
        case noticeID = "notice_id"
    }
}

public enum GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownResident(String)
    case unknownKind(String)
    case missingDetail(kind: String, field: String)
    case idempotencyConflict(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .unknownResident(let id): "unknown resident '\(id)'; import residents first (neuvo residents import)"
        case .unknownKind(let kind):
            "unknown kind '\(kind)'; use one of \(Arrangement.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
        case .missingDetail(let kind, let field): "a \(kind) arrangement needs details.\(field)"
        case .idempotencyConflict(let key):
            "idempotency key '\(key)' was already used for a different arrangement; use a new key for new content"
        case .invalid(let message): message
        }
    }
}

/// The city side of the gateway: one service layer under the CLI and the HTTP API.
public struct GatewayService: Sendable {
    public let arrangements: ArrangementStore
    public let notices: NoticeStore
    public let renderer: @Sendable () -> NoticeRenderer
    public let links: ResidentLinkSigner
    public let clock: any WallClock

    /// Quiet hours of residents whose record does not say (the `quiet_hours` setting).
    public let defaultQuietHours: QuietHours

    public init(
        database: Database, timeZone: TimeZone, renderer: @escaping @Sendable () -> NoticeRenderer,
        links: ResidentLinkSigner, clock: any WallClock = SystemClock(),
        defaultQuietHours: QuietHours = QuietHours(start: 21 * 60, end: 8 * 60)
    ) {
        self.defaultQuietHours = defaultQuietHours
        arrangements = ArrangementStore(database: database)
        notices = NoticeStore(database: database, timeZone: timeZone)
        self.renderer = renderer
        self.links = links
        self.clock = clock
    }

    /// Details each kind needs, for its notice and for the chat.
    public static let requiredDetails: [Arrangement.Kind: [String]] = [
        .preschoolPlace: ["unit", "start_date", "accept_by"],
        .healthCheckup: ["unit", "time"],
        .budgetingVote: ["district", "closes"],
        .planningDecision: ["title", "url"],
    ]

    static func template(for kind: Arrangement.Kind, sensitivity: Arrangement.Sensitivity) -> NoticeTemplate {
        if sensitivity == .sensitive { return .sensitiveMessage }
        switch kind {
        case .preschoolPlace: return .preschoolPlace
        case .healthCheckup: return .sensitiveMessage
        case .budgetingVote: return .budgetingVote
        case .planningDecision: return .planningDecision
        }
    }

    /// Checks a request without touching the database.
    public static func validate(_ request: ArrangementRequest) throws(GatewayError) -> Arrangement.Kind {
        guard !request.resident.isEmpty else { throw .invalid("\"resident\" is empty") }
        guard let kind = Arrangement.Kind(rawValue: request.kind) else { throw .unknownKind(request.kind) }
        for field in requiredDetails[kind] ?? [] where (request.details[field] ?? "").isEmpty {
            throw .missingDetail(kind: kind.rawValue, field: field)
        }
        if let key = request.idempotencyKey, key.isEmpty || key.count > 200 {
            throw .invalid("idempotency_key must have 1 to 200 characters")
        }
        return kind
    }

    /// Creates the arrangement and queues its notice in one transaction. The same idempotency key gives the same
    /// arrangement and the same notice, never a second one.
    public func arrange(_ request: ArrangementRequest) async throws -> ArrangeOutcome {
        let kind = try Self.validate(request)
        let now = clock.now()
        let renderer = renderer()
        let links = links
        return try await arrangements.database.write { connection in
            try Self.arrange(request, kind: kind, now: now, renderer: renderer, links: links, in: connection)
        }
    }

    /// Many arrangements, each in its own savepoint inside one transaction: a bad row is reported with its
    /// reason and the good rows are stored.
    public func arrange(_ requests: [ArrangementRequest]) async throws -> [Result<ArrangeOutcome, GatewayError>] {
        let now = clock.now()
        let renderer = renderer()
        let links = links
        return try await arrangements.database.write { connection in
            try requests.map { request in
                do {
                    let kind = try Self.validate(request)
                    return .success(
                        try connection.transaction {
                            try Self.arrange(
                                request, kind: kind, now: now, renderer: renderer, links: links, in: connection)
                        })
                } catch let error as GatewayError {
                    return .failure(error)
                } catch let error as SQLiteError where error.isStorageFailure {
                    // The disk, not the row: the whole batch fails and nothing of it is kept.
                    throw error
                } catch {
                    return .failure(.invalid("\(error)"))
                }
            }
        }
    }

    static func arrange(
        _ request: ArrangementRequest, kind: Arrangement.Kind, now: Date, renderer: NoticeRenderer,
        links: ResidentLinkSigner, in connection: Connection
    ) throws -> ArrangeOutcome {
        if let key = request.idempotencyKey,
            let existing = try ArrangementStore.arrangement(idempotencyKey: key, in: connection)
        {
            // The same key with other content is a client mistake, not a retry: refuse it rather than merge.
            guard existing.residentID == request.resident, existing.kind == kind, existing.details == request.details
            else {
                throw GatewayError.idempotencyConflict(key)
            }
            let notice = try connection.queryOne(
                "SELECT id, channel FROM notices WHERE arrangement_id = ? ORDER BY created_at LIMIT 1", existing.id)
            return ArrangeOutcome(
                arrangementID: existing.id, noticeID: try notice?.get("id"), created: false,
                channel: try notice?.get("channel"),
                note: nil)
        }
        guard let resident = try ArrangementStore.resident(request.resident, in: connection) else {
            throw GatewayError.unknownResident(request.resident)
        }
        let arrangement = Arrangement(
            id: Identifier.make("arr"), residentID: resident.id, kind: kind, details: request.details,
            deadline: request.details["accept_by"].flatMap(DateText.parseDay), reference: request.reference,
            createdAt: now)
        try ArrangementStore.insert(arrangement, idempotencyKey: request.idempotencyKey, in: connection)
        let template = template(for: kind, sensitivity: arrangement.sensitivity)
        guard
            let notice = try NoticePlanner.plan(
                template, for: resident, arrangement: arrangement,
                idempotencyKey: "arrangement:" + (request.idempotencyKey ?? arrangement.id),
                urgent: request.urgent ?? false,
                now: now, renderer: renderer, links: links)
        else {
            return ArrangeOutcome(
                arrangementID: arrangement.id, noticeID: nil, created: true, channel: nil,
                note: "the resident has no consented channel with an address; no notice was queued")
        }
        let inserted = try NoticeStore.insert(notice, in: connection)
        return ArrangeOutcome(
            arrangementID: arrangement.id, noticeID: inserted.notice.id, created: true,
            channel: notice.channel.rawValue,
            note: nil)
    }

    /// The hook the conversation runs inside its transaction after a resident accepts, declines or asks to
    /// reschedule: the confirmation notice is queued atomically with the status change.
    public func confirmationHook() -> @Sendable (Connection, Arrangement, ArrangementStatus) throws -> Void {
        let renderer = renderer
        let links = links
        let clock = clock
        return { connection, arrangement, _ in
            let template: NoticeTemplate
            switch arrangement.status {
            case .accepted: template = .confirmationAccepted
            case .declined: template = .confirmationDeclined
            case .rescheduled: template = .confirmationRescheduled
            default: return
            }
            guard let resident = try ArrangementStore.resident(arrangement.residentID, in: connection) else { return }
            let now = clock.now()
            if let notice = try NoticePlanner.plan(
                template, for: resident, arrangement: arrangement,
                idempotencyKey: "confirmation:\(arrangement.id):\(arrangement.status.rawValue)", urgent: false,
                now: now,
                renderer: renderer(), links: links)
            {
                _ = try NoticeStore.insert(notice, in: connection)
            }
        }
    }

    /// Queues a reminder for every offered arrangement whose deadline is within `window` (once per arrangement).
    @discardableResult
    public func queueReminders(window: TimeInterval = 3 * 24 * 3600) async throws -> Int {
        let now = clock.now()
        let renderer = renderer()
        let links = links
        return try await arrangements.database.write { connection in
            let due = try connection.query(
                """
                SELECT a.id FROM arrangements a WHERE a.status = 'offered' AND a.deadline IS NOT NULL
                    AND a.deadline > ? AND a.deadline <= ?
                    AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.idempotency_key = 'reminder:' || a.id)
                """, now, now.addingTimeInterval(window))
            var queued = 0
            for row in due {
                guard let arrangement = try ArrangementStore.arrangement(try row.get("id"), in: connection),
                    let resident = try ArrangementStore.resident(arrangement.residentID, in: connection)
                else { continue }
                if let notice = try NoticePlanner.plan(
                    arrangement.sensitivity == .sensitive ? .sensitiveMessage : .reminder, for: resident,
                    arrangement: arrangement, idempotencyKey: "reminder:\(arrangement.id)", urgent: false, now: now,
                    renderer: renderer, links: links)
                {
                    if try NoticeStore.insert(notice, in: connection).created { queued += 1 }
                }
            }
            return queued
        }
    }
}

/// Short, unique, sortable ids: a prefix, the time and randomness.
public enum Identifier {
    private static let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

    public static func make(_ prefix: String) -> String {
        let time = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
        // One read of secure random bytes per id, not one system call per character.
        let random = SecureRandom.bytes(10).map { digits[Int($0) % digits.count] }
        return "\(prefix)_\(time)\(String(decoding: random, as: UTF8.self))"
    }
}

/// Dates as city systems send them (ISO 8601 days) and as residents read them (d.M.yyyy).
public enum DateText {
    public static func parseDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Helsinki")!
        // The end of that day in Helsinki: "accept by 15.3." means by the end of 15 March.
        guard let day = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else {
            return nil
        }
        return calendar.date(byAdding: DateComponents(day: 1, second: -1), to: day)
    }

    /// `2027-08-01` → `1.8.2027`, the form Finnish and Swedish texts use (and readable in English).
    public static func display(_ text: String) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return text }
        return "\(parts[2]).\(parts[1]).\(parts[0])"
    }
}

extension GatewayService {
    /// A notice on its own (`POST /v1/notices`): a reminder or a message about an existing arrangement. The same
    /// idempotency key returns the same notice; reused with other content it is refused.
    public func queueNotice(
        _ template: NoticeTemplate, residentID: String, arrangementID: String?, idempotencyKey: String, urgent: Bool
    ) async throws -> Notice {
        guard !idempotencyKey.isEmpty, idempotencyKey.count <= 200 else {
            throw GatewayError.invalid("idempotency_key must have 1 to 200 characters")
        }
        let now = clock.now()
        let renderer = renderer()
        let links = links
        return try await notices.database.write { connection in
            if let existing = try connection.queryOne(
                "SELECT * FROM notices WHERE idempotency_key = ?", "api:" + idempotencyKey)
            {
                let notice = try NoticeStore.notice(existing)
                guard notice.residentID == residentID, notice.templateID == template.rawValue,
                    notice.arrangementID == arrangementID
                else { throw GatewayError.idempotencyConflict(idempotencyKey) }
                return notice
            }
            guard let resident = try ArrangementStore.resident(residentID, in: connection) else {
                throw GatewayError.unknownResident(residentID)
            }
            var arrangement: Arrangement?
            if let arrangementID {
                guard let found = try ArrangementStore.arrangement(arrangementID, in: connection),
                    found.residentID == residentID
                else { throw GatewayError.invalid("no arrangement \(arrangementID) for resident \(residentID)") }
                arrangement = found
            }
            let effective = arrangement?.sensitivity == .sensitive ? .sensitiveMessage : template
            guard
                let notice = try NoticePlanner.plan(
                    effective, for: resident, arrangement: arrangement, idempotencyKey: "api:" + idempotencyKey,
                    urgent: urgent, now: now, renderer: renderer, links: links)
            else { throw GatewayError.invalid("resident \(residentID) has no consented channel with an address") }
            return try NoticeStore.insert(notice, in: connection).notice
        }
    }
}
