import Foundation
import NeuvoCrypto
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoNotifications

/// Real HTTP over real sockets against the Standard Webhooks receiver (Peers/webhook_receiver.py), which verifies
/// signatures with the reference `standardwebhooks` library.
@Suite(.enabled(if: Peers.webhooksAvailable, "needs python3 with standardwebhooks: \(Peers.pipLine)"))
struct SMSWebhookChannelTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    struct Receiver {
        let folder: TemporaryFolder
        let process: PeerProcess
        var logPath: String { folder.path("deliveries.jsonl") }

        static func start(_ options: [String] = []) async throws -> Receiver {
            let folder = try TemporaryFolder()
            let process = try await PeerProcess.start("webhook_receiver.py", folder: folder) { port in
                ["--port", String(port), "--secret", secret, "--log", folder.path("deliveries.jsonl")] + options
            }
            return Receiver(folder: folder, process: process)
        }

        func channel(
            transport: SMSWebhookConfiguration.Transport, secret: String = SMSWebhookChannelTests.secret,
            timeout: Double = 10, clock: any WallClock = SystemClock(), concurrency: Int = 2
        )
            throws -> SMSWebhookChannel
        {
            let channel = SMSWebhookChannel(
                configuration: SMSWebhookConfiguration(
                    url: "http://127.0.0.1:\(process.port)/sms", signer: try WebhookSigner(secret: secret),
                    connectTimeout: timeout, timeout: timeout, maxConcurrentTransfers: concurrency, clock: clock,
                    transport: transport))
            #expect(channel.transportName == (transport == .libcurl ? "libcurl" : "neuvo-http"))
            return channel
        }

