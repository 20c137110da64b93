import Foundation
import NeuvoConversation
import NeuvoCrypto
import NeuvoSupport

/// What an ID token must say, checked after its signature (OpenID Connect Core 1.0 §3.1.3.7). A layer of its own
/// over the verified payload, so each rule is tested without a provider.
public struct IDTokenExpectations: Sendable {
    public let issuer: String
    public let clientID: String
    public let nonce: String
    public let now: Date
    /// Clock skew tolerated between Neuvo and the provider, either way.
    public let skew: TimeInterval
    /// How long after issue a token is still taken (a code is exchanged at once; an old token is a replay).
    public let maximumAge: TimeInterval

    public init(
        issuer: String, clientID: String, nonce: String, now: Date, skew: TimeInterval = 60,
        maximumAge: TimeInterval = 600
    ) {
        self.issuer = issuer
        self.clientID = clientID
        self.nonce = nonce
        self.now = now
        self.skew = skew
        self.maximumAge = maximumAge
    }
}

public enum IDTokenError: Error, Sendable, Hashable, CustomStringConvertible {
    case malformed(String)
    case wrongIssuer
    case wrongAudience
    case wrongAuthorizedParty
    case expired
    case issuedInTheFuture
    case tooOld
    case wrongNonce
    case missingClaim(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "the ID token's claims are malformed: \(reason)"
        case .wrongIssuer: "the ID token is from another issuer"
        case .wrongAudience: "the ID token is not for this client (aud)"
        case .wrongAuthorizedParty: "the ID token's authorized party (azp) is not this client"
        case .expired: "the ID token has expired"
        case .issuedInTheFuture: "the ID token is issued in the future"
        case .tooOld: "the ID token was issued too long ago"
        case .wrongNonce: "the ID token's nonce does not match the login"
        case .missingClaim(let name): "the ID token has no \(name) claim"
        }
    }
}

/// The claims of an ID token that passed every check.
public struct IDTokenClaims: Sendable {
    public let subject: String
    public let acr: String?
    public let issuedAt: Date
    public let expires: Date
    /// Every claim whose value is a string or a number, as text (for `oidc.resident_claim`).
    public let textClaims: [String: String]

    /// Validates the verified payload of an ID token against what this login expects.
    public static func validate(_ payload: [UInt8], expecting expected: IDTokenExpectations) throws(IDTokenError)
        -> IDTokenClaims
    {
        guard let text = String(validating: payload, as: UTF8.self),
            let node = try? JSONDocument.parse(text), case .object(let claims) = node.plain
        else { throw .malformed("not a JSON object") }
        func string(_ name: String) -> String? {
            if case .string(let value) = claims[name] { return value }
            return nil
        }
        func number(_ name: String) -> TimeInterval? {
            if case .number(let value) = claims[name], value.isFinite { return value }
            return nil
        }
        guard let issuer = string("iss") else { throw .missingClaim("iss") }
        // §3.1.3.7 (2): exactly the issuer discovered, compared as strings.
        guard issuer == expected.issuer else { throw .wrongIssuer }
        // (3): aud is the client id or a list that contains it; (4)–(5): with several audiences azp is required,
        // and whenever azp is present it must be this client.
        var audiences: [String] = []
        switch claims["aud"] {
        case .string(let one): audiences = [one]
        case .array(let many):
            for item in many {
                guard case .string(let audience) = item else { throw .malformed("aud holds a non-string") }
                audiences.append(audience)
            }
        default: throw .missingClaim("aud")
        }
        guard audiences.contains(expected.clientID) else { throw .wrongAudience }
        let azp = string("azp")
        if audiences.count > 1, azp == nil { throw .wrongAuthorizedParty }
        if let azp, azp != expected.clientID { throw .wrongAuthorizedParty }
        // (9)–(10): exp in the future and iat not ahead of us, both within the skew; and not an old token.
        guard let exp = number("exp") else { throw .missingClaim("exp") }
        guard let iat = number("iat") else { throw .missingClaim("iat") }
        let now = expected.now.timeIntervalSince1970
        guard exp + expected.skew > now else { throw .expired }
        guard iat - expected.skew <= now else { throw .issuedInTheFuture }
        guard now - iat <= expected.maximumAge + expected.skew else { throw .tooOld }
        // (11): the nonce this login sent, compared in constant time.
        guard let nonce = string("nonce") else { throw .missingClaim("nonce") }
        guard constantTimeEquals(Array(nonce.utf8), Array(expected.nonce.utf8)) else { throw .wrongNonce }
        guard let subject = string("sub"), !subject.isEmpty else { throw .missingClaim("sub") }
        var texts: [String: String] = [:]
        for (name, value) in claims {
            switch value {
            case .string(let text): texts[name] = text
            case .number(let number) where number == number.rounded() && abs(number) < 1e15:
                texts[name] = String(Int64(number))
            default: break
            }
        }
        return IDTokenClaims(
            subject: subject, acr: string("acr"), issuedAt: Date(timeIntervalSince1970: iat),
            expires: Date(timeIntervalSince1970: exp), textClaims: texts)
    }

    /// `oidc.sensitive_acr`: the acr values that count as strong identification; none configured means every
    /// login through the city's provider does (it offers strong methods only). Anything else is refused.
    public func assurance(sensitiveACR: [String]) -> Assurance? {
        if sensitiveACR.isEmpty { return .strong }
        guard let acr else { return nil }
        return sensitiveACR.contains(acr) ? .strong : nil
    }
}
