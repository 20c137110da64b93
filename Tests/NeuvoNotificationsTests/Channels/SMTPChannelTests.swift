import Foundation
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoNotifications

/// Real SMTP over real sockets against the aiosmtpd sink (Peers/smtp_sink.py).
@Suite(.enabled(if: Peers.smtpAvailable, "needs python3 with aiosmtpd: \(Peers.pipLine)"))
struct SMTPChannelTests {
    /// A running sink and the folder it writes to.
    struct Sink {
        let folder: TemporaryFolder
        let process: PeerProcess
        var mailFolder: String { folder.path("mail") }

        static func start(_ options: [String] = []) async throws -> Sink {
            let folder = try TemporaryFolder()
            let process = try await PeerProcess.start("smtp_sink.py", folder: folder) { port in
                ["--port", String(port), "--dir", folder.path("mail")] + options
            }
            return Sink(folder: folder, process: process)
        }

        func channel(timeout: Double = 10) -> SMTPChannel {
            SMTPChannel(configuration: configuration(port: process.port, timeout: timeout))
        }

        /// Stored messages, oldest first.
        func messages() throws -> [[String: Any]] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: mailFolder)) ?? []
            return try names.filter { $0.hasSuffix(".json") }.sorted().map {
                let data = try Data(contentsOf: URL(fileURLWithPath: mailFolder + "/" + $0))
                return try JSONSerialization.jsonObject(with: data) as! [String: Any]
            }
        }

        /// Every EHLO/MAIL/RCPT the sink saw.
        func events() throws -> [[String: Any]] { try jsonLines(mailFolder + "/events.jsonl") }
    }

    static func configuration(port: UInt16, timeout: Double = 10) -> SMTPConfiguration {
        SMTPConfiguration(
            url: "smtp://127.0.0.1:\(port)", fromAddress: "noreply@hel.fi", fromName: "Helsingin kaupunki",
            startTLS: .never, connectTimeout: timeout, timeout: timeout)
    }

    static func message(to recipient: String = "resident@example.fi", id: String = "notice-1") -> OutgoingMessage {
        OutgoingMessage(
            noticeID: id, idempotencyKey: "key-\(id)", recipient: recipient,
            subject: "Päätös: esiopetuspaikka on varattu – Åbo, Östersundom ja Ärtholmen",
            textBody: "Hyvä huoltaja,\nlapsellenne on varattu esiopetuspaikka päiväkodista Ämmä.\n.\nKäy vastaamassa: "
                + String(repeating: "ö", count: 90) + "\nYstävällisin terveisin, Helsingin kaupunki",
            htmlBody: "<p>Hyvä huoltaja,</p><p>päiväkoti Ämmä – förskola Åbo</p>", locale: "fi")
    }

    @Test func finnishEmailArrivesIntact() async throws {
        let sink = try await Sink.start()
        let message = Self.message()
        let outcome = await sink.channel().send(message)
        #expect(outcome == .accepted(providerMessageID: "<notice-1@hel.fi>"))
        #expect(try await eventually { try sink.messages().count == 1 })
        let stored = try #require(try sink.messages().first)
        #expect(stored["mail_from"] as? String == "noreply@hel.fi")
        #expect(stored["rcpt_tos"] as? [String] == ["resident@example.fi"])
        #expect(stored["subject"] as? String == message.subject)
        let text = (stored["text"] as? String)?.replacingOccurrences(of: "\r\n", with: "\n")
        // The lone "." line survived dot-stuffing (libcurl stuffs, the sink unstuffs).
        #expect(text == message.textBody)
        let html = (stored["html"] as? String)?.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(html == message.htmlBody)
        let headers = try #require(stored["headers"] as? [String: String])
        #expect(headers["From"] == "Helsingin kaupunki <noreply@hel.fi>")
        #expect(headers["MIME-Version"] == "1.0")
        #expect(headers["Content-Language"] == "fi")
        let raw = try #require(Data(base64Encoded: stored["raw_base64"] as? String ?? ""))
        for (index, byte) in raw.enumerated() where byte == 0x0A {
            #expect(index > 0 && raw[index - 1] == 0x0D, "bare LF at \(index)")
        }
    }

    @Test func messageIDIsStableAcrossRetries() async throws {
        let sink = try await Sink.start()
        let channel = sink.channel()
        let first = await channel.send(Self.message(id: "notice-retry"))
        let second = await channel.send(Self.message(id: "notice-retry"))
        #expect(first == second)
        #expect(try await eventually { try sink.messages().count == 2 })
        let ids = try sink.messages().map { $0["message_id"] as? String }
        #expect(ids == ["<notice-retry@hel.fi>", "<notice-retry@hel.fi>"])
    }

    @Test func injectionAttemptsAreRefusedBeforeAnyConnection() async throws {
        let sink = try await Sink.start()
        let channel = sink.channel()
        var recipientAttacks = [
            "resident@example.fi>\r\nRCPT TO:<attacker@evil.example", "resident@example.fi\nRCPT TO:<a@evil.example>",
            "resident@example.fi\r\n", "<resident@example.fi>", "resident@example.fi\u{0}attacker@evil.example",
        ]
        recipientAttacks.append(String(repeating: "a", count: 64) + "@" + String(repeating: "b.", count: 100) + "fi")
        for recipient in recipientAttacks {
            guard case .permanentFailure = await channel.send(Self.message(to: recipient)) else {
                Issue.record("accepted a crafted recipient")
                continue
            }
        }
        var subjectAttack = Self.message()
        subjectAttack.subject = "Hei\r\nBcc: everyone@example.fi"
        guard case .permanentFailure = await channel.send(subjectAttack) else {
            Issue.record("accepted a crafted subject")
            return
        }
        #expect(try sink.events().isEmpty)
        #expect(try sink.messages().isEmpty)

        // Control: the same sink does record a legitimate send, so the emptiness above means something.
        #expect(await channel.send(Self.message()) == .accepted(providerMessageID: "<notice-1@hel.fi>"))
        #expect(try await eventually { try sink.events().count == 3 })
        #expect(try sink.events().compactMap { $0["command"] as? String } == ["EHLO", "MAIL", "RCPT"])
    }

    @Test func replyCodesAreClassified() async throws {
        let sink = try await Sink.start(["--tempfail", "^busy@", "--permfail", "^gone@"])
        let channel = sink.channel()
        let busy = await channel.send(Self.message(to: "busy@example.fi"))
        guard case .temporaryFailure(let reason, nil) = busy else {
            Issue.record("451 gave \(busy)")
            return
        }
        #expect(reason.contains("451"))
        let gone = await channel.send(Self.message(to: "gone@example.fi"))
        guard case .permanentFailure(let reason) = gone else {
            Issue.record("550 gave \(gone)")
            return
        }
        #expect(reason.contains("550"))
        #expect(!reason.contains("gone"))  // no personal data in reasons
        // The handles stay usable after refusals.
        #expect(await channel.send(Self.message()) == .accepted(providerMessageID: "<notice-1@hel.fi>"))
        #expect(try await eventually { try sink.messages().count == 1 })
    }

    @Test func refusedConnectionIsTemporary() async throws {
        let channel = SMTPChannel(configuration: Self.configuration(port: try Network.freePort()))
        guard case .temporaryFailure(let reason, _) = await channel.send(Self.message()) else {
            Issue.record("refused connection was not temporary")
            return
        }
        #expect(reason.contains("connect") || reason.contains("Connection refused"), "\(reason)")
    }

    @Test func silentServerTimesOutAsTemporary() async throws {
        let sink = try await Sink.start(["--stall", "^slow@"])
        let started = Date()
        let outcome = await sink.channel(timeout: 1).send(Self.message(to: "slow@example.fi"))
        guard case .temporaryFailure(let reason, _) = outcome else {
            Issue.record("timeout gave \(outcome)")
            return
        }
        #expect(reason.lowercased().contains("timeout") || reason.lowercased().contains("timed out"), "\(reason)")
        // Bounded by the timeout rather than hanging; loose, because CI machines are loaded.
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(try sink.messages().isEmpty)
    }

    @Test func concurrentSendsAllArrive() async throws {
        let sink = try await Sink.start()
        let channel = sink.channel()
        let outcomes = await withTaskGroup(of: DeliveryOutcome.self) { group in
            for index in 0..<8 { group.addTask { await channel.send(Self.message(id: "notice-c\(index)")) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { if case .accepted = $0 { true } else { false } })
        #expect(try await eventually { try sink.messages().count == 8 })
    }

    @Test func misconfigurationIsReportedNotSent() async throws {
        let configuration = SMTPConfiguration(url: "http://127.0.0.1:1", fromAddress: "noreply@hel.fi")
        #expect(configuration.problem != nil)
        guard case .temporaryFailure = await SMTPChannel(configuration: configuration).send(Self.message()) else {
            Issue.record("misconfigured channel did not report a temporary failure")
            return
        }
        #expect(
            SMTPConfiguration(url: "smtp://x", fromAddress: "a@b.fi", messageIDDomain: "b.fi>\r\nBcc: x").problem != nil
        )
        #expect(SMTPConfiguration(url: "smtp://x", fromAddress: "a@b.fi\r\n").problem != nil)
        #expect(SMTPConfiguration(url: "smtps://mail.hel.fi:465", fromAddress: "noreply@hel.fi").problem == nil)
        let secret = SMTPConfiguration(url: "smtp://x", fromAddress: "a@b.fi", password: "hunter2")
        #expect(!secret.description.contains("hunter2"))
    }
}
