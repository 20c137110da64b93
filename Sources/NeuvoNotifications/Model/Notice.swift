import Foundation

/// One message to one resident on one channel.
public struct Notice: Sendable, Hashable, Codable {
    public var id: String
    public var residentID: String
    public var arrangementID: String?
    public var templateID: String
    /// The first 12 hex digits of the template text's SHA-256: which wording was sent.
    public var templateVersion: String
    public var locale: String
    public var channel: ChannelKind
    public var personalisation: [String: String]
    public var idempotencyKey: String
    public var status: NoticeStatus
    public var urgent: Bool
    public var attempts: Int
    public var nextAttemptAt: Date
    public var providerMessageID: String?
    public var lastError: String?
    public var reference: String?
    public var createdAt: Date
    public var updatedAt: Date
}

/// queued → sending → sent → delivered, or temporary_failure while retrying, permanent_failure, dead.
public enum NoticeStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case queued
    case sending
    case sent
    case delivered
    case temporaryFailure = "temporary_failure"
    case permanentFailure = "permanent_failure"
    case dead

    /// The table of allowed transitions. Final states have none: a late receipt cannot undo them.
    public static let allowed: [NoticeStatus: Set<NoticeStatus>] = [
        .queued: [.sending, .dead],
        // An interrupted send (crash, restart) becomes a temporary failure and is retried.
        .sending: [.sent, .temporaryFailure, .permanentFailure, .dead],
        .temporaryFailure: [.sending, .dead],
        // A provider receipt settles a sent notice.
        .sent: [.delivered, .permanentFailure],
        .delivered: [],
        .permanentFailure: [],
        .dead: [],
    ]

    public var isFinal: Bool { Self.allowed[self]?.isEmpty ?? true }

    /// The final failures an operator may send again after a fix (`NoticeStore.retry`): back to `queued`, same id.
    /// Not in `allowed`, so nothing automatic (the dispatcher, a late receipt) can take this step.
    public static let retryable: Set<NoticeStatus> = [.dead, .permanentFailure]

    /// A failure of some kind: it carries an error (and, for a temporary one, a retry time).
    public var isFailure: Bool { self == .temporaryFailure || self == .permanentFailure || self == .dead }

    public func canMove(to next: NoticeStatus) -> Bool { Self.allowed[self]?.contains(next) ?? false }
}

public enum NoticeError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(String)
    case notAllowed(id: String, from: NoticeStatus, to: NoticeStatus)
    /// Retention erased what the notice says: there is nothing left to send.
    case contentErased(id: String, at: Date)

    public var description: String {
        switch self {
        case .notFound(let id): "no notice \(id)"
        case .notAllowed(let id, let from, let to): "notice \(id) is \(from.rawValue) and cannot become \(to.rawValue)"
        case .contentErased(let id, _): "notice \(id)'s content was erased by retention: there is nothing to send again"
        }
    }
}

/// What city systems and operators see of a notice (`GET /v1/notices`, `neuvo notices --json`): never the
/// personalisation, which may hold personal data.
public struct NoticeView: Sendable, Encodable {
    public let id: String
    public let status: String
    public let channel: String
    public let resident: String
    public let arrangement: String?
    public let template: String
    public let templateVersion: String
    public let locale: String
    public let attempts: Int
    public let lastError: String?
    public let reference: String?
    public let createdAt: Date
    public let updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, status, channel, resident, arrangement, template, locale, attempts, reference
        case templateVersion = "template_version"
        case lastError = "last_error"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public init(_ notice: Notice) {
        id = notice.id
        status = notice.status.rawValue
        channel = notice.channel.rawValue
        resident = notice.residentID
        arrangement = notice.arrangementID
        template = notice.templateID
        templateVersion = notice.templateVersion
        locale = notice.locale
        attempts = notice.attempts
        lastError = notice.lastError
        reference = notice.reference
        createdAt = notice.createdAt
        updatedAt = notice.updatedAt
    }
}
