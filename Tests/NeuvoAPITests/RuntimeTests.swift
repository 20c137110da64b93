import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoCore
import NeuvoNotifications
import NeuvoSupport
import NeuvoTestSupport
import Synchronization
import Testing

@testable import NeuvoAPI

/// A channel that keeps what it was asked to send.
final class RecordingChannel: NotificationChannel {
    let kind: ChannelKind
    private let sent = Mutex<[OutgoingMessage]>([])

    init(_ kind: ChannelKind) { self.kind = kind }

    var messages: [OutgoingMessage] { sent.withLock { $0 } }

    func send(_ message: OutgoingMessage) async -> DeliveryOutcome {
        sent.withLock { $0.append(message) }
        return .accepted(providerMessageID: "rec-\(message.noticeID)")
    }
}

@Suite("The runtime: one composition root")
struct RuntimeTests {
    /// A runtime that sends notices only, over a fresh database and an editable copy of the catalog.
    static func runtime(
        in folder: TemporaryFolder, clock: any WallClock = SystemClock(),
        channels: [ChannelKind: any NotificationChannel] = [:]
    ) async throws -> (runtime: NeuvoRuntime, catalog: URL) {
        var configuration = Configuration(environment: [:])
        configuration.databasePath = folder.path("neuvo.db")
        configuration.catalogPath = try folder.catalogCopy().path
        let runtime = try await NeuvoRuntime.open(
            configuration: configuration, logger: Logger(label: "test", sink: LogSink { _ in }), use: .notices,
            clock: clock, channels: channels)
        return (runtime, URL(fileURLWithPath: configuration.catalogPath ?? ""))
    }

    /// The defect this runtime removes: `serve`'s dispatcher rendered with the texts of start-up, so a changed
    /// subject reloaded by SIGHUP never reached a notice. The notice is queued before the reload and sent after it.
    @Test func aReloadedLocaleTextReachesTheNextNoticeTheDispatcherSends() async throws {
        let email = RecordingChannel(.email)
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_600_800))
        let folder = try TemporaryFolder()
        let (runtime, catalog) = try await Self.runtime(in: folder, clock: clock, channels: [.email: email])
        try await runtime.gateway.arrangements.upsert(
            Resident(id: "R1", name: "Resident One", language: "fi", email: "r1@example.org", consentEmail: true),
            now: clock.now())
        func arrange(_ key: String) async throws {
            _ = try await runtime.intake.arrange(
                ArrangementRequest(
                    resident: "R1", kind: "preschool_place",
                    details: ["unit": "Kallion ala-aste", "start_date": "2027-08-01", "accept_by": "2027-03-15"],
                    idempotencyKey: key, urgent: true))
        }
        let dispatcher = runtime.makeDispatcher()

        try await arrange("before")
        #expect(try await dispatcher.runUntilIdle().sent == 1)
        #expect(email.messages.last?.subject == "Lapsellesi tarjotaan esiopetuspaikkaa")

        try await arrange("queued-before-the-reload")
        let notices = catalog.appendingPathComponent("locales/notices.json")
        let text = try String(contentsOf: notices, encoding: .utf8)
        try text.replacingOccurrences(
            of: "\"Lapsellesi tarjotaan esiopetuspaikkaa\"", with: "\"Esiopetuspaikka on varattu\""
        ).write(to: notices, atomically: true, encoding: .utf8)
        guard case .success = runtime.reload() else {
            Issue.record("the edited catalog was refused")
            return
        }
        #expect(try await dispatcher.runUntilIdle().sent == 1)
        #expect(email.messages.count == 2)
        #expect(email.messages.last?.subject == "Esiopetuspaikka on varattu")
        await runtime.close()
        withExtendedLifetime(folder) {}
    }

    /// Dispatch defaults are declared once (`DispatchDefaults`): an unconfigured runtime's dispatcher runs with the
    /// same settings a `DispatcherSettings()` has, and the city's time zone is one definition.
    @Test func dispatchDefaultsAndTheCityComeFromOnePlace() {
        let configuration = Configuration(environment: [:])
        let settings = DispatcherSettings()
        #expect(configuration.dispatchLeaseSeconds == settings.lease)
        #expect(configuration.dispatchRetryBaseSeconds == settings.retry.baseDelay)
        #expect(
            [.email: configuration.dispatchEmailRate, .sms: configuration.dispatchSMSRate] == settings.ratePerSecond)
        #expect(
            [.email: configuration.dispatchEmailConcurrency, .sms: configuration.dispatchSMSConcurrency]
                == settings.concurrency)
        #expect(configuration.timeZone == City.timeZone && City.timeZone.identifier == "Europe/Helsinki")
        #expect(configuration.defaultLanguage == City.defaultLanguage.rawValue)
    }

    @Test func aBrokenReloadIsRefusedAndTheTextsInUseStay() async throws {
        let folder = try TemporaryFolder()
        let (runtime, catalog) = try await Self.runtime(in: folder)
        try "{ broken".write(
            to: catalog.appendingPathComponent("locales/notices.json"), atomically: true, encoding: .utf8)
        guard case .failure(let error) = runtime.reload() else {
            Issue.record("a broken catalog was accepted")
            return
        }
        #expect(error.description.contains("notices.json"))
        #expect(runtime.texts.locales.strings["notice.preschool_place.subject"] != nil)
        await runtime.close()
        withExtendedLifetime(folder) {}
    }
}
