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
        try await arrange([request])[0].get()
    }

    /// Many arrangements: a bad row is reported with its reason and writes nothing; the good rows are stored in
    /// one transaction. In three steps, so that the database's thread only runs SQL:
    ///
    /// 1. one read: each row's resident, and what an idempotency key already used made;
    /// 2. here, on the caller's task: the arrangement and its notice planned, rendered, signed and encoded;
    /// 3. one write: the inserts. A key used by someone else between 1 and 3 (another request, or the same key
    ///    twice in this batch) gives back what that made, or a conflict, exactly as if found in step 1.
    ///
    /// An error in a step is the database's, not a row's: the whole batch fails and nothing of it is kept.
    public func arrange(_ requests: [ArrangementRequest]) async throws -> [Result<ArrangeOutcome, GatewayError>] {
        let now = clock.now()
        let renderer = renderer()
        let links = links
        let kinds = requests.map { request in Result { () throws(GatewayError) in try Self.validate(request) } }

        let found = try await arrangements.database.read { connection in
            try zip(requests, kinds).map { request, kind -> Lookup in
                guard case .success(let kind) = kind else { return .refused }
                if let key = request.idempotencyKey,
                    let earlier = try Self.earlier(key: key, request: request, kind: kind, in: connection)
                {
                    return .done(earlier)
                }
                guard let resident = try ArrangementStore.resident(request.resident, in: connection) else {
                    return .done(.failure(.unknownResident(request.resident)))
                }
                return .resident(resident)
            }
        }

        var results: [Result<ArrangeOutcome, GatewayError>?] = kinds.map { kind in
            if case .failure(let error) = kind { .failure(error) } else { nil }
        }
        var planned: [PlannedArrangement] = []
        for (index, lookup) in found.enumerated() {
            switch lookup {
            case .refused: continue
            case .done(let result): results[index] = result
            case .resident(let resident):
                do {
                    planned.append(
                        try Self.plan(
                            requests[index], index: index, kind: try kinds[index].get(), resident: resident, now: now,
                            renderer: renderer, links: links))
                } catch {
                    results[index] = .failure(error)
                }
            }
        }

        if !planned.isEmpty {
            let written = try await arrangements.database.write { [planned] connection in
                try planned.map { item in (item.index, try Self.write(item, in: connection)) }
            }
            for (index, result) in written { results[index] = result }
        }
        return results.map { $0! }
    }

    enum Lookup: Sendable {
        /// The request itself was refused before any read.
        case refused
        /// Made earlier under the same idempotency key (or refused as a conflict, or an unknown resident).
        case done(Result<ArrangeOutcome, GatewayError>)
        case resident(Resident)
    }

    /// A row ready to insert: everything computed, the JSON columns encoded.
    struct PlannedArrangement: Sendable {
        let index: Int
        let request: ArrangementRequest
        let kind: Arrangement.Kind
        let arrangement: Arrangement
        let encodedDetails: String
        let notice: Notice?
        let encodedPersonalisation: String?
    }

    /// What an idempotency key already made: the same arrangement again, or a conflict when the content differs
    /// (a client mistake, not a retry: refused rather than merged); nil when the key is new.
    static func earlier(key: String, request: ArrangementRequest, kind: Arrangement.Kind, in connection: Connection)
        throws -> Result<ArrangeOutcome, GatewayError>?
    {
        guard let existing = try ArrangementStore.arrangement(idempotencyKey: key, in: connection) else { return nil }
        guard existing.residentID == request.resident, existing.kind == kind, existing.details == request.details
        else {
            return .failure(.idempotencyConflict(key))
        }
        let notice = try NoticeStore.firstNotice(arrangementID: existing.id, in: connection)
        return .success(
            ArrangeOutcome(
                arrangementID: existing.id, noticeID: notice?.id, created: false, channel: notice?.channel, note: nil))
    }

    static func plan(
        _ request: ArrangementRequest, index: Int, kind: Arrangement.Kind, resident: Resident, now: Date,
        renderer: NoticeRenderer, links: ResidentLinkSigner
    ) throws(GatewayError) -> PlannedArrangement {
        let arrangement = Arrangement(
            id: Identifier.make("arr"), residentID: resident.id, kind: kind, details: request.details,
            deadline: request.details["accept_by"].flatMap(DateText.parseDay), reference: request.reference,
            createdAt: now)
        let notice: Notice?
        do {
            notice = try NoticePlanner.plan(
                template(for: kind, sensitivity: arrangement.sensitivity), for: resident, arrangement: arrangement,
                idempotencyKey: "arrangement:" + (request.idempotencyKey ?? arrangement.id),
                urgent: request.urgent ?? false,
                now: now, renderer: renderer, links: links)
        } catch let error as NoticeRenderError {
            throw .invalid(error.description)
        } catch {
            throw .invalid("\(error)")
        }
        return PlannedArrangement(
            index: index, request: request, kind: kind, arrangement: arrangement,
            encodedDetails: JSONString.object(arrangement.details), notice: notice,
            encodedPersonalisation: notice.map { JSONString.object($0.personalisation) })
    }

    /// Inserts a planned row. Any error thrown here is the database's.
    static func write(_ item: PlannedArrangement, in connection: Connection) throws -> Result<
        ArrangeOutcome, GatewayError
    > {
        let inserted = try ArrangementStore.insert(
            item.arrangement, idempotencyKey: item.request.idempotencyKey, residentChecked: true,
            encodedDetails: item.encodedDetails, in: connection)
        guard inserted else {
            // The key was taken since the read (insert only skips on the idempotency key's unique index).
            guard let key = item.request.idempotencyKey,
                let earlier = try earlier(key: key, request: item.request, kind: item.kind, in: connection)
            else { throw GatewayError.invalid("the arrangement could not be stored") }
            return earlier
        }
        guard let notice = item.notice else {
            return .success(
                ArrangeOutcome(
                    arrangementID: item.arrangement.id, noticeID: nil, created: true, channel: nil,
                    note: "the resident has no consented channel with an address; no notice was queued"))
        }
        let stored = try NoticeStore.insert(notice, encodedPersonalisation: item.encodedPersonalisation, in: connection)
        return .success(
            ArrangeOutcome(
                arrangementID: item.arrangement.id, noticeID: stored.notice.id, created: true,
                channel: notice.channel.rawValue, note: nil))
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
            let offered = try ArrangementStore.offered(
                deadlineAfter: now, until: now.addingTimeInterval(window), in: connection)
            let reminded = try NoticeStore.usedIdempotencyKeys(offered.map { "reminder:\($0.id)" }, in: connection)
            var queued = 0
            for arrangement in offered where !reminded.contains("reminder:\(arrangement.id)") {
                guard let resident = try ArrangementStore.resident(arrangement.residentID, in: connection)
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
    private static let helsinki = TimeZone(identifier: "Europe/Helsinki")!

    /// The end of that day in Helsinki: "accept by 15.3." means by the end of 15 March. Computed with the civil
    /// calendar arithmetic of H. Hinnant's `days_from_civil` rather than `Calendar`, which costs more than the
    /// rest of queueing a notice; a day past the month's end rolls over as `Calendar` does (31.4. is 1.5.).
    public static func parseDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...9999).contains(parts[0]), (1...12).contains(parts[1]),
            (1...31).contains(parts[2])
        else { return nil }
        let nextMidnightUTC = TimeInterval(daysFromCivil(parts[0], parts[1], parts[2]) + 1) * 86_400
        // Helsinki changes its offset at 01:00 UTC, never around local midnight (21:00–22:00 UTC): the offset two
        // hours before UTC midnight is the one at local midnight.
        let offset = helsinki.secondsFromGMT(for: Date(timeIntervalSince1970: nextMidnightUTC - 7_200))
        return Date(timeIntervalSince1970: nextMidnightUTC - TimeInterval(offset) - 1)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date.
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
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
            if let notice = try NoticeStore.notice(idempotencyKey: "api:" + idempotencyKey, in: connection) {
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
