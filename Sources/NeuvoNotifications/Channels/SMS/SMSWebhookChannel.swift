import CCurl
import Foundation
import NeuvoCrypto
import NeuvoSupport

public struct SMSWebhookConfiguration: Sendable, CustomStringConvertible {
    /// The SMS provider's (or the city's SMS gateway's) endpoint, http:// or https://.
    public var url: String
    public var signer: WebhookSigner
    /// Seconds to establish the connection.
    public var connectTimeout: Double
    /// Seconds for the whole request, including waiting for the answer.
    public var timeout: Double
    public var maxConcurrentTransfers: Int
    /// CA bundle for TLS verification; the system default when nil.
    public var caBundlePath: String?
    /// Source of webhook-timestamp.
    public var clock: any WallClock

    public init(
        url: String, signer: WebhookSigner, connectTimeout: Double = 5, timeout: Double = 15,
        maxConcurrentTransfers: Int = 2, caBundlePath: String? = nil, clock: any WallClock = SystemClock()
    ) {
        self.url = url
        self.signer = signer
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxConcurrentTransfers = maxConcurrentTransfers
        self.caBundlePath = caBundlePath
        self.clock = clock
    }

    public var description: String { "SMSWebhookConfiguration(url: \(url), signer: \(signer))" }

    /// Why this configuration cannot send anything, or nil.
    public var problem: String? {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            return "SMS webhook url must start with http:// or https://"
        }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return "SMS webhook url contains spaces, controls or non-ASCII"
        }
        guard connectTimeout > 0, timeout > 0 else { return "timeouts must be positive" }
        return nil
    }
}

/// SMS through an HTTP webhook signed with Standard Webhooks (https://www.standardwebhooks.com).
///
/// Transport is libcurl rather than URLSession: the same CURLcode classification as SMTP, exact connect and total
/// timeouts, and no dependence on FoundationNetworking's Linux-specific error mapping. Transfers run on one
/// thread through libcurl's multi interface (`CurlMultiEngine`), up to `maxConcurrentTransfers` at once over
/// kept-alive connections, paced by the dispatcher's rate for the channel.
public struct SMSWebhookChannel: BatchNotificationChannel {
    public var kind: ChannelKind { .sms }

    private let configuration: SMSWebhookConfiguration
    private let engine: CurlMultiEngine
    private let problem: String?

    public init(configuration: SMSWebhookConfiguration) {
        self.configuration = configuration
        problem = configuration.problem
        engine = CurlMultiEngine(maxConcurrent: configuration.maxConcurrentTransfers, name: "neuvo-sms")
    }

    public func send(_ message: OutgoingMessage) async -> DeliveryOutcome {
        await send([message], ratePerSecond: nil, concurrency: nil)[0]
    }

    public func send(_ messages: [OutgoingMessage], ratePerSecond: Double?, concurrency: Int?) async
        -> [DeliveryOutcome]
    {
        var outcomes: [DeliveryOutcome?] = Array(repeating: nil, count: messages.count)
        var transfers: [(options: [CurlOption], upload: [UInt8]?)] = []
        var positions: [Int] = []
        for (index, message) in messages.enumerated() {
            switch request(for: message) {
            case .success(let transfer):
                transfers.append(transfer)
                positions.append(index)
            case .failure(let refusal): outcomes[index] = refusal.outcome
            }
        }
        let responses = await engine.perform(transfers, ratePerSecond: ratePerSecond, concurrency: concurrency)
        let now = configuration.clock.now()
        for (index, response) in zip(positions, responses) { outcomes[index] = Self.classify(response, now: now) }
        return outcomes.map { $0! }
    }

    struct Refusal: Error {
        let outcome: DeliveryOutcome
    }

    /// The signed request for one message, or why it cannot be sent at all.
    func request(for message: OutgoingMessage) -> Result<(options: [CurlOption], upload: [UInt8]?), Refusal> {
        if let problem {
            return .failure(
                Refusal(outcome: .temporaryFailure(reason: "SMS channel misconfigured: \(problem)", retryAfter: nil)))
        }
        do {
            try AddressValidation.phone(message.recipient)
        } catch {
            return .failure(Refusal(outcome: .permanentFailure(reason: "invalid recipient: \(error)")))
        }
        // The id goes into a header: visible ASCII only (RFC 9110 §5.5 field values), bounded.
        let idBytes = Array(message.noticeID.utf8)
        guard (1...255).contains(idBytes.count), idBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(Refusal(outcome: .permanentFailure(reason: "notice id is not usable as webhook-id")))
        }
        guard EmailComposer.isLanguageTag(message.locale) else {
            return .failure(Refusal(outcome: .permanentFailure(reason: "locale is not a language tag")))
        }

