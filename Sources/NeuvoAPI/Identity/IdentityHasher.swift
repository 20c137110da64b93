import Foundation
import NeuvoCrypto
import NeuvoSupport

/// How a resident's identity is stored: a Finnish personal identity code (henkilötunnus) only as
/// `hmac-sha256:<hex>` keyed with the server's identity key (never in clear, never logged); any other identifier
/// (a provider's opaque `sub`) as given. A hash under a previous key still finds the resident during a rotation.
public struct IdentityHasher: Sendable {
    let keys: [[UInt8]]

    public init(keys: [[UInt8]]) {
        self.keys = keys
    }

    /// The form stored on the resident.
    public func stored(_ identity: String) -> String { candidates(identity)[0] }

    /// The forms to look up, the current key's first.
    public func candidates(_ identity: String) -> [String] {
        let trimmed = identity.trimmingCharacters(in: .whitespaces)
        let code = trimmed.uppercased()
        guard Henkilotunnus.isValid(code, allowTemporary: true) else { return [trimmed] }
        return keys.map { "hmac-sha256:" + Hex.encode(HMAC.authenticationCode(for: Array(code.utf8), key: $0)) }
    }
}
