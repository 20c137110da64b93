import Foundation
import NeuvoCore
import NeuvoCrypto

/// What a link is for. A token made for one purpose is refused for the other: an unsubscribe link opens nothing.
public enum LinkPurpose: String, Sendable, Hashable, CaseIterable {
    /// `/r/{token}`: redeemed once for a `link` session bound to one arrangement (or notice).
    case open = "o"
    /// `/unsubscribe/{token}`: one-click unsubscribe (RFC 8058); identifies nobody.
    case unsubscribe = "u"
}

/// Signed links carried by notices. A token is
/// `base64url("2|purpose|arrangement|notice|nonce|issued|expires|resident") "." base64url(HMAC-SHA256(key, payload))`:
/// purpose-bound, bound to one arrangement or notice, short-lived, and single use through its random nonce (the
/// server records a redeemed nonce: `LinkRedemptions`). Tokens are signed with the first key and verified with
/// every key given, so a rotated key keeps verifying the links already sent for their lifetime.
public struct ResidentLinkSigner: Sendable {
    public struct Claims: Sendable, Hashable {
        public let purpose: LinkPurpose
        public let residentID: String
        public let arrangementID: String?
        public let noticeID: String?
        /// 128 random bits in hex: what a redemption records.
        public let nonce: String
        public let issued: Date
        public let expires: Date
    }

    public enum LinkError: Error, Sendable, Hashable, CustomStringConvertible {
        case malformed
        case badSignature
        case expired
        case wrongPurpose

        public var description: String {
            switch self {
            case .malformed: "the link is not a Neuvo link"
            case .badSignature: "the link's signature does not match"
            case .expired: "the link has expired"
            case .wrongPurpose: "the link is not meant for this"
            }
        }
    }

    /// The current key first, then previous ones that still verify.
    private let keys: [[UInt8]]
    /// The HMAC already keyed with the current key: each token copies it instead of deriving the pads again.
    private let keyedMAC: HMAC
    /// `<base URL without a trailing slash>`.
    private let base: String
    public let baseURL: URL
    public let lifetime: TimeInterval
    /// The city's time zone (quiet hours are computed in it).
    public let timeZone: TimeZone

    /// Links live 14 days unless configured (`links.lifetime_days`).
    public static let defaultLifetime: TimeInterval = 14 * 24 * 3600

    public init(
        keys: [[UInt8]], baseURL: URL, lifetime: TimeInterval = Self.defaultLifetime,
        timeZone: TimeZone = City.timeZone
    ) {
        precondition(!keys.isEmpty, "a link signer needs a key")
        self.keys = keys
        keyedMAC = HMAC(key: keys[0])
        base = baseURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.baseURL = baseURL
        self.lifetime = lifetime
        self.timeZone = timeZone
    }

    public init(
        key: [UInt8], baseURL: URL, lifetime: TimeInterval = Self.defaultLifetime, timeZone: TimeZone = City.timeZone
    ) {
        self.init(keys: [key], baseURL: baseURL, lifetime: lifetime, timeZone: timeZone)
    }

    /// The same keys and lifetime, links under another base URL.
    public func with(baseURL: URL) -> ResidentLinkSigner {
        ResidentLinkSigner(keys: keys, baseURL: baseURL, lifetime: lifetime, timeZone: timeZone)
    }

    public func token(
        _ purpose: LinkPurpose, residentID: String, arrangementID: String?, noticeID: String? = nil, now: Date
    ) -> String {
        var token: [UInt8] = []
        appendToken(
            purpose, residentID: residentID, arrangementID: arrangementID, noticeID: noticeID, now: now, to: &token)
        return String(decoding: token, as: UTF8.self)
    }