        let body = Self.body(for: message)
        let timestamp = Int(configuration.clock.now().timeIntervalSince1970)
        let signature = configuration.signer.sign(id: message.noticeID, timestamp: timestamp, body: body)
        var options: [CurlOption] = [
            .string(CURLOPT_URL, configuration.url),
            .string(CURLOPT_PROTOCOLS_STR, "http,https"),
            // The body goes with the headers in one write (libcurl copies it, and can resend it on a fresh
            // connection when a kept-alive one turns out to be closed).
            .long(CURLOPT_POSTFIELDSIZE, body.count),
            .bytes(CURLOPT_COPYPOSTFIELDS, body),
            .list(
                CURLOPT_HTTPHEADER,
                [
                    "content-type: application/json",
                    "accept: application/json",
                    // The receiver deduplicates on webhook-id, so a retry of the same notice is delivered once.
                    "webhook-id: \(message.noticeID)",
                    "webhook-timestamp: \(timestamp)",
                    "webhook-signature: \(signature)",
                    // No "Expect: 100-continue" round trip for small bodies.
                    "Expect:",
                ]),
            .long(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000)),
            .long(CURLOPT_TIMEOUT_MS, Int(configuration.timeout * 1000)),
        ]
        if let path = configuration.caBundlePath { options.append(.string(CURLOPT_CAINFO, path)) }
        return .success((options, nil))
    }

    /// The JSON body, `{"encoding", "id", "locale", "segments", "text", "to"}`: field names are part of the contract
    /// with the receiver. Sorted keys, as `JSONEncoder` with `.sortedKeys` would write it, without its cost.
    static func body(for message: OutgoingMessage) -> [UInt8] {
        let count = SMSSegments.count(message.textBody)
        let text =
            "{\"encoding\":\(JSONString.quote(count.encoding.rawValue)),\"id\":\(JSONString.quote(message.noticeID)),"
            + "\"locale\":\(JSONString.quote(message.locale)),\"segments\":\(count.segments),"
            + "\"text\":\(JSONString.quote(message.textBody)),\"to\":\(JSONString.quote(message.recipient))}"
        return Array(text.utf8)
    }

    /// 2xx accepted; 408, 429 and 5xx are worth retrying (honouring Retry-After, RFC 9110 §10.2.3); any other
    /// status is a refusal of this message. No answer at all (refused, timed out, reset) is temporary.
    static func classify(_ response: CurlResponse, now: Date) -> DeliveryOutcome {
        guard response.succeeded else {
            return .temporaryFailure(
                reason: "SMS webhook failed: \(response.error) (curl \(response.result.rawValue))", retryAfter: nil)
        }
        let status = response.responseCode
        switch status {
        case 200..<300:
            return .accepted(providerMessageID: providerID(response.body))
        case 408, 429, 500..<600:
            return .temporaryFailure(
                reason: "SMS webhook answered \(status)\(excerpt(response.body))",
                retryAfter: response.header("retry-after").flatMap { retryAfter($0, now: now) })
        default:
            return .permanentFailure(reason: "SMS webhook answered \(status)\(excerpt(response.body))")
        }
    }

    /// `{"id": "..."}` (string or number) from a JSON answer, if any.
    static func providerID(_ body: [UInt8]) -> String? {
        guard !body.isEmpty, body.count <= 64 * 1024,
            case .object(let object)? = try? JSONDocument.parse(String(decoding: body, as: UTF8.self)).plain
        else { return nil }
        let text: String? =
            switch object["id"] {
            case .string(let string): string
            case .number?: object["id"]?.scalarText
            default: nil
            }
        guard let text, !text.isEmpty else { return nil }
        return String(text.prefix(200))
    }

    /// Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3); a date in the past means "now".
    static func retryAfter(_ value: String, now: Date) -> Double? {
        if let seconds = Int(value), seconds >= 0 { return Double(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// A short, single-line piece of the receiver's answer for operators.
    private static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
            .unicodeScalars.filter { AddressValidation.forbiddenName($0) == nil }
        return text.isEmpty ? "" : ": " + String(String.UnicodeScalarView(text)).trimmingCharacters(in: .whitespaces)
    }
}
