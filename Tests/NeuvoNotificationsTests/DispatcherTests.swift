import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoCrypto
import NeuvoSupport
import NeuvoTestSupport
import Synchronization
import Testing

@testable import NeuvoNotifications
@testable import NeuvoStorage

/// The whole gateway against real peers: aiosmtpd (with STARTTLS) and a receiver verifying signatures with the
/// standardwebhooks library. Time comes from a manual clock, so backoff is tested without sleeping.
@Suite(
    "Dispatcher with real SMTP and webhook peers",
    .enabled(if: Peers.smtpAvailable && Peers.webhooksAvailable, "needs: \(Peers.pipLine)"))
struct DispatcherTests {
    static let secret = "whsec_" + Data(repeating: 42, count: 32).base64EncodedString()
    /// A participatory-budgeting vote's details (its notice may be unsubscribed from: two links).
    static let vote = ["district": "Kallio", "closes": "2027-01-31"]

    struct Setup {
        let folder: TemporaryFolder
        let clock: ManualClock
        let service: GatewayService
        let smtp: PeerProcess
        let webhook: PeerProcess
        let smtpDirectory: String
        let webhookLog: String
        let channels: [ChannelKind: any NotificationChannel]

        func dispatcher(settings: DispatcherSettings = DispatcherSettings()) -> Dispatcher {
            Dispatcher(
                store: service.notices, channels: channels, renderer: service.renderer, links: service.links,
                settings: settings, clock: clock
            )
        }

