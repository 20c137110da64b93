/// The JWS algorithms Neuvo verifies (RFC 7518 §3.1). Deliberately no "none" and no HS*: a relying party that
/// accepted an HMAC algorithm could be handed a token "signed" with the provider's public key as the secret.
public enum JWSAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    case rs256 = "RS256"
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-octet salt (RFC 7518 §3.5).
    case ps256 = "PS256"
    /// ECDSA with P-256 and SHA-256, signature as the 64-octet R || S (RFC 7518 §3.4).
    case es256 = "ES256"
}

public enum JWSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not a JWS in compact serialization, not base64url, a header that is not a JSON object, or a key set that is
    /// not one.
    case malformed(String)
    /// `alg` names an algorithm Neuvo never verifies ("none", HS256, ES384, …).
    case unsupportedAlgorithm(String)
    /// `alg` is one Neuvo knows but the caller did not allow.
    case algorithmNotAllowed(String)
    /// The header lists `crit` extensions (RFC 7515 §4.1.11): none are understood, so the JWS is refused.
    case criticalHeader
    /// No key in the set has the header's `kid` (or, without one, no key fits the algorithm).
    case noMatchingKey
    case badSignature
    case invalidKey(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed JWS: \(reason)"
        case .unsupportedAlgorithm(let algorithm): "unsupported JWS algorithm \(algorithm)"
        case .algorithmNotAllowed(let algorithm): "JWS algorithm \(algorithm) is not allowed"
        case .criticalHeader: "JWS header has critical extensions (crit)"
        case .noMatchingKey: "no key in the set matches the JWS"
        case .badSignature: "JWS signature does not verify"
        case .invalidKey(let reason): "invalid key: \(reason)"
        }
    }
}

/// A JWS whose signature verified: the protected header and the payload exactly as signed.
public struct VerifiedJWS: Sendable {
    public let algorithm: JWSAlgorithm
    /// The header's `kid`, when it has one.
    public let keyID: String?
    /// The decoded protected header (a JSON object).
    public let header: [UInt8]
    /// The decoded payload (for an ID token, the claims as JSON).
    public let payload: [UInt8]
}

/// JWS compact serialization verification (RFC 7515 §5.2).
public enum JWS {
    /// Verifies `compact` against `keys` and returns its header and payload. Refuses: anything but three base64url
    /// segments; a header that is not a JSON object or lacks a string `alg`; "none", HS* and every algorithm
    /// outside `allowed`; `crit`; a `kid` no key has; keys whose type, `alg`, `use` or `key_ops` do not fit the
    /// algorithm. Keys named inside the header (`jwk`, `jku`, `x5u`, `x5c`) are never used. Without a `kid`, any
    /// fitting key may verify.
    public static func verify(_ compact: String, keys: JSONWebKeySet, allowed: Set<JWSAlgorithm>) throws(JWSError)
        -> VerifiedJWS
    {
        let bytes = Array(compact.utf8)
        guard bytes.count <= JOSEJSON.maximumByteCount else { throw .malformed("JWS too long") }
        let segments = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3 else { throw .malformed("JWS compact serialization has three segments") }
        guard let header = decode(segments[0]), !header.isEmpty else {
            throw .malformed("JWS header is not base64url")
        }
        guard let payload = decode(segments[1]) else { throw .malformed("JWS payload is not base64url") }
        guard let signature = decode(segments[2]) else { throw .malformed("JWS signature is not base64url") }

        let fields = try JOSEJSON.object(header, what: "JWS header")
        guard let name = fields["alg"] as? String else { throw .malformed("JWS header without a string alg") }
        guard let algorithm = JWSAlgorithm(rawValue: name) else { throw .unsupportedAlgorithm(name) }
        guard allowed.contains(algorithm) else { throw .algorithmNotAllowed(name) }
        // RFC 7515 §4.1.11: a recipient that does not understand a listed extension MUST reject the JWS. Neuvo
        // understands none, so any crit (even an empty or malformed one) is refused.
        guard fields["crit"] == nil else { throw .criticalHeader }
        let keyID = try JOSEJSON.optionalString(fields, "kid", what: "JWS header")

        let candidates = keys.keys.filter { key in
            key.canVerify(algorithm) && (keyID == nil || key.keyID == keyID)
        }
        guard !candidates.isEmpty else { throw .noMatchingKey }
        // RFC 7515 §5.2 step 8: the signing input is the encoded header and payload as sent, not re-encoded.
        let signingInput = Array(bytes[..<segments[1].endIndex])
        for key in candidates where key.verifies(signature, for: signingInput, algorithm: algorithm) {
            return VerifiedJWS(algorithm: algorithm, keyID: keyID, header: header, payload: payload)
        }
        throw .badSignature
    }

    private static func decode(_ segment: ArraySlice<UInt8>) -> [UInt8]? {
        Base64URL.decodeCanonical(segment)
    }
}
