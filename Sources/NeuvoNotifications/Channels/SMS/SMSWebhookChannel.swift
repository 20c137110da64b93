import CCurl
import Foundation
import NeuvoCrypto
import NeuvoHTTP
import NeuvoSupport
import Synchronization

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
    public var transport: Transport

    /// Which HTTP client carries the webhooks.
    public enum Transport: String, Sendable, CaseIterable {
        /// `http://` through Neuvo's own HTTP/1.1 client (`NeuvoHTTP.HTTPClient`), `https://` through libcurl.
        case automatic
        /// Everything through libcurl.
        case libcurl
    }

    public init(
        url: String, signer: WebhookSigner, connectTimeout: Double = 5, timeout: Double = 15,
        maxConcurrentTransfers: Int = 2, caBundlePath: String? = nil, clock: any WallClock = SystemClock(),
        transport: Transport = .automatic
    ) {
        self.transport = transport
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
/// Two transports, one behaviour (the channel's tests run over both): an `http://` provider (a gateway on the
/// city's network, a TLS-terminating proxy beside Neuvo) is reached through Neuvo's own HTTP/1.1 client, one
/// thread and `epoll` over kept-alive connections; `https://` goes through libcurl's multi interface
/// (`CurlMultiEngine`), which brings TLS. libcurl rather than URLSession: exact connect and total timeouts and no
/// dependence on FoundationNetworking's Linux-specific error mapping. Either way up to `maxConcurrentTransfers`
/// requests run at once, paced by the dispatcher's rate for the channel. The own client exists for speed: per
/// request, libcurl's handle reset and setup and its `poll` over every connection cost more than the exchange.
public struct SMSWebhookChannel: BatchNotificationChannel {
    public var kind: ChannelKind { .sms }

    private let configuration: SMSWebhookConfiguration
    private let transport: TransportClient
    private let problem: String?

    private enum TransportClient {
        case builtIn(HTTPClient, target: String)
        case libcurl(CurlMultiEngine)
    }

    public init(configuration: SMSWebhookConfiguration) {
        self.configuration = configuration
        problem = configuration.problem
        if configuration.transport == .automatic, let (origin, target) = HTTPOrigin.parse(configuration.url) {
            transport = .builtIn(
                HTTPClient(
                    origin: origin, maxConnections: configuration.maxConcurrentTransfers,
                    connectTimeout: .milliseconds(Int(configuration.connectTimeout * 1000)), name: "neuvo-sms"),
                target: target)
        } else {
            transport = .libcurl(
                CurlMultiEngine(maxConcurrent: configuration.maxConcurrentTransfers, name: "neuvo-sms"))
        }
    }

    /// Which client this channel uses (`neuvo-http` or `libcurl`), for tests and diagnostics.
    public var transportName: String {
        switch transport {
        case .builtIn: "neuvo-http"
        case .libcurl: "libcurl"
        }
    }

    public func send(_ message: OutgoingMessage) async -> DeliveryOutcome {
        await send([message], ratePerSecond: nil, concurrency: nil)[0]
    }

    public func send(_ messages: [OutgoingMessage], ratePerSecond: Double?, concurrency: Int?) async
        -> [DeliveryOutcome]
    {
        await send(messages, ratePerSecond: ratePerSecond, concurrency: concurrency, progress: { _, _ in })
    }

    public func send(
        _ messages: [OutgoingMessage], ratePerSecond: Double?, concurrency: Int?,
        progress: @escaping @Sendable (Int, DeliveryOutcome) -> Void
    ) async -> [DeliveryOutcome] {
        var outcomes: [DeliveryOutcome?] = Array(repeating: nil, count: messages.count)
        var requests: [SignedRequest] = []
        var positions: [Int] = []
        for (index, message) in messages.enumerated() {
            switch request(for: message) {
            case .success(let request):
                requests.append(request)
                positions.append(index)
            case .failure(let refusal):
                outcomes[index] = refusal.outcome
                progress(index, refusal.outcome)
            }
        }
        // Each answer is classified once, as it comes: the progress callback and the returned list share it.
        let clock = configuration.clock
        let sentPositions = positions
        let collected = Mutex(outcomes)
        await perform(requests, ratePerSecond: ratePerSecond, concurrency: concurrency) { request, answer in
            let outcome = Self.classify(answer, now: clock.now())
            collected.withLock { $0[sentPositions[request]] = outcome }
            progress(sentPositions[request], outcome)
        }
        return collected.withLock { $0 }.map { $0! }
    }

    /// A webhook request, signed, before it is given to a transport.
    struct SignedRequest {
        let headers: [(String, String)]
        let body: [UInt8]
    }

    /// What came back, whichever client carried the request.
    enum Answer {
        case response(status: Int, retryAfter: String?, body: [UInt8])
        /// No answer: refused, timed out, reset, unreadable.
        case failure(String)
    }

    /// `each` hears of every answer as it comes, whichever client carries the requests; returns once all came.
    private func perform(
        _ requests: [SignedRequest], ratePerSecond: Double?, concurrency: Int?,
        each: @escaping @Sendable (Int, Answer) -> Void
    ) async {
        switch transport {
        case .builtIn(let client, let target):
            var prepared: [HTTPClientRequest] = []
            var refused: [Int: Answer] = [:]
            for (index, request) in requests.enumerated() {
                do throws(HTTPClientError) {
                    prepared.append(
                        try HTTPClientRequest(
                            target: target, origin: client.origin, headers: request.headers, body: request.body))
                } catch {
                    refused[index] = .failure(error.message)
                }
            }
            for (index, answer) in refused { each(index, answer) }
            // Prepared requests are the unrefused ones, in order: map each back to its request's index.
            let preparedIndex = requests.indices.filter { refused[$0] == nil }
            _ = await client.perform(
                prepared, timeout: .milliseconds(Int(configuration.timeout * 1000)), ratePerSecond: ratePerSecond,
                concurrency: concurrency,
                each: { index, result in
                    switch result {
                    case .success(let response):
                        each(
                            preparedIndex[index],
                            .response(
                                status: response.status, retryAfter: response.headers["retry-after"],
                                body: response.body))
                    case .failure(let error): each(preparedIndex[index], .failure(error.message))
                    }
                })
        case .libcurl(let engine):
            var options: [CurlOption] = [
                .string(CURLOPT_URL, configuration.url),
                .string(CURLOPT_PROTOCOLS_STR, "http,https"),
                .long(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000)),
                .long(CURLOPT_TIMEOUT_MS, Int(configuration.timeout * 1000)),
            ]
            if let path = configuration.caBundlePath { options.append(.string(CURLOPT_CAINFO, path)) }
            let transfers = requests.map { request -> (options: [CurlOption], upload: [UInt8]?) in
                let perRequest: [CurlOption] = [
                    // The body goes with the headers in one write (libcurl copies it, and can resend it on a fresh
                    // connection when a kept-alive one turns out to be closed).
                    .long(CURLOPT_POSTFIELDSIZE, request.body.count),
                    .bytes(CURLOPT_COPYPOSTFIELDS, request.body),
                    // No "Expect: 100-continue" round trip for small bodies.
                    .list(CURLOPT_HTTPHEADER, request.headers.map { "\($0.0): \($0.1)" } + ["Expect:"]),
                ]
                return (options + perRequest, nil)
            }
            _ = await engine.perform(
                transfers, ratePerSecond: ratePerSecond, concurrency: concurrency,
                each: { index, response in each(index, Self.answer(response)) })
        }
    }

    /// libcurl's response as an answer: a transfer that did not complete is no answer at all.
    static func answer(_ response: CurlResponse) -> Answer {
        guard response.succeeded else { return .failure("\(response.error) (curl \(response.result.rawValue))") }
        return .response(status: response.responseCode, retryAfter: response.header("retry-after"), body: response.body)
    }

    struct Refusal: Error {
        let outcome: DeliveryOutcome
    }

    /// The signed request for one message, or why it cannot be sent at all.
    func request(for message: OutgoingMessage) -> Result<SignedRequest, Refusal> {
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
        return .success(
            SignedRequest(
                headers: [
                    ("content-type", "application/json"),
                    ("accept", "application/json"),
                    // The receiver deduplicates on webhook-id, so a retry of the same notice is delivered once.
                    ("webhook-id", message.noticeID),
                    ("webhook-timestamp", String(timestamp)),
                    ("webhook-signature", signature),
                ], body: body))
    }

    /// The JSON body, `{"encoding", "id", "locale", "segments", "text", "to"}`: field names are part of the contract
    /// with the receiver. Sorted keys, as `JSONEncoder` with `.sortedKeys` would write it, without its cost.
    static func body(for message: OutgoingMessage) -> [UInt8] {
        let count = message.smsSegments ?? SMSSegments.count(message.textBody)
        var out: [UInt8] = []
        out.reserveCapacity(message.textBody.utf8.count + message.noticeID.utf8.count + 96)
        out.append(contentsOf: #"{"encoding":"#.utf8)
        JSONString.appendQuoted(count.encoding.rawValue, to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        JSONString.appendQuoted(message.noticeID, to: &out)
        out.append(contentsOf: #","locale":"#.utf8)
        JSONString.appendQuoted(message.locale, to: &out)
        out.append(contentsOf: #","segments":"#.utf8)
        out.append(contentsOf: String(count.segments).utf8)
        out.append(contentsOf: #","text":"#.utf8)
        JSONString.appendQuoted(message.textBody, to: &out)
        out.append(contentsOf: #","to":"#.utf8)
        JSONString.appendQuoted(message.recipient, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// 2xx accepted; 408, 429 and 5xx are worth retrying (honouring Retry-After, RFC 9110 §10.2.3); any other
    /// status is a refusal of this message. No answer at all (refused, timed out, reset) is temporary.
    static func classify(_ answer: Answer, now: Date) -> DeliveryOutcome {
        switch answer {
        case .failure(let reason):
            return .temporaryFailure(reason: "SMS webhook failed: \(reason)", retryAfter: nil)
        case .response(let status, let retryAfterValue, let body):
            switch status {
            case 200..<300:
                return .accepted(providerMessageID: providerID(body))
            case 408, 429, 500..<600:
                return .temporaryFailure(
                    reason: "SMS webhook answered \(status)\(excerpt(body))",
                    retryAfter: retryAfterValue.flatMap { retryAfter($0, now: now) })
            default:
                return .permanentFailure(reason: "SMS webhook answered \(status)\(excerpt(body))")
            }
        }
    }

    /// `{"id": "..."}` (string or number) from a JSON answer, if any.
    static func providerID(_ body: [UInt8]) -> String? {
        guard !body.isEmpty, body.count <= 64 * 1024 else { return nil }
        // The usual answer is a flat object of strings: read it without building a document.
        if let flat = JSONString.flatObject(String(decoding: body, as: UTF8.self)) {
            guard let id = flat["id"], !id.isEmpty else { return nil }
            return String(id.prefix(200))
        }
        guard
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
