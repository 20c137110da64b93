import Foundation

/// A public key from a JSON Web Key (RFC 7517 §4) that Neuvo can verify signatures with: `kty` "RSA" (`n`, `e`;
/// RFC 7518 §6.3.1) or `kty` "EC" with `crv` "P-256" (`x`, `y`; RFC 7518 §6.2.1).
public struct JSONWebKey: Sendable {
    public enum Material: Sendable {
        case rsa(RSAPublicKey)
        case p256(P256PublicKey)
    }

    /// `kid` (RFC 7517 §4.5).
    public let keyID: String?
    /// `alg` (RFC 7517 §4.4): when present, the only algorithm this key verifies.
    public let algorithm: String?
    /// `use` (RFC 7517 §4.2): when present, the key verifies signatures only if it is "sig".
    public let use: String?
    /// `key_ops` (RFC 7517 §4.3): when present, the key verifies signatures only if it lists "verify".
    public let keyOperations: [String]?
    public let material: Material

    public init(
        _ material: Material, keyID: String? = nil, algorithm: String? = nil, use: String? = nil,
        keyOperations: [String]? = nil
    ) {
        self.material = material
        self.keyID = keyID
        self.algorithm = algorithm
        self.use = use
        self.keyOperations = keyOperations
    }

    /// One JWK as a JSON object.
    public init(json: [UInt8]) throws(JWSError) {
        try self.init(object: JOSEJSON.object(json, what: "JWK"))
    }

    /// RFC 7517 §4 members; unknown members are ignored (§4: "MUST be ignored"). A key carrying private members
    /// (`d`, RFC 7518 §6.2.2.1 and §6.3.2.1) is refused: a provider that publishes one is misconfigured.
    init(object: [String: Any]) throws(JWSError) {
        guard let keyType = object["kty"] as? String else { throw .invalidKey("JWK without a string kty") }
        keyID = try JOSEJSON.optionalString(object, "kid", what: "JWK")
        algorithm = try JOSEJSON.optionalString(object, "alg", what: "JWK")
        use = try JOSEJSON.optionalString(object, "use", what: "JWK")
        if let operations = object["key_ops"] {
            guard let list = operations as? [Any], let strings = list as? [String] else {
                throw .invalidKey("JWK key_ops is not an array of strings")
            }
            keyOperations = strings
        } else {
            keyOperations = nil
        }
        guard object["d"] == nil else { throw .invalidKey("JWK holds private key material") }
        switch keyType {
        case "RSA":
            let modulus = try Self.member(object, "n")
            let exponent = try Self.member(object, "e")
            material = .rsa(try RSAPublicKey(modulus: modulus, exponent: exponent))
        case "EC":
            guard let curve = object["crv"] as? String else { throw .invalidKey("EC JWK without a string crv") }
            guard curve == "P-256" else { throw .invalidKey("EC curve \(curve) is not supported") }
            let x = try Self.member(object, "x")
            let y = try Self.member(object, "y")
            // RFC 7518 §6.2.1.2/§6.2.1.3: the full coordinate size, 32 octets for P-256, leading zeros included.
            guard x.count == 32, y.count == 32 else { throw .invalidKey("P-256 coordinates must be 32 octets") }
            material = .p256(try P256PublicKey(x: x, y: y))
        default:
            throw .invalidKey("key type \(keyType) is not supported")
        }
    }

    private static func member(_ object: [String: Any], _ name: String) throws(JWSError) -> [UInt8] {
        guard let text = object[name] as? String, let bytes = JOSEJSON.base64URL(text), !bytes.isEmpty else {
            throw .invalidKey("JWK member \(name) is not a base64url string")
        }
        return bytes
    }

    /// Whether this key may verify a signature made with `algorithm`: key type, `alg`, `use` and `key_ops` agree.
    public func canVerify(_ algorithm: JWSAlgorithm) -> Bool {
        switch (material, algorithm) {
        case (.rsa, .rs256), (.rsa, .ps256), (.p256, .es256): break
        default: return false
        }
        if let declared = self.algorithm, declared != algorithm.rawValue { return false }
        if let use, use != "sig" { return false }
        if let keyOperations, !keyOperations.contains("verify") { return false }
        return true
    }

    func verifies(_ signature: [UInt8], for message: [UInt8], algorithm: JWSAlgorithm) -> Bool {
        switch (material, algorithm) {
        case (.rsa(let key), .rs256): key.isValidPKCS1v15SHA256Signature(signature, for: message)
        case (.rsa(let key), .ps256): key.isValidPSSSHA256Signature(signature, for: message)
        case (.p256(let key), .es256): key.isValidSignature(raw: signature, for: message)
        default: false
        }
    }
}

/// A JWK Set (RFC 7517 §5): the keys an OpenID provider publishes at its `jwks_uri`.
public struct JSONWebKeySet: Sendable {
    /// The keys Neuvo can verify with.
    public let keys: [JSONWebKey]
    /// Why each other key was left out (an unsupported type or curve, a too short modulus…), in set order. A
    /// provider may publish keys for other purposes; only the keys above are ever used.
    public let skipped: [String]

    public init(keys: [JSONWebKey]) {
        self.keys = keys
        skipped = []
    }

    /// Refuses JSON that is not an object with a `keys` array of objects (RFC 7517 §5.1); skips keys it cannot use.
    public init(json: [UInt8]) throws(JWSError) {
        let object = try JOSEJSON.object(json, what: "JWK Set")
        guard let members = object["keys"] as? [Any] else { throw .malformed("JWK Set without a keys array") }
        var keys: [JSONWebKey] = []
        var skipped: [String] = []
        for (index, member) in members.enumerated() {
            guard let keyObject = member as? [String: Any] else { throw .malformed("JWK Set member is not an object") }
            do {
                keys.append(try JSONWebKey(object: keyObject))
            } catch {
                skipped.append("key \(index)\((keyObject["kid"] as? String).map { " (kid \($0))" } ?? ""): \(error)")
            }
        }
        self.keys = keys
        self.skipped = skipped
    }
}

/// The JSON and base64url rules JOSE objects share.
enum JOSEJSON {
    /// The largest JOSE JSON document or compact serialization accepted: ID tokens and key sets are a few
    /// kilobytes; the bound keeps hostile input cheap to refuse.
    static let maximumByteCount = 1 << 18

    static func object(_ bytes: [UInt8], what: String) throws(JWSError) -> [String: Any] {
        guard bytes.count <= maximumByteCount else { throw .malformed("\(what) larger than \(maximumByteCount) bytes") }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw .malformed("\(what) is not JSON")
        }
        guard let object = parsed as? [String: Any] else { throw .malformed("\(what) is not a JSON object") }
        return object
    }

    static func optionalString(_ object: [String: Any], _ name: String, what: String) throws(JWSError) -> String? {
        guard let value = object[name] else { return nil }
        guard let text = value as? String else { throw .malformed("\(what) member \(name) is not a string") }
        return text
    }

    /// Strict base64url (RFC 7515 §2): see `Base64URL.decodeCanonical`.
    static func base64URL(_ text: some StringProtocol) -> [UInt8]? {
        Base64URL.decodeCanonical(text.utf8)
    }
}
