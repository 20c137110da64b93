import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoCore
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
    /// When the notice goes, ISO 8601, if the resident's quiet hours hold it (nil: it goes at once).
    public let heldUntil: String?

    enum CodingKeys: String, CodingKey {
        case created, channel, note
        case arrangementID = "arrangement_id"
        case noticeID = "notice_id"
        case heldUntil = "held_until"
    }

    public init(
        arrangementID: String, noticeID: String?, created: Bool, channel: String?, note: String?,
        heldUntil: String? = nil
    ) {
        self.arrangementID = arrangementID
        self.noticeID = noticeID
        self.created = created
        self.channel = channel
        self.note = note
        self.heldUntil = heldUntil
    }

    /// "held by quiet hours until 8.12. 08:00" in the city's time, for people reading `neuvo arrange`.
    public var heldUntilText: String? {
        guard let heldUntil, let date = try? Date(heldUntil, strategy: .iso8601) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = City.timeZone
        let parts = calendar.dateComponents([.day, .month, .hour, .minute], from: date)
        let minute = parts.minute ?? 0
        return "held by quiet hours until \(parts.day ?? 0).\(parts.month ?? 0). \(parts.hour ?? 0):"
            + (minute < 10 ? "0" : "") + "\(minute)"
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

/// The notices' side of the gateway under the CLI and the HTTP API: confirmations queued with a resident's answer,
/// reminders before deadlines, notices on their own. Arrangements and residents come in through `IntakeService`.
public struct GatewayService: Sendable {
    public let arrangements: ArrangementStore
    public let notices: NoticeStore
    public let renderer: @Sendable () -> NoticeRenderer
    public let links: ResidentLinkSigner
    public let clock: any WallClock

    public init(
        database: Database, timeZone: TimeZone, renderer: @escaping @Sendable () -> NoticeRenderer,
        links: ResidentLinkSigner, clock: any WallClock = SystemClock()
    ) {
        arrangements = ArrangementStore(database: database)
        notices = NoticeStore(database: database, timeZone: timeZone)
        self.renderer = renderer
        self.links = links
        self.clock = clock
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

    /// `now`: the injected clock's time, so the ids of a test's objects sort as its clock says.
    public static func make(_ prefix: String, now: Date) -> String {
        let time = String(UInt64(max(0, now.timeIntervalSince1970) * 1000), radix: 36)
        // One read of secure random bytes per id, not one system call per character.
        let random = SecureRandom.bytes(10).map { digits[Int($0) % digits.count] }
        return "\(prefix)_\(time)\(String(decoding: random, as: UTF8.self))"
    }
}

/// Deadlines as city systems send them (ISO 8601 days); residents read dates through `DateDisplay`.
public enum DateText {
    private static let helsinki = City.timeZone

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

extension GatewayService {
    /// Stores a resident (`PUT /v1/residents/{id}`, imports). A change of email or phone is audited by the store and
    /// told to the previous address, in the same transaction.
    @discardableResult
    public func storeResident(_ resident: Resident, actor: String) async throws -> ArrangementStore.ContactChange? {
        let now = clock.now()
        let renderer = renderer()
        let links = links
        return try await arrangements.database.write { connection in
            try Self.storeResident(
                resident, actor: actor, now: now, renderer: renderer, links: links, in: connection)
        }
    }

    /// The same in the caller's transaction.
    @discardableResult
    public static func storeResident(
        _ resident: Resident, actor: String, now: Date, renderer: NoticeRenderer, links: ResidentLinkSigner,
        in connection: Connection
    ) throws -> ArrangementStore.ContactChange? {
        guard let change = try ArrangementStore.upsert(resident, now: now, actor: actor, in: connection) else {
            return nil
        }
        let stamp = String(Int(now.timeIntervalSince1970 * 1000))
        for (channel, address) in [(Resident.Channel.email, change.previousEmail), (.sms, change.previousPhone)] {
            guard let address else { continue }
            // Sent whatever the consent: it is a security notice about the resident's own contact details.
            var previous = resident
            previous.email = channel == .email ? address : nil
            previous.phone = channel == .sms ? address : nil
            previous.consentEmail = channel == .email
            previous.consentSMS = channel == .sms
            previous.preferredChannel = channel
            guard
                var notice = try NoticePlanner.plan(
                    .contactChanged, for: previous, arrangement: nil,
                    idempotencyKey: "contact:\(resident.id):\(channel.rawValue):\(stamp)", urgent: true, now: now,
                    renderer: renderer, links: links)
            else { continue }
            notice.personalisation[NoticeTemplate.previousAddressKey] = address
            _ = try NoticeStore.insert(notice, in: connection)
        }
        return change
    }
}
