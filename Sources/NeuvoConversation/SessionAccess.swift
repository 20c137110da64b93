import Foundation
import NeuvoArrangements

/// How surely a session's resident is identified, and so what they may see (docs/SECURITY.md).
public enum Assurance: String, Sendable, Hashable, Codable, CaseIterable {
    /// A widget or terminal session: general questions only.
    case anonymous
    /// A notice link was redeemed: proof of access to one email address or phone; one arrangement, nothing sensitive.
    case link
    /// OpenID Connect identification through the city's identity provider: everything of the resident's.
    case strong
}

/// How long a session lives: an absolute limit from its creation and a limit on idle time, both in seconds
/// (`session.max_seconds`, `session.idle_seconds`).
public struct SessionLimits: Sendable, Hashable {
    public var maxSeconds: Double
    public var idleSeconds: Double

    public init(maxSeconds: Double = 43_200, idleSeconds: Double = 1_800) {
        self.maxSeconds = maxSeconds
        self.idleSeconds = idleSeconds
    }
}

/// What one session may see and do: the resident it is bound to, its assurance and, for a link, the one
/// arrangement the link was about.
public struct SessionAccess: Sendable, Hashable {
    public let residentID: String?
    public let assurance: Assurance
    /// The arrangement a link session is bound to; nil for strong sessions (all of the resident's).
    public let scopeArrangement: String?

    public init(residentID: String?, assurance: Assurance, scopeArrangement: String? = nil) {
        self.residentID = residentID
        self.assurance = residentID == nil ? .anonymous : assurance
        self.scopeArrangement = scopeArrangement
    }

    public static let anonymous = SessionAccess(residentID: nil, assurance: .anonymous)

    public enum Visibility: Sendable, Hashable {
        /// Not this session's to know about.
        case hidden
        /// The resident is told the city has a message and how to identify to read it; nothing of its details.
        case withheld
        /// Every detail, and the resident may act on it.
        case full
    }

    /// The one rule of who sees what, used by the chat and the API alike: anonymous sessions see nothing personal;
    /// a link session sees the arrangement its link was about, and of a sensitive one only that it exists (so a
    /// link sent to an address that someone else changed opens nothing sensitive); a strong identification sees
    /// all of the resident's own arrangements.
    public func visibility(of arrangement: Arrangement) -> Visibility {
        guard let residentID, arrangement.residentID == residentID else { return .hidden }
        switch assurance {
        case .anonymous: return .hidden
        case .strong: return .full
        case .link:
            guard arrangement.id == scopeArrangement else { return .hidden }
            return arrangement.sensitivity == .sensitive ? .withheld : .full
        }
    }

    public func mayAct(on arrangement: Arrangement) -> Bool { visibility(of: arrangement) == .full }
}

/// A stored session as an authenticated request sees it.
public struct IdentifiedSession: Sendable, Hashable {
    public let id: SessionID
    public let access: SessionAccess
    public let expiresAt: Date?
}

/// What a presented session id turned out to be.
public enum SessionCheck: Sendable, Hashable {
    case valid(IdentifiedSession)
    /// Known, but past its absolute expiry or idle too long: the client starts over.
    case expired
    /// Unknown, malformed, or anonymous where an identified one is needed.
    case unknown
}
