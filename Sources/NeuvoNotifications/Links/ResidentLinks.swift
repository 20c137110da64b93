import Foundation
import NeuvoCore
import NeuvoCrypto

/// Signed identification links carried by every notice. Opening one gives the chat a session bound to the
/// resident (and the arrangement), until the link expires. The token is
/// `base64url(resident|arrangement|expiry) "." base64url(HMAC-SHA256(key, payload))`.
public struct ResidentLinkSigner: Sendable {
    public struct Claims: Sendable, Hashable {
        public let residentID: String
        public let arrangementID: String?
        public let expires: Date
    }

    public enum LinkError: Error, Sendable, Hashable, CustomStringConvertible {
        case malformed
        case badSignature
        case expired

        public var description: String {
            switch self {
            case .malformed: "the link is not a Neuvo identification link"
            case .badSignature: "the link's signature does not match"
            case .expired: "the link has expired"
            }
        }
    }

    private let key: [UInt8]
    /// The HMAC already keyed: each token copies it instead of deriving the pads again.
    private let keyedMAC: HMAC
    /// `<base URL without a trailing slash>/r/`.
    private let linkPrefix: String
    public let baseURL: URL
    public let lifetime: TimeInterval
    /// The city's time zone (quiet hours are computed in it).
    public let timeZone: TimeZone

    public init(
        key: [UInt8], baseURL: URL, lifetime: TimeInterval = 30 * 24 * 3600,
        timeZone: TimeZone = City.timeZone
    ) {
        self.key = key
        keyedMAC = HMAC(key: key)
        linkPrefix = baseURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/r/"
        self.baseURL = baseURL
        self.lifetime = lifetime
        self.timeZone = timeZone
    }

    /// The same key and lifetime, links under another base URL.
    public func with(baseURL: URL) -> ResidentLinkSigner {
        ResidentLinkSigner(key: key, baseURL: baseURL, lifetime: lifetime, timeZone: timeZone)
    }

    public func token(residentID: String, arrangementID: String?, now: Date) -> String {
        let expires = Int(now.addingTimeInterval(lifetime).timeIntervalSince1970)
        let payload = [residentID, arrangementID ?? "", String(expires)].joined(separator: "|")
        var mac = keyedMAC
        mac.update(Array(payload.utf8))
        return Base64URL.encode(Array(payload.utf8)) + "." + Base64URL.encode(mac.finalize())
    }

    /// The link a notice carries: `<public base URL>/r/<token>`.
    public func link(residentID: String, arrangementID: String?, now: Date) -> String {
        linkPrefix + token(residentID: residentID, arrangementID: arrangementID, now: now)
    }

    public func verify(_ token: String, now: Date) throws(LinkError) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(String(parts[0])),
            let signature = Base64URL.decode(String(parts[1]))
        else { throw .malformed }
        guard HMAC.isValidAuthenticationCode(signature, for: payload, key: key) else { throw .badSignature }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false)
        guard fields.count == 3, !fields[0].isEmpty, let expiry = TimeInterval(fields[2]) else { throw .malformed }
        let expires = Date(timeIntervalSince1970: expiry)
        guard expires > now else { throw .expired }
        return Claims(
            residentID: String(fields[0]), arrangementID: fields[1].isEmpty ? nil : String(fields[1]), expires: expires)
    }
}
