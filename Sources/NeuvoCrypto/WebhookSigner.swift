#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

public enum WebhookError: Error, Sendable, Equatable {
    /// The secret is not `whsec_` followed by standard base64, or decodes to no bytes.
    case malformedSecret(String)
    case missingMessageID
    /// No `v1,<base64>` entry in the webhook-signature header.
    case missingSignature
    /// At least one v1 signature was present but none matched.
    case invalidSignature
    /// The webhook-timestamp header is not an integer number of seconds.
    case invalidTimestamp
    case timestampTooOld
    case timestampTooNew
}

/// Standard Webhooks signing and verification (https://www.standardwebhooks.com, symmetric "v1" scheme):
/// `v1,` + base64(HMAC-SHA256(secret, "<webhook-id>.<webhook-timestamp>.<body>")).
public struct WebhookSigner: Sendable {
    public static let secretPrefix = "whsec_"
    public static let defaultTolerance: TimeInterval = 300

    /// HMAC state already keyed with the secret; copied per message so the key pads are derived only once.
    private let keyedMAC: HMAC

    /// Accepts `whsec_<base64>`; like the reference libraries, the prefix and base64 padding may be omitted.
    public init(secret: String) throws(WebhookError) {
        var encoded = Substring(secret)
        if encoded.hasPrefix(Self.secretPrefix) {
            encoded = encoded.dropFirst(Self.secretPrefix.count)
        }
        // Validate the alphabet ourselves: Foundation decodes some degenerate inputs such as "====" to a zero byte.
        let unpadded = encoded.utf8.count - encoded.utf8.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        let symbols = encoded.utf8.prefix(unpadded)
        guard !symbols.isEmpty else { throw .malformedSecret("secret is empty") }
        guard encoded.utf8.count - unpadded <= 2, symbols.count % 4 != 1, symbols.allSatisfy(Self.isBase64Symbol) else {
            throw .malformedSecret("secret is not \(Self.secretPrefix) followed by standard base64")
        }
        var padded = String(decoding: symbols, as: UTF8.self)
        padded += String(repeating: "=", count: (4 - symbols.count % 4) % 4)
        guard let decoded = Data(base64Encoded: padded) else {
            throw .malformedSecret("secret is not \(Self.secretPrefix) followed by standard base64")
        }
        try self.init(key: Array(decoded))
    }

    private static func isBase64Symbol(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "+"), UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }

    /// Uses raw key bytes directly (for example from `generateSecret`'s decoded form).
    public init(key: [UInt8]) throws(WebhookError) {
        guard !key.isEmpty else { throw .malformedSecret("secret decodes to no bytes") }
        self.keyedMAC = HMAC(key: key)
    }

    /// A fresh `whsec_` secret; 32 bytes is within the spec's recommended 24–64.
    public static func generateSecret(byteCount: Int = 32) -> String {
        secretPrefix + Data(SecureRandom.bytes(byteCount)).base64EncodedString()
    }

    /// The value for the webhook-signature header.
    public func sign(id: String, timestamp: Int, body: some DataProtocol) -> String {
        "v1," + Data(signature(id: id, timestamp: timestamp, body: body)).base64EncodedString()
    }

    /// The same for a body in bytes, the dispatcher's case: hashed straight from the array's storage (the generic
    /// form walks a `DataProtocol` and, called from another module, looks up its type's metadata each time).
    public func sign(id: String, timestamp: Int, body: [UInt8]) -> String {
        var mac = keyed(id: id, timestamp: timestamp)
        body.withUnsafeBytes { mac.update(bytes: $0) }
        var header: [UInt8] = Array("v1,".utf8)
        Base64.append(mac.finalize(), to: &header)
        return String(decoding: header, as: UTF8.self)
    }

    public func verify(
        id: String, timestamp: Int, body: some DataProtocol, signatureHeader: String,
        now: Date = Date(), tolerance: TimeInterval = defaultTolerance
    ) throws(WebhookError) {
        guard !id.isEmpty else { throw .missingMessageID }
        // Reject replays before doing any MAC work.
        let age = now.timeIntervalSince1970 - Double(timestamp)
        if age > tolerance { throw .timestampTooOld }
        if age < -tolerance { throw .timestampTooNew }

        let expected = signature(id: id, timestamp: timestamp, body: body)
        var sawVersion1 = false
        // Several space-separated signatures appear while a secret is being rotated; any match is enough.
        for entry in signatureHeader.split(separator: " ", omittingEmptySubsequences: true) {
            guard let comma = entry.firstIndex(of: ","), entry[..<comma] == "v1" else { continue }
            sawVersion1 = true
            guard let provided = Data(base64Encoded: String(entry[entry.index(after: comma)...])) else { continue }
            if constantTimeEquals(expected, provided) { return }
        }
        throw sawVersion1 ? .invalidSignature : .missingSignature
    }

    /// Variant taking the raw webhook-timestamp header value.
    public func verify(
        id: String, timestampHeader: String, body: some DataProtocol, signatureHeader: String,
        now: Date = Date(), tolerance: TimeInterval = defaultTolerance
    ) throws(WebhookError) {
        guard let timestamp = Int(timestampHeader) else {
            throw .invalidTimestamp
        }
        try verify(
            id: id, timestamp: timestamp, body: body, signatureHeader: signatureHeader, now: now,
            tolerance: tolerance)
    }

    private func signature(id: String, timestamp: Int, body: some DataProtocol) -> [UInt8] {
        var mac = keyed(id: id, timestamp: timestamp)
        mac.update(body)
        return mac.finalize()
    }

    /// The keyed HMAC with "<id>.<timestamp>." already hashed: the signed content is streamed, the body never
    /// copied into one buffer with its prefix.
    private func keyed(id: String, timestamp: Int) -> HMAC {
        var mac = keyedMAC
        var prefix = "\(id).\(timestamp)."
        prefix.withUTF8 { mac.update(bytes: UnsafeRawBufferPointer($0)) }
        return mac
    }
}

extension WebhookSigner: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    // The keyed HMAC state is as good as the secret for forging signatures, so keep it out of logs and dumps.
    public var description: String { "WebhookSigner(secret: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