    /// A new token, written after what `token` holds (a link's base and path).
    private func appendToken(
        _ purpose: LinkPurpose, residentID: String, arrangementID: String?, noticeID: String?, now: Date,
        to token: inout [UInt8]
    ) {
        let issued = Int(now.timeIntervalSince1970)
        let expires = Int(now.addingTimeInterval(lifetime).timeIntervalSince1970)
        // "2|purpose|arrangement|notice|nonce|issued|expires|resident", written straight into one buffer: a token
        // is signed for every notice sent. The resident id goes last: it is the one field that may contain "|".
        var payload: [UInt8] = [UInt8(ascii: "2")]
        payload.reserveCapacity(
            96 + residentID.utf8.count + (arrangementID?.utf8.count ?? 0) + (noticeID?.utf8.count ?? 0))
        func field(_ text: String) {
            payload.append(UInt8(ascii: "|"))
            payload.append(contentsOf: text.utf8)
        }
        field(purpose.rawValue)
        field(arrangementID ?? "")
        field(noticeID ?? "")
        payload.append(UInt8(ascii: "|"))
        withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { nonce in
            SecureRandom.fill(nonce)
            Hex.append(UnsafeRawBufferPointer(nonce), to: &payload)
        }
        field(String(issued))
        field(String(expires))
        field(residentID)
        var mac = keyedMAC
        payload.withUnsafeBytes { mac.update(bytes: $0) }
        token.reserveCapacity(token.count + (payload.count + 34) * 4 / 3 + 4)
        Base64URL.append(payload, to: &token)
        token.append(UInt8(ascii: "."))
        Base64URL.append(mac.finalize(), to: &token)
    }

    /// The link a notice carries: `<public base URL>/r/<token>` to open, `/unsubscribe/<token>` to unsubscribe.
    public func link(
        _ purpose: LinkPurpose, residentID: String, arrangementID: String?, noticeID: String? = nil, now: Date
    ) -> String {
        var link = Array(base.utf8)
        link.append(contentsOf: (purpose == .open ? "/r/" : "/unsubscribe/").utf8)
        appendToken(
            purpose, residentID: residentID, arrangementID: arrangementID, noticeID: noticeID, now: now, to: &link)
        return String(decoding: link, as: UTF8.self)
    }

    /// A link of the right shape that opens nothing (its token is not signed): for rendering a notice as a check
    /// before it is queued, where only the sender's links will ever reach a resident.
    public func link(forChecking purpose: LinkPurpose) -> String {
        base + (purpose == .open ? "/r/" : "/unsubscribe/") + "check"
    }

    /// The claims of a token signed by one of the keys, for `purpose`, not expired. Whether it was already
    /// redeemed is the redemption store's to say.
    public func verify(_ token: String, purpose: LinkPurpose, now: Date) throws(LinkError) -> Claims {
        guard token.utf8.count <= 2_000 else { throw .malformed }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(String(parts[0])),
            let signature = Base64URL.decode(String(parts[1]))
        else { throw .malformed }
        guard keys.contains(where: { HMAC.isValidAuthenticationCode(signature, for: payload, key: $0) }) else {
            throw .badSignature
        }
        let fields = String(decoding: payload, as: UTF8.self).split(
            separator: "|", maxSplits: 7, omittingEmptySubsequences: false)
        guard fields.count == 8, fields[0] == "2", let kind = LinkPurpose(rawValue: String(fields[1])),
            !fields[4].isEmpty, let issued = TimeInterval(fields[5]), let expiry = TimeInterval(fields[6]),
            !fields[7].isEmpty
        else { throw .malformed }
        guard kind == purpose else { throw .wrongPurpose }
        let expires = Date(timeIntervalSince1970: expiry)
        guard expires > now else { throw .expired }
        return Claims(
            purpose: kind, residentID: String(fields[7]), arrangementID: fields[2].isEmpty ? nil : String(fields[2]),
            noticeID: fields[3].isEmpty ? nil : String(fields[3]), nonce: String(fields[4]),
            issued: Date(timeIntervalSince1970: issued), expires: expires)
    }
}
