import Foundation
import NeuvoCore

/// A resident of the city as Neuvo knows them: how to reach them and in which language.
public struct Resident: Sendable, Hashable, Codable {
    public enum Channel: String, Sendable, Hashable, Codable, CaseIterable {
        case email
        case sms
    }

    public var id: String
    public var name: String
    /// fi, sv or en: every notice and chat answer to this resident uses it.
    public var language: String
    public var email: String?
    /// E.164, such as +358401234567.
    public var phone: String?
    public var consentEmail: Bool
    public var consentSMS: Bool
    public var preferredChannel: Channel?
    /// Minutes after local midnight; the default 21:00–08:00 Europe/Helsinki.
    public var quietStart: Int
    public var quietEnd: Int
    public var postalCode: String?
    public var district: String?
    /// What the city's identity provider calls this resident (`oidc.resident_claim`), as stored: a national
    /// identity number only as its keyed hash (`IdentityHasher`), never in clear. nil: not identifiable over OIDC.
    public var identity: String?
    /// When the email or phone last changed (read only: `ArrangementStore.upsert` sets it).
    public internal(set) var contactChangedAt: Date?

    public init(
        id: String, name: String, language: String, email: String? = nil, phone: String? = nil,
        consentEmail: Bool = false, consentSMS: Bool = false, preferredChannel: Channel? = nil,
        quietStart: Int = 21 * 60, quietEnd: Int = 8 * 60, postalCode: String? = nil, district: String? = nil,
        identity: String? = nil
    ) {
        self.id = id
        self.name = name
        self.language = language
        self.email = email
        self.phone = phone
        self.consentEmail = consentEmail
        self.consentSMS = consentSMS
        self.preferredChannel = preferredChannel
        self.quietStart = quietStart
        self.quietEnd = quietEnd
        self.postalCode = postalCode
        self.district = district
        self.identity = identity
    }

    /// The channel a notice should use: the preferred one when consented to and reachable, otherwise any
    /// consented, reachable channel; nil when the resident cannot be reached.
    public var deliveryChannel: Channel? {
        let reachable = Channel.allCases.filter { channel in
            switch channel {
            case .email: consentEmail && email != nil
            case .sms: consentSMS && phone != nil
            }
        }
        if let preferredChannel, reachable.contains(preferredChannel) { return preferredChannel }
        return reachable.first
    }
}

/// What the city has arranged for a resident.
public struct Arrangement: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A reserved pre-primary (preschool) place: details `unit`, `start_date`, `accept_by`.
        case preschoolPlace = "preschool_place"
        /// An invitation to a health check-up (`unit`, `time`); always sensitive.
        case healthCheckup = "health_checkup"
        /// Participatory budgeting voting open in the resident's district (`district`, `closes`).
        case budgetingVote = "budgeting_vote"
        /// A city-planning decision near the resident's address (`title`, `url` of the 3D city model view).
        case planningDecision = "planning_decision"
    }

    public enum Sensitivity: String, Sendable, Hashable, Codable {
        case normal
        /// Health and similar: notices say only that the city has a message; details after identification.
        case sensitive
    }

    public var id: String
    public var residentID: String
    public var kind: Kind
    /// Values for templates and chat answers (unit, start_date, accept_by, district, link...).
    public var details: [String: String]
    public var unitID: String?
    public var serviceID: String?
    public var deadline: Date?
    public var status: ArrangementStatus
    public var sensitivity: Sensitivity
    /// The city system's own reference, for status queries.
    public var reference: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, residentID: String, kind: Kind, details: [String: String], unitID: String? = nil,
        serviceID: String? = nil, deadline: Date? = nil, status: ArrangementStatus = .offered,
        sensitivity: Sensitivity? = nil, reference: String? = nil, createdAt: Date, updatedAt: Date? = nil
    ) {
        self.id = id
        self.residentID = residentID
        self.kind = kind
        self.details = details
        self.unitID = unitID
        self.serviceID = serviceID
        self.deadline = deadline
        self.status = status
        // Health is sensitive whatever the caller says.
        self.sensitivity = kind == .healthCheckup ? .sensitive : (sensitivity ?? .normal)
        self.reference = reference
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// offered → accepted, declined, expired, rescheduled, cancelled. Final states never change.
public enum ArrangementStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case offered
    case accepted
    case declined
    case expired
    case rescheduled
    case cancelled

    /// The table of allowed transitions; nothing else decides whether a status may change.
    public static let allowed: [ArrangementStatus: Set<ArrangementStatus>] = [
        .offered: [.accepted, .declined, .expired, .rescheduled, .cancelled],
        // A reschedule request is answered by the city with a new offer, or the arrangement is cancelled.
        .rescheduled: [.offered, .cancelled],
        .accepted: [.cancelled],
        .declined: [],
        .expired: [],
        .cancelled: [],
    ]

    public var isFinal: Bool { Self.allowed[self]?.isEmpty ?? true }

    public func canMove(to next: ArrangementStatus) -> Bool { Self.allowed[self]?.contains(next) ?? false }
}

extension Resident {
    /// The language the resident is addressed in: theirs when it is one Neuvo serves (imports check it), otherwise
    /// the city's default.
    public var locale: Language { Language(rawValue: language) ?? City.defaultLanguage }
}
