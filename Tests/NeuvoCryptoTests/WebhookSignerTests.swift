import Foundation
import NeuvoCrypto
import Testing

@Suite struct WebhookSignerTests {
    static let secret = "whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
    static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    static let timestamp = 1_614_265_330
    static let body = bytes(#"{"test": 2432232314}"#)
    static let now = Date(timeIntervalSince1970: TimeInterval(timestamp) + 10)

    @Test func pythonStandardWebhooksVectors() throws {
        let vectors = try Fixtures.webhookVectors()
        #expect(vectors.count >= 5)
        for vector in vectors {
            let signer = try WebhookSigner(secret: vector.secret)
            let body = bytes(vector.body)
            #expect(signer.sign(id: vector.id, timestamp: vector.timestamp, body: body) == vector.signature)
            // The generic form (any DataProtocol) and the byte-array form agree with the reference.
            #expect(signer.sign(id: vector.id, timestamp: vector.timestamp, body: Data(body)) == vector.signature)
            let now = Date(timeIntervalSince1970: TimeInterval(vector.timestamp))
            #expect(throws: Never.self) {
                try signer.verify(
                    id: vector.id, timestamp: vector.timestamp, body: Data(body), signatureHeader: vector.signature,
                    now: now)
            }
            #expect(throws: Never.self) {
                try signer.verify(
                    id: vector.id, timestampHeader: String(vector.timestamp), body: body,
                    signatureHeader: vector.signature, now: now)
            }
        }
    }

    @Test func signatureIsVersionedBase64() throws {
        let signer = try WebhookSigner(secret: Self.secret)
        let header = signer.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body)
        #expect(header.hasPrefix("v1,"))
        #expect(Data(base64Encoded: String(header.dropFirst(3)))?.count == 32)

        // Default `now` is the wall clock.
        let current = Int(Date().timeIntervalSince1970)
        let fresh = signer.sign(id: Self.id, timestamp: current, body: Self.body)
        #expect(throws: Never.self) {
            try signer.verify(id: Self.id, timestamp: current, body: Self.body, signatureHeader: fresh)
        }
    }

    @Test func rejectsTamperedBody() throws {
        let signer = try WebhookSigner(secret: Self.secret)
        let header = signer.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body)
        var tampered = Self.body
        tampered[tampered.count - 2] ^= 1
        #expect(throws: WebhookError.invalidSignature) {
            try signer.verify(
                id: Self.id, timestamp: Self.timestamp, body: tampered, signatureHeader: header, now: Self.now)
        }
        // The id and timestamp are signed too.
        #expect(throws: WebhookError.invalidSignature) {
            try signer.verify(
                id: Self.id + "x", timestamp: Self.timestamp, body: Self.body, signatureHeader: header, now: Self.now)
        }
        #expect(throws: WebhookError.invalidSignature) {
            try signer.verify(
                id: Self.id, timestamp: Self.timestamp + 1, body: Self.body, signatureHeader: header, now: Self.now)
        }
    }

    @Test func rejectsWrongSecret() throws {
        let signer = try WebhookSigner(secret: Self.secret)
        let other = try WebhookSigner(secret: WebhookSigner.generateSecret())
        let header = other.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body)
        #expect(throws: WebhookError.invalidSignature) {
            try signer.verify(
                id: Self.id, timestamp: Self.timestamp, body: Self.body, signatureHeader: header, now: Self.now)
        }
    }

    @Test func rejectsTimestampsOutsideTolerance() throws {
        let signer = try WebhookSigner(secret: Self.secret)
        let header = signer.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body)
        let signedAt = TimeInterval(Self.timestamp)
        func verify(now: TimeInterval, tolerance: TimeInterval = 300) throws(WebhookError) {
            try signer.verify(
                id: Self.id, timestamp: Self.timestamp, body: Self.body, signatureHeader: header,
                now: Date(timeIntervalSince1970: now), tolerance: tolerance)
        }
        #expect(throws: WebhookError.timestampTooOld) { try verify(now: signedAt + 301) }
        #expect(throws: WebhookError.timestampTooNew) { try verify(now: signedAt - 301) }
        #expect(throws: WebhookError.timestampTooOld) { try verify(now: signedAt + 61, tolerance: 60) }
        #expect(throws: Never.self) { try verify(now: signedAt + 300) }
        #expect(throws: Never.self) { try verify(now: signedAt - 300) }
        // A stale message is rejected even when its signature is valid; the default `now` is the real clock.
        #expect(throws: WebhookError.timestampTooOld) {
            try signer.verify(id: Self.id, timestamp: Self.timestamp, body: Self.body, signatureHeader: header)
        }
    }

    @Test func acceptsWhenOneOfSeveralSignaturesMatches() throws {
        let signer = try WebhookSigner(secret: Self.secret)
        let old = try WebhookSigner(secret: WebhookSigner.generateSecret())
        let good = signer.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body)
        let stale = old.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body)
        let asymmetric = "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=="
        for header in ["\(stale) \(good)", "\(good) \(stale)", "\(asymmetric) v1,!!! \(stale)  \(good)"] {
            #expect(throws: Never.self) {
                try signer.verify(
                    id: Self.id, timestamp: Self.timestamp, body: Self.body, signatureHeader: header, now: Self.now)
            }
        }
        #expect(throws: WebhookError.invalidSignature) {
            try signer.verify(
                id: Self.id, timestamp: Self.timestamp, body: Self.body, signatureHeader: "\(asymmetric) \(stale)",
                now: Self.now)
        }
    }

    @Test func rejectsMissingOrUnusableHeaders() throws {
        let signer = try WebhookSigner(secret: Self.secret)
        for header in ["", "   ", "v1a,AAAA", "v2,abc", "garbage"] {
            #expect(throws: WebhookError.missingSignature) {
                try signer.verify(
                    id: Self.id, timestamp: Self.timestamp, body: Self.body, signatureHeader: header, now: Self.now)
            }
        }
        #expect(throws: WebhookError.invalidSignature) {
            try signer.verify(
                id: Self.id, timestamp: Self.timestamp, body: Self.body, signatureHeader: "v1,not-base64",
                now: Self.now)
        }
        let header = signer.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body)
        #expect(throws: WebhookError.missingMessageID) {
            try signer.verify(
                id: "", timestamp: Self.timestamp, body: Self.body, signatureHeader: header, now: Self.now)
        }
        for timestamp in ["", "12.5", "abc", " 1614265330"] {
            #expect(throws: WebhookError.invalidTimestamp) {
                try signer.verify(
                    id: Self.id, timestampHeader: timestamp, body: Self.body, signatureHeader: header, now: Self.now)
            }
        }
    }

    @Test(arguments: [
        "", "whsec_", "whsec_not base64!", "whsec_@@@@", "whsec_====", "whsec_A", "whsec_AAAA===", "whsec_AA=A",
    ])
    func malformedSecretsAreRejected(secret: String) {
        #expect {
            _ = try WebhookSigner(secret: secret)
        } throws: { error in
            guard case .malformedSecret(let reason) = error as? WebhookError else { return false }
            return !reason.isEmpty
        }
    }

    @Test func secretPrefixIsOptionalAndGeneratedSecretsWork() throws {
        let withPrefix = try WebhookSigner(secret: Self.secret)
        let withoutPrefix = try WebhookSigner(secret: String(Self.secret.dropFirst(6)))
        #expect(
            withPrefix.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body)
                == withoutPrefix.sign(id: Self.id, timestamp: Self.timestamp, body: Self.body))
        let generated = WebhookSigner.generateSecret()
        #expect(generated.hasPrefix("whsec_"))
        #expect(Data(base64Encoded: String(generated.dropFirst(6)))?.count == 32)
        #expect(generated != WebhookSigner.generateSecret())
        #expect(!String(reflecting: withPrefix).contains("AQID"))
        #expect("\(withPrefix)" == "WebhookSigner(secret: <redacted>)")
        #expect(throws: WebhookError.malformedSecret("secret decodes to no bytes")) {
            try WebhookSigner(key: [])
        }
    }
}