        func emails() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: smtpDirectory).filter {
                $0.hasSuffix(".json") && $0 != "events.jsonl"
            }
        }

        func webhookIDs() throws -> [String] { try jsonLines(webhookLog).compactMap { $0["webhook_id"] as? String } }
    }

    /// A self-signed certificate for 127.0.0.1, so the sink can require STARTTLS and libcurl can verify it.
    static func certificate(in folder: TemporaryFolder) throws -> (cert: String, key: String) {
        let cert = folder.path("cert.pem")
        let key = folder.path("key.pem")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try ProcessLaunch.run(process)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PeerError(description: "openssl could not make a certificate")
        }
        return (cert, key)
    }

    static func setup(webhookArguments: [String] = []) async throws -> Setup {
        let folder = try TemporaryFolder()
        let (cert, key) = try certificate(in: folder)
        let smtpDirectory = folder.path("mail")
        let webhookLog = folder.path("webhooks.jsonl")
        let smtp = try await PeerProcess.start("smtp_sink.py", folder: folder) {
            ["--port", "\($0)", "--dir", smtpDirectory, "--tls-cert", cert, "--tls-key", key]
        }
        let webhook = try await PeerProcess.start("webhook_receiver.py", folder: folder) {
            ["--port", "\($0)", "--secret", secret, "--log", webhookLog] + webhookArguments
        }
        // Quiet hours use the real zone; the clock starts at noon in Helsinki.
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_600_800))
        let service = try await makeService(clock: clock)
        let channels: [ChannelKind: any NotificationChannel] = [
            .email: SMTPChannel(
                configuration: SMTPConfiguration(
                    url: "smtp://127.0.0.1:\(smtp.port)", fromAddress: "neuvo@hel.example",
                    fromName: "Helsingin kaupunki",
                    startTLS: .required, caBundlePath: cert, timeout: 10)),
            .sms: SMSWebhookChannel(
                configuration: SMSWebhookConfiguration(
                    url: "http://127.0.0.1:\(webhook.port)/sms", signer: try WebhookSigner(secret: secret), timeout: 2)),
        ]
        return Setup(
            folder: folder, clock: clock, service: service, smtp: smtp, webhook: webhook, smtpDirectory: smtpDirectory,
            webhookLog: webhookLog, channels: channels)
    }

    @Test func deliversByEmailOverSTARTTLSAndBySignedSMS() async throws {
        let setup = try await Self.setup()
        let email = try await setup.service.intake.arrange(
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: preschool))
        let sms = try await setup.service.intake.arrange(
            ArrangementRequest(resident: "R2", kind: "preschool_place", details: preschool))
        let summary = try await setup.dispatcher().runUntilIdle()
        #expect(summary.sent == 2)
        #expect(try setup.emails().count == 1)
        let stored = try String(contentsOfFile: setup.smtpDirectory + "/" + setup.emails()[0], encoding: .utf8)
        #expect(stored.contains("Kallion ala-aste"))
        #expect(stored.contains("\(try #require(email.noticeID))@"))
        #expect(try setup.webhookIDs() == [try #require(sms.noticeID)])
        let noticeID = try #require(sms.noticeID)
        let notice = try #require(try await setup.service.notices.notice(noticeID))
        #expect(notice.status == .sent)
        #expect(notice.attempts == 1)
        #expect(try await setup.service.notices.history(of: notice.id).attempts.first?.outcome == "accepted")
    }

    /// A batch channel that reports the first `reported` messages accepted at once, then holds the batch until the
    /// test opens the gate.
    final class HoldingChannel: BatchNotificationChannel {
        let kind = ChannelKind.sms
        let reported: Int
        private let gate = Mutex<(open: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

        init(reported: Int) { self.reported = reported }

        func open() {
            let waiter = gate.withLock { gate in
                gate.open = true
                defer { gate.waiter = nil }
                return gate.waiter
            }
            waiter?.resume()
        }

        func send(_ message: OutgoingMessage) async -> DeliveryOutcome { .accepted(providerMessageID: nil) }

        func send(_ messages: [OutgoingMessage], ratePerSecond: Double?, concurrency: Int?) async -> [DeliveryOutcome] {
            await send(messages, ratePerSecond: ratePerSecond, concurrency: concurrency) { _, _ in }
        }

        func send(
            _ messages: [OutgoingMessage], ratePerSecond: Double?, concurrency: Int?,
            progress: @escaping @Sendable (Int, DeliveryOutcome) -> Void
        ) async -> [DeliveryOutcome] {
            for index in 0..<min(reported, messages.count) { progress(index, .accepted(providerMessageID: nil)) }
            await withCheckedContinuation { continuation in
                let isOpen = gate.withLock { gate in
                    if !gate.open { gate.waiter = continuation }
                    return gate.open
                }
                if isOpen { continuation.resume() }
            }
            for index in min(reported, messages.count)..<messages.count {
                progress(index, .accepted(providerMessageID: nil))
            }
            return messages.map { _ in .accepted(providerMessageID: nil) }
        }
    }

    /// A crash redelivered about 1,000 notices per kill: a batch's results were written only when the whole batch
    /// was done. Now the provider's accepted sends are journaled while the batch is still sending, and recorded
    /// once, with the batch.
    @Test func acceptedSendsAreJournaledBeforeTheBatchIsDone() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_600_800))
        let service = try await makeService(clock: clock)
        for index in 0..<200 {
            _ = try await service.intake.arrange(
                ArrangementRequest(
                    resident: "R2", kind: "budgeting_vote", details: ["district": "Kallio", "closes": "2027-01-31"],
                    idempotencyKey: "held-\(index)"))
        }
        let channel = HoldingChannel(reported: 150)
        var settings = DispatcherSettings()
        settings.batchSize = 500
        let dispatcher = Dispatcher(
            store: service.notices, channels: [.sms: channel], renderer: service.renderer, links: service.links,
            settings: settings, clock: clock)
        let running = Task { try await dispatcher.runUntilIdle() }
        // While the batch is held, the 150 accepted sends are journaled (in writes of 64 or more); the notices stay
        // `sending` until their batch is recorded.
        try await waitUntil("the accepted sends are journaled while the batch is held") {
            try await Self.journaled(service) >= 128
        }
        #expect(try await Self.journaled(service) <= 150)
        #expect(try await service.notices.countsByStatus() == [.sending: 200])
        channel.open()
        let summary = try await running.value
        #expect(summary.sent == 200)
        #expect(try await service.notices.countsByStatus() == [.sent: 200])
        #expect(try await service.notices.attemptCounts().map(\.count).reduce(0, +) == 200)  // one attempt each
        #expect(try await Self.journaled(service) == 0)  // cleared with the batch's record
    }

    static func journaled(_ service: GatewayService) async throws -> Int {
        try await service.notices.database.read {
            try $0.scalar("SELECT count(*) FROM notice_results", as: Int.self) ?? 0
        }
    }

    /// Small batches, so that most are recorded in the transaction that claims the next (`recordAndClaim`), by
    /// rowid: every notice ends with one attempt and a complete trail, successes and failures alike.
    @Test func manySmallBatchesAreRecordedWhileTheNextAreClaimed() async throws {
        let setup = try await Self.setup(webhookArguments: ["--fail-500", "1/3"])
        let ids = try await arrangeNotices(
            setup.service, keys: (0..<13).map { "batch-\($0)" }, resident: "R2", kind: "budgeting_vote",
            details: Self.vote)
        var settings = DispatcherSettings()
        settings.batchSize = 2
        settings.batchesInFlight = 2
        let summary = try await setup.dispatcher(settings: settings).runUntilIdle()
        #expect(summary.attempted == 13)
        #expect(summary.sent + summary.temporaryFailures == 13)
        #expect(summary.temporaryFailures >= 4)
        for id in ids {
            let notice = try #require(try await setup.service.notices.notice(id))
            let history = try await setup.service.notices.history(of: id)
            #expect(notice.attempts == 1)
            #expect(history.attempts.count == 1)
            #expect(notice.status == .sent || notice.status == .temporaryFailure)
            #expect(history.transitions.map(\.to) == ["queued", "sending", notice.status.rawValue])
            #expect(history.attempts.first?.outcome == (notice.status == .sent ? "accepted" : "temporary_failure"))
        }
        #expect(Set(try setup.webhookIDs()).isSubset(of: Set(ids)))
        // Every status write ran a statement compiled once: a bound status compared beside the partial indexes had
        // SQLite compile the batch's UPDATE again at every use.
        #expect(try await setup.service.notices.database.write { $0.statementRepreparations } == 0)
    }

    @Test func failingProviderBacksOffAndDeliversLaterExactlyOnce() async throws {
        // Every other request fails with 500: the first attempt of each notice fails, the retry succeeds.
        let setup = try await Self.setup(webhookArguments: ["--fail-500", "1/2"])
        var ids: [String] = []
        for index in 0..<4 {
            let outcome = try await setup.service.intake.arrange(
                ArrangementRequest(
                    resident: "R2", kind: "budgeting_vote", details: ["district": "Kallio", "closes": "2027-01-31"],
                    idempotencyKey: "vote-\(index)"))
            ids.append(try #require(outcome.noticeID))
        }
        var settings = DispatcherSettings()
        settings.concurrency[.sms] = 1  // deterministic order against the receiver's every-other failure
        let dispatcher = setup.dispatcher(settings: settings)
        let first = try await dispatcher.runUntilIdle()
        #expect(first.temporaryFailures == 2 && first.sent == 2)
        // Nothing is due until the backoff has passed.
        #expect(try await dispatcher.runUntilIdle().attempted == 0)
        // The receiver keeps failing every other request, so retries take a few rounds; each round waits out the backoff.
        var sent = first.sent
        for _ in 0..<6 where sent < ids.count {
            setup.clock.advance(by: 3600)
            sent += try await dispatcher.runUntilIdle().sent
        }
        #expect(sent == 4)
        #expect(Set(try setup.webhookIDs()) == Set(ids))
        #expect(try setup.webhookIDs().count == 4)
        for id in ids {
            let history = try await setup.service.notices.history(of: id)
            #expect(history.transitions.last?.to == "sent")
        }
    }

    @Test func aPermanentRefusalFailsAtOnceAndDeadNoticesKeepTheirReason() async throws {
        let setup = try await Self.setup(webhookArguments: ["--fail-400", "1"])
        let outcome = try await setup.service.intake.arrange(
            ArrangementRequest(resident: "R2", kind: "preschool_place", details: preschool))
        let summary = try await setup.dispatcher().runUntilIdle()
        #expect(summary.permanentFailures == 1)
        let noticeID = try #require(outcome.noticeID)
        let notice = try #require(try await setup.service.notices.notice(noticeID))
        #expect(notice.status == .permanentFailure)
        #expect(notice.lastError?.contains("400") == true)
    }

    @Test func anOperatorsRetryOfARefusedNoticeSendsItOnceMoreUnderTheSameID() async throws {
        // The provider refuses the first request (400: a permanent failure) and accepts the next: the fix.
        let setup = try await Self.setup(webhookArguments: ["--fail-400", "1/2"])
        let outcome = try await setup.service.intake.arrange(
            ArrangementRequest(resident: "R2", kind: "preschool_place", details: preschool))
        let noticeID = try #require(outcome.noticeID)
        #expect(try await setup.dispatcher().runUntilIdle().permanentFailures == 1)
        // Nothing automatic sends a final failure again.
        #expect(try await setup.dispatcher().runUntilIdle().attempted == 0)
        let before = try #require(try await setup.service.notices.notice(noticeID))

        #expect(
            try await setup.service.notices.retry(noticeID, reason: "retried by operator", now: setup.clock.now())
                == .permanentFailure)
        await #expect(throws: NoticeError.notAllowed(id: noticeID, from: .queued, to: .queued)) {
            try await setup.service.notices.retry(noticeID, reason: "again", now: setup.clock.now())
        }
        #expect(try await setup.dispatcher().runUntilIdle().sent == 1)
        #expect(try setup.webhookIDs() == [noticeID])
        let after = try #require(try await setup.service.notices.notice(noticeID))
        #expect(after.status == .sent)
        #expect(after.idempotencyKey == before.idempotencyKey)
        #expect(after.attempts == 2)
        let moves = try await setup.service.notices.history(of: noticeID).transitions.map {
            "\($0.from ?? "-")>\($0.to)"
        }
        #expect(
            moves == [
                "->queued", "queued>sending", "sending>permanent_failure", "permanent_failure>queued", "queued>sending",
                "sending>sent",
            ])
    }

    @Test func aNoticeLeftSendingByACrashIsResentAndDeduplicatedByTheReceiver() async throws {
        let setup = try await Self.setup()
        let outcome = try await setup.service.intake.arrange(
            ArrangementRequest(resident: "R2", kind: "preschool_place", details: preschool))
        let id = try #require(outcome.noticeID)
        // A dispatcher claims the notice, sends it, and dies before recording the outcome.
        let claimed = try await setup.service.notices.claim(
            channel: .sms, limit: 10, now: setup.clock.now(), lease: 60
        ).notices
        #expect(claimed.map(\.id) == [id])
        let message = OutgoingMessage(
            noticeID: id, idempotencyKey: claimed[0].idempotencyKey, recipient: "+358401234567", textBody: "x",
            locale: "sv")
        guard case .accepted = await setup.channels[.sms]!.send(message) else {
            Issue.record("the first send should have been accepted: \(await setup.channels[.sms]!.send(message))")
            return
        }
        // The restarted dispatcher takes over once the lease has run out and sends it again.
        #expect(try await setup.dispatcher().runUntilIdle().attempted == 0)
        setup.clock.advance(by: 61)
        #expect(try await setup.dispatcher().runUntilIdle().sent == 1)
        let history = try await setup.service.notices.history(of: id)
        #expect(history.transitions.map(\.to).contains("temporary_failure"))
        #expect(history.transitions.last?.to == "sent")
        // Both sends are in the trail: the interrupted one, whose outcome was never recorded, and the resend.
        #expect(history.attempts.map(\.outcome) == ["interrupted", "accepted"])
        #expect(history.attempts.map(\.attempt) == [1, 2])
        #expect(try await setup.service.notices.notice(id)?.attempts == 2)
        // At least once to the provider; once from the receiver's point of view.
        #expect(try setup.webhookIDs() == [id])
    }

    /// A killed dispatcher's journaled answers are recorded by the next claim, not sent again: only the notices
    /// whose answer was never written down go out a second time.
    @Test func answersJournaledBeforeACrashAreRecordedNotResent() async throws {
        let setup = try await Self.setup()
        let ids = try await arrangeNotices(
            setup.service, keys: (0..<5).map { "journal-\($0)" }, resident: "R2", kind: "budgeting_vote",
            details: Self.vote)
        let started = setup.clock.now()
        let claim = try await setup.service.notices.claim(channel: .sms, limit: 10, now: started, lease: 60)
        #expect(Set(claim.notices.map(\.id)) == Set(ids))
        // The provider accepted three, their answers were journaled, and the process died before the batch's record.
        let answered = Array(claim.notices.prefix(3))
        let lost = Array(claim.notices.dropFirst(3))
        try await setup.service.notices.journal(
            answered.map { notice in
                AttemptResult(
                    noticeID: notice.id, attempt: 1, channel: .sms, startedAt: started, finishedAt: started,
                    outcomeName: "accepted", detail: "prov-\(notice.id)", nextStatus: .sent, reason: "sent",
                    nextAttemptAt: nil, providerMessageID: "prov-\(notice.id)", seq: claim.seqs[notice.id])
            })
        #expect(try await Self.journaled(setup.service) == 3)
        setup.clock.advance(by: 61)
        let summary = try await setup.dispatcher().runUntilIdle()
        #expect(summary.attempted == 2)
        #expect(Set(try setup.webhookIDs()) == Set(lost.map(\.id)))
        for notice in answered {
            let stored = try #require(try await setup.service.notices.notice(notice.id))
            #expect(stored.status == .sent)
            #expect(stored.attempts == 1)
            #expect(stored.providerMessageID == "prov-\(notice.id)")
            let history = try await setup.service.notices.history(of: notice.id)
            #expect(history.attempts.map(\.outcome) == ["accepted"])
            #expect(history.transitions.map(\.to) == ["queued", "sending", "sent"])
        }
        for notice in lost {
            let history = try await setup.service.notices.history(of: notice.id)
            #expect(history.attempts.map(\.outcome) == ["interrupted", "accepted"])
            #expect(try await setup.service.notices.notice(notice.id)?.status == .sent)
        }
        #expect(try await Self.journaled(setup.service) == 0)
    }

    @Test func anSMTPServerThatIsDownIsATemporaryFailure() async throws {
        let setup = try await Self.setup()
        setup.smtp.stop()
        let outcome = try await setup.service.intake.arrange(
            ArrangementRequest(resident: "R1", kind: "preschool_place", details: preschool))
        let summary = try await setup.dispatcher().runUntilIdle()
        #expect(summary.temporaryFailures == 1)
        let noticeID = try #require(outcome.noticeID)
        let notice = try #require(try await setup.service.notices.notice(noticeID))
        #expect(notice.status == .temporaryFailure)
        #expect(notice.nextAttemptAt > setup.clock.now())
    }
}