        func deliveries() throws -> [[String: Any]] { try jsonLines(logPath) }
    }

    static func message(id: String = "notice-sms-1", to recipient: String = "+358401234567") -> OutgoingMessage {
        OutgoingMessage(
            noticeID: id, idempotencyKey: "key-\(id)", recipient: recipient,
            textBody: "Lapsellenne on varattu esiopetuspaikka. Vastaa: https://hel.fi/n/abc €5", locale: "fi")
    }

    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func signedDeliveryIsVerifiedAndRecorded(transport: SMSWebhookConfiguration.Transport) async throws {
        let receiver = try await Receiver.start()
        let message = Self.message()
        let outcome = try await receiver.channel(transport: transport).send(message)
        #expect(outcome == .accepted(providerMessageID: "prov-1"))
        #expect(try await eventually { try receiver.deliveries().count == 1 })
        let delivery = try #require(try receiver.deliveries().first)
        #expect(delivery["webhook_id"] as? String == "notice-sms-1")
        let payload = try #require(delivery["payload"] as? [String: Any])
        #expect(payload["id"] as? String == "notice-sms-1")
        #expect(payload["to"] as? String == "+358401234567")
        #expect(payload["text"] as? String == message.textBody)
        #expect(payload["locale"] as? String == "fi")
        #expect(payload["segments"] as? Int == 1)
        #expect(payload["encoding"] as? String == "gsm7")
    }

    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func duplicateWebhookIDIsDeliveredOnce(transport: SMSWebhookConfiguration.Transport) async throws {
        let receiver = try await Receiver.start()
        let channel = try receiver.channel(transport: transport)
        let first = await channel.send(Self.message(id: "notice-dup"))
        let retry = await channel.send(Self.message(id: "notice-dup"))
        #expect(first == .accepted(providerMessageID: "prov-1"))
        #expect(retry == first)  // the receiver answers the retry with the original provider id
        #expect(await channel.send(Self.message(id: "notice-other")) == .accepted(providerMessageID: "prov-2"))
        #expect(try await eventually { try receiver.deliveries().count == 2 })
        #expect(try receiver.deliveries().compactMap { $0["webhook_id"] as? String } == ["notice-dup", "notice-other"])
    }

    /// A batch goes out on one thread (either transport): never more transfers at once than the
    /// dispatcher asks for, over connections that are reused, each message once, the outcomes in message order.
    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func aBatchRunsConcurrentlyWithinTheLimitOverReusedConnections(transport: SMSWebhookConfiguration.Transport)
        async throws
    {
        let receiver = try await Receiver.start(["--delay", "0.05"])
        let channel = try receiver.channel(transport: transport, concurrency: 8)
        let messages = (1...40).map { Self.message(id: "batch-\($0)") }
        let outcomes = await channel.send(messages, ratePerSecond: nil, concurrency: 4)
        #expect(outcomes.count == 40)
        #expect(outcomes.allSatisfy { if case .accepted = $0 { true } else { false } })
        let deliveries = try receiver.deliveries()
        #expect(Set(deliveries.compactMap { $0["webhook_id"] as? String }) == Set(messages.map(\.noticeID)))
        #expect(deliveries.count == 40)
        let inFlight = deliveries.compactMap { $0["in_flight"] as? Int }
        #expect(inFlight.max() == 4, "at most 4 at once, and 4 reached: \(inFlight)")
        let ports = Set(deliveries.compactMap { $0["client_port"] as? Int })
        #expect(ports.count <= 4, "connections are reused: \(ports.count) for 40 requests")
        // The provider ids come back to the message that was sent with them.
        for (message, outcome) in zip(messages, outcomes) {
            let delivery = deliveries.first { $0["webhook_id"] as? String == message.noticeID }
            #expect(outcome == .accepted(providerMessageID: delivery?["provider_id"] as? String))
        }
    }

    /// The dispatcher's rate holds inside a batch: 30 messages at 20 a second, after a burst of a tenth of the
    /// rate (2), cannot arrive in less than (30 - 2) / 20 = 1.4 s.
    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func aBatchKeepsToTheRate(transport: SMSWebhookConfiguration.Transport) async throws {
        let receiver = try await Receiver.start()
        let channel = try receiver.channel(transport: transport, concurrency: 4)
        let messages = (1...30).map { Self.message(id: "paced-\($0)") }
        let outcomes = await channel.send(messages, ratePerSecond: 20, concurrency: nil)
        #expect(outcomes.allSatisfy { if case .accepted = $0 { true } else { false } })
        let arrivals = try receiver.deliveries().compactMap { $0["arrived"] as? Double }.sorted()
        #expect(arrivals.count == 30)
        #expect(arrivals.last! - arrivals.first! >= 1.25, "\(arrivals.last! - arrivals.first!) s")
    }

    /// Each answer is reported as it comes, not when the batch is done (the dispatcher records accepted sends
    /// from these reports, which keeps the duplicate window after a crash small): at 10 a second after a burst of
    /// one, the first of 12 answers is in at least 0.9 s before the last request can even start.
    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func eachAnswerIsReportedAsItComes(transport: SMSWebhookConfiguration.Transport) async throws {
        let receiver = try await Receiver.start()
        let channel = try receiver.channel(transport: transport, concurrency: 1)
        let messages = (1...12).map { Self.message(id: "progress-\($0)") }
        let reports = Recorder<(index: Int, at: ContinuousClock.Instant)>()
        let outcomes = await channel.send(messages, ratePerSecond: 10, concurrency: nil) { index, outcome in
            if case .accepted = outcome { reports.append((index, ContinuousClock.now)) }
        }
        let done = ContinuousClock.now
        #expect(outcomes.allSatisfy { if case .accepted = $0 { true } else { false } })
        let seen = reports.all
        #expect(Set(seen.map(\.index)) == Set(0..<12))
        let first = try #require(seen.map(\.at).min())
        #expect(done - first >= .milliseconds(900), "the first answer was reported \(done - first) before the end")
    }

    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func serverErrorIsTemporaryAndTheRetrySucceeds(transport: SMSWebhookConfiguration.Transport) async throws {
        // Fraction 1/2: the first request fails with 500, the second goes through.
        let receiver = try await Receiver.start(["--fail-500", "1/2"])
        let channel = try receiver.channel(transport: transport)
        guard case .temporaryFailure(let reason, nil) = await channel.send(Self.message()) else {
            Issue.record("500 was not temporary")
            return
        }
        #expect(reason.contains("500"))
        #expect(await channel.send(Self.message()) == .accepted(providerMessageID: "prov-1"))
        #expect(try await eventually { try receiver.deliveries().count == 1 })
    }

    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func tooManyRequestsCarriesRetryAfter(transport: SMSWebhookConfiguration.Transport) async throws {
        let receiver = try await Receiver.start(["--fail-429", "1", "--retry-after", "7"])
        let outcome = try await receiver.channel(transport: transport).send(Self.message())
        guard case .temporaryFailure(let reason, let retryAfter) = outcome else {
            Issue.record("429 gave \(outcome)")
            return
        }
        #expect(reason.contains("429"))
        #expect(retryAfter == 7)
        #expect(try receiver.deliveries().isEmpty)
    }

    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func badRequestIsPermanent(transport: SMSWebhookConfiguration.Transport) async throws {
        let receiver = try await Receiver.start(["--fail-400", "1"])
        guard case .permanentFailure(let reason) = try await receiver.channel(transport: transport).send(Self.message())
        else {
            Issue.record("400 was not permanent")
            return
        }
        #expect(reason.contains("400"))
    }

    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func wrongSecretAndStaleTimestampAreRefusedByTheReceiver(transport: SMSWebhookConfiguration.Transport) async throws
    {
        let receiver = try await Receiver.start()
        let forged = try await receiver.channel(transport: transport, secret: WebhookSigner.generateSecret()).send(
            Self.message())
        guard case .permanentFailure(let reason) = forged else {
            Issue.record("forged signature gave \(forged)")
            return
        }
        #expect(reason.contains("401") && reason.contains("signature"), "\(reason)")
        let stale = ManualClock(Date().addingTimeInterval(-600))
        guard
            case .permanentFailure(let staleReason) = try await receiver.channel(transport: transport, clock: stale)
                .send(Self.message())
        else {
            Issue.record("stale timestamp was not refused")
            return
        }
        #expect(staleReason.contains("too old"), "\(staleReason)")
        #expect(try receiver.deliveries().isEmpty)
    }

    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func slowReceiverTimesOutAsTemporary(transport: SMSWebhookConfiguration.Transport) async throws {
        let receiver = try await Receiver.start(["--fail-timeout", "1", "--timeout-seconds", "30"])
        let started = Date()
        let outcome = try await receiver.channel(transport: transport, timeout: 1).send(Self.message())
        guard case .temporaryFailure(let reason, _) = outcome else {
            Issue.record("timeout gave \(outcome)")
            return
        }
        #expect(reason.lowercased().contains("timed out") || reason.lowercased().contains("timeout"), "\(reason)")
        // Bounded by the timeout rather than hanging; loose, because CI machines are loaded.
        #expect(Date().timeIntervalSince(started) < 60)
    }

    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func refusedConnectionIsTemporary(transport: SMSWebhookConfiguration.Transport) async throws {
        let channel = SMSWebhookChannel(
            configuration: SMSWebhookConfiguration(
                url: "http://127.0.0.1:\(try Network.freePort())/sms", signer: try WebhookSigner(secret: Self.secret),
                transport: transport))
        guard case .temporaryFailure = await channel.send(Self.message()) else {
            Issue.record("refused connection was not temporary")
            return
        }
    }

    @Test(arguments: SMSWebhookConfiguration.Transport.allCases)
    func invalidNumbersAreRefusedBeforeSending(transport: SMSWebhookConfiguration.Transport) async throws {
        let receiver = try await Receiver.start()
        let channel = try receiver.channel(transport: transport)
        for number in ["0401234567", "+358401234567\r\nX-Evil: 1", "+358 40 123 4567"] {
            guard case .permanentFailure = await channel.send(Self.message(to: number)) else {
                Issue.record("accepted an invalid number")
                continue
            }
        }
        guard case .permanentFailure = await channel.send(Self.message(id: "bad\r\nid")) else {
            Issue.record("accepted an unsafe webhook-id")
            return
        }
        #expect(!FileManager.default.fileExists(atPath: receiver.logPath))
    }

    @Test func httpGoesThroughNeuvosClientAndHTTPSThroughLibcurl() throws {
        let signer = try WebhookSigner(secret: Self.secret)
        func name(_ url: String, _ transport: SMSWebhookConfiguration.Transport = .automatic) -> String {
            SMSWebhookChannel(configuration: SMSWebhookConfiguration(url: url, signer: signer, transport: transport))
                .transportName
        }
        #expect(name("http://127.0.0.1:9/sms") == "neuvo-http")
        #expect(name("https://sms.example/hook") == "libcurl")
        #expect(name("http://[::1]:9/sms") == "libcurl")
        #expect(name("http://127.0.0.1:9/sms", .libcurl) == "libcurl")
    }

    @Test func bodyIsTheDocumentedJSON() throws {
        var message = Self.message()
        message.textBody = "Hei 😀"
        let body = SMSWebhookChannel.body(for: message)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(Set(object.keys) == ["id", "to", "text", "locale", "segments", "encoding"])
        #expect(object["encoding"] as? String == "ucs2")
    }

    @Test func retryAfterAcceptsSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_722_502_800)
        #expect(SMSWebhookChannel.retryAfter("120", now: now) == 120)
        #expect(SMSWebhookChannel.retryAfter("Thu, 01 Aug 2024 09:01:30 GMT", now: now) == 90)
        #expect(SMSWebhookChannel.retryAfter("soon", now: now) == nil)
        #expect(SMSWebhookChannel.providerID(Array(#"{"id": 42}"#.utf8)) == "42")
        #expect(SMSWebhookChannel.providerID(Array("not json".utf8)) == nil)
    }
}
