import Foundation
import NeuvoArrangements
import NeuvoBundledCatalog
import NeuvoCatalog
import NeuvoConversation
import NeuvoCrypto
import NeuvoNotifications
import NeuvoRegistry
import NeuvoStorage
import NeuvoSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Why the runtime could not be built: the CLI maps the kind to its exit code.
public struct RuntimeFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case configuration, data, io }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// The one composition root: configuration, database, the live catalog, the notice renderer, the services, the
/// channels and dispatcher, the reminder loop and signal handling are built here, once, in this order, and
/// stopped in the reverse order. `serve`, `chat`, `dispatch`, `arrange` and the HTTP API all run on it.
public final class NeuvoRuntime: Sendable {
    /// How much of the catalog a command needs.
    public enum CatalogUse: Sendable {
        /// Intents trained and locales: the conversation (`serve`, `chat`).
        case conversation
        /// Locale texts alone, no training: commands that only plan and send notices.
        case notices
    }

    public let configuration: Configuration
    public let logger: Logger
    public let clock: any WallClock
    public let database: Database
    public let texts: LiveTexts
    public let links: ResidentLinkSigner
    /// The secret links and identity hashes are keyed with: from the configuration or `secret.key`, never the
    /// database.
    public let secrets: ServerSecrets
    /// Renders from `texts` on every use: a reload reaches the next notice planned or sent.
    public let gateway: GatewayService
    /// Arrangements and residents from city systems, over `gateway`.
    public let intake: IntakeService
    /// The configured channels; notices for the others wait in the outbox.
    public let channels: [ChannelKind: any NotificationChannel]

    /// Every module's migrations, in the one order this application fixes: each module declares its own tables by
    /// stable ids; a module's tables come after those they reference.
    public static let schema: [Migration] =
        StorageSchema.migrations + RegistrySchema.migrations + ArrangementsSchema.migrations
        + ConversationSchema.migrations + NotificationsSchema.migrations + APISchema.migrations
        + StaffSchema.migrations

    /// Opens (creating and migrating) the database at `path` with `schema`.
    public static func openDatabase(path: String, cacheKiB: Int = Configuration.defaultDatabaseCacheKiB) throws
        -> Database
    {
        var options = Database.Options(migrations: schema)
        options.cacheKiB = cacheKiB
        return try Database(path: path, options: options)
    }

    /// Builds everything once. `catalog` and `channels` replace what the configuration names (tests).
    public static func open(
        configuration: Configuration, logger: Logger, use: CatalogUse, clock: any WallClock = SystemClock(),
        catalog: LiveCatalog? = nil, channels: [ChannelKind: any NotificationChannel]? = nil
    ) async throws -> NeuvoRuntime {
        let texts = try catalog.map(LiveTexts.init(catalog:)) ?? Self.loadTexts(configuration, use: use)
        texts.setLinkHosts(configured: configuration.linkHosts, ownHost: configuration.publicBaseURL().host)
        let channels = try channels ?? Self.channels(configuration)
        let database = try openDatabase(path: configuration.databasePath, cacheKiB: configuration.databaseCacheKiB)
        do {
            // After the database: its folder exists by now, and `secret.key` is created beside it.
            let secrets = try ServerSecrets.load(configuration)
            // Earlier versions generated the link secret into the database, so a copy of it forged links. It is
            // erased, not moved: the links it signed were reusable and had no purpose, and none is honoured now.
            try await database.write { connection in try InstallationMetadata.erase("link_secret", in: connection) }
            let links = ResidentLinkSigner(
                keys: secrets.linkKeys, baseURL: configuration.publicBaseURL(),
                lifetime: TimeInterval(configuration.linkLifetimeDays) * 86_400, timeZone: configuration.timeZone)
            return NeuvoRuntime(
                configuration: configuration, logger: logger, clock: clock, database: database, texts: texts,
                links: links, secrets: secrets, channels: channels)
        } catch {
            await database.close()
            throw error
        }
    }

    private init(
        configuration: Configuration, logger: Logger, clock: any WallClock, database: Database, texts: LiveTexts,
        links: ResidentLinkSigner, secrets: ServerSecrets, channels: [ChannelKind: any NotificationChannel]
    ) {
        self.secrets = secrets
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.database = database
        self.texts = texts
        self.links = links
        self.channels = channels
        gateway = GatewayService(
            database: database, timeZone: configuration.timeZone, renderer: { texts.renderer() }, links: links,
            clock: clock)
        intake = IntakeService(
            gateway: gateway, defaultQuietHours: configuration.quietHours,
            placeNames: RegistryPlaceNames(database: database))
    }

    static func loadTexts(_ configuration: Configuration, use: CatalogUse) throws -> LiveTexts {
        guard let root = BundledCatalog.root(configured: configuration.catalogPath) else {
            throw RuntimeFailure(
                .configuration,
                "no catalog: the bundle beside the binary is missing; name a folder with --catalog or NEUVO_CATALOG")
        }
        do {
            let texts: LiveTexts
            switch use {
            case .conversation: texts = LiveTexts(catalog: LiveCatalog(try Catalog.load(root: root)))
            case .notices: texts = try LiveTexts(localesAt: root)
            }
            return texts
        } catch {
            throw RuntimeFailure(.data, error.description)
        }
    }

    /// The application the HTTP API and the chat serve: the conversation over the same database and gateway.
    public func application() async throws -> NeuvoApplication {
        guard let catalog = texts.catalog else {
            throw RuntimeFailure(.configuration, "the conversation needs the whole catalog (CatalogUse.conversation)")
        }
        return try await NeuvoApplication(runtime: self, catalog: catalog)
    }

    // MARK: Reloading

    /// Reloads intents and locales (SIGHUP, `POST /v1/admin/reload`): logs what happened, in one place.
    @discardableResult
    public func reload() -> Result<LiveTexts.Reloaded, Catalog.LoadError> {
        let result = texts.reload()
        switch result {
        case .success(let loaded):
            logger.notice(
                "catalog.reloaded", ["intents": .int(loaded.intents), "locale_keys": .int(loaded.localeKeys)])
        case .failure(let error):
            logger.error("catalog.reload_refused", ["problems": .string(error.description)])
        }
        return result
    }

    // MARK: Dispatching

    /// The dispatcher settings from the configuration (defaults live in `Configuration`, the one place).
    public var dispatcherSettings: DispatcherSettings {
        var settings = DispatcherSettings()
        settings.lease = configuration.dispatchLeaseSeconds
        settings.retry.baseDelay = configuration.dispatchRetryBaseSeconds
        settings.ratePerSecond = [.email: configuration.dispatchEmailRate, .sms: configuration.dispatchSMSRate]
        settings.concurrency = [
            .email: configuration.dispatchEmailConcurrency, .sms: configuration.dispatchSMSConcurrency,
        ]
        settings.recordEvery = configuration.dispatchRecordEvery
        return settings
    }

    /// A dispatcher over the configured channels that asks `texts` for the renderer on each batch and signs links
    /// as it sends, from `public_base_url` or, when that is not set, the address this process listens on (`port`:
    /// the port the listener bound, for `--port 0`).
    public func makeDispatcher(listeningOn port: Int? = nil) -> Dispatcher {
        let texts = texts
        return Dispatcher(
            store: gateway.notices, channels: channels, renderer: { texts.renderer() },
            links: links.with(baseURL: configuration.publicBaseURL(port: port)), settings: dispatcherSettings,
            clock: clock, logger: logger)
    }

    /// The channels the configuration names.
    static func channels(_ configuration: Configuration) throws -> [ChannelKind: any NotificationChannel] {
        var channels: [ChannelKind: any NotificationChannel] = [:]
        let (name, address) = mailbox(configuration.smtpFrom)
        if let url = configuration.smtpURL, let folder = FileChannel.folder(of: url) {
            channels[.email] = FileChannel(kind: .email, folder: folder, from: address, fromName: name)
        } else if let url = configuration.smtpURL {
            let smtp = SMTPConfiguration(
                url: url.absoluteString, fromAddress: address, fromName: name, username: configuration.smtpUsername,
                password: configuration.smtpPassword, startTLS: configuration.smtpTLSRequired ? .required : .never,
                maxConcurrentTransfers: configuration.dispatchEmailConcurrency)
            if let problem = smtp.problem {
                throw RuntimeFailure(.configuration, "invalid SMTP configuration: \(problem)")
            }
            channels[.email] = SMTPChannel(configuration: smtp)
        }
        if let url = configuration.smsWebhookURL, let folder = FileChannel.folder(of: url) {
            channels[.sms] = FileChannel(kind: .sms, folder: folder)
        } else if let url = configuration.smsWebhookURL {
            guard let secret = configuration.smsWebhookSecret else {
                throw RuntimeFailure(
                    .configuration,
                    "sms.webhook_url is set but sms.webhook_secret is not (NEUVO_SMS_WEBHOOK_SECRET)")
            }
            // One transfer thread per concurrent send: the channel's pool is what bounds concurrency in practice.
            let sms = SMSWebhookConfiguration(
                url: url.absoluteString, signer: try WebhookSigner(secret: secret),
                maxConcurrentTransfers: configuration.dispatchSMSConcurrency)
            if let problem = sms.problem {
                throw RuntimeFailure(.configuration, "invalid SMS webhook configuration: \(problem)")
            }
            channels[.sms] = SMSWebhookChannel(configuration: sms)
        }
        return channels
    }

    /// `Helsingin kaupunki <neuvo@hel.fi>` → ("Helsingin kaupunki", "neuvo@hel.fi"); a bare address has no name.
    public static func mailbox(_ text: String) -> (name: String?, address: String) {
        guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else {
            return (nil, text.trimmingCharacters(in: .whitespaces))
        }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        return (name.isEmpty ? nil : name, String(text[text.index(after: open)..<close]))
    }

    /// How often the reminder loop looks for deadlines coming up.
    public static let reminderInterval: Duration = .seconds(600)
    /// How often a serving process applies retention (docs/SECURITY.md, "Limits").
    public static let retentionInterval: Duration = .seconds(24 * 3600)

    /// What one retention pass removed.
    public struct RetentionReport: Sendable, Equatable {
        public var noticesErased = 0
        public var transcripts = PurgeReport()
    }

    /// Erases the personal content of notices `notice_retention_days` after their final status, and deletes chat
    /// sessions, transcripts, hand-offs and feedback older than `transcript_retention_days`; `serve` runs it at
    /// start and then daily, by the injected clock.
    public func applyRetention() async throws -> RetentionReport {
        let now = clock.now()
        var report = RetentionReport()
        report.noticesErased = try await gateway.notices.eraseContent(
            finalBefore: now.addingTimeInterval(-Double(configuration.noticeRetentionDays) * 86_400), now: now)
        report.transcripts = try await ConversationStore(database: database).purge(
            retentionDays: configuration.transcriptRetentionDays, now: now)
        logger.info(
            "retention.applied",
            [
                "notices_erased": .int(report.noticesErased), "sessions": .int(report.transcripts.sessions),
                "turns": .int(report.transcripts.turns),
            ])
        return report
    }

    /// The background work of a serving process: the dispatcher (when a channel is configured), the reminder
    /// loop and retention. Runs until cancelled; a dispatcher cancelled between batches leaves claimed notices `sending` under
    /// their lease, resent after a restart, so the outbox stays consistent.
    public func runBackground(listeningOn port: Int? = nil) async {
        let dispatcher = channels.isEmpty ? nil : makeDispatcher(listeningOn: port)
        let gateway = gateway
        await withTaskGroup(of: Void.self) { group in
            if let dispatcher { group.addTask { try? await dispatcher.run() } }
            group.addTask {
                while !Task.isCancelled {
                    _ = try? await gateway.queueReminders()
                    try? await Task.sleep(for: Self.reminderInterval)
                }
            }
            group.addTask { [self] in
                while !Task.isCancelled {
                    do {
                        _ = try await applyRetention()
                    } catch {
                        logger.error("retention.failed", ["error": .string("\(error)")])
                    }
                    try? await Task.sleep(for: Self.retentionInterval)
                }
            }
        }
    }

    // MARK: Lifecycle

    /// Runs `body` with SIGHUP reloading the catalog and each of `stoppingOn` (SIGTERM and SIGINT unless told)
    /// yielded to `stopped`; the watchers live exactly as long as `body`.
    public func withSignals<T>(
        stoppingOn signals: [Int32] = [SIGTERM, SIGINT], _ body: (_ stopped: AsyncStream<Int32>) async throws -> T
    ) async rethrows -> T {
        let (stops, stop) = AsyncStream.makeStream(of: Int32.self)
        let watchers =
            signals.map { number in SignalWatcher(signal: number) { stop.yield(number) } }
            + [SignalWatcher(signal: SIGHUP) { [self] in reload() }]
        defer { withExtendedLifetime(watchers) {} }
        return try await body(stops)
    }

    /// `neuvo serve`: starts the listener, then the background work, then waits for SIGTERM or SIGINT; stops in
    /// the reverse order: the listener finishes the requests in flight, the background work stops between
    /// batches, the database closes last. `started` is told the bound port once everything runs.
    public func serve(
        host: String, port: Int, maxConnections: Int, started: @Sendable (Int) -> Void = { _ in }
    ) async throws {
        let app = try await application()
        let server = app.makeServer(host: host, port: port, maxConnections: maxConnections)
        try await withSignals { stops in
            let bound: Int
            do {
                bound = try await server.start()
            } catch {
                throw RuntimeFailure(.io, "cannot listen on \(host):\(port): \(error)")
            }
            let background = Task { await runBackground(listeningOn: bound) }
            let desk = Task { await app.sweepHandoffs() }
            started(bound)
            logger.notice(
                "serve.started",
                [
                    "port": .int(bound),
                    "channels": .string(channels.keys.map(\.rawValue).sorted().joined(separator: ",")),
                    "intents": .int(app.catalog.catalog.intentIDs.count),
                ])
            for await signal in stops {
                logger.notice("serve.stopping", ["signal": .int(Int(signal))])
                break
            }
            await server.shutdown(gracePeriod: .seconds(10))
            app.accessLog.flush()  // every request answered is logged before the process ends
            background.cancel()
            desk.cancel()
            await background.value
            await desk.value
        }
        await close()
        logger.notice("serve.stopped")
    }

    /// `neuvo dispatch` without `--until-idle`: the dispatcher until SIGTERM or SIGINT.
    public func dispatchUntilStopped() async throws {
        let dispatcher = makeDispatcher()
        await withSignals { stops in
            let task = Task { try await dispatcher.run() }
            logger.info(
                "dispatcher.started",
                ["channels": .string(channels.keys.map(\.rawValue).sorted().joined(separator: ","))])
            for await _ in stops { break }
            task.cancel()
            _ = try? await task.value
        }
        await close()
        logger.info("dispatcher.stopped")
    }

    /// Closes the database (the last connection checkpoints the log and removes it).
    public func close() async {
        await database.close()
    }
}

/// The registry's names are the arrangements' place names (the registry does not know arrangements; this is where
/// the two meet).
extension RegistryPlaceNames: PlaceNames {}
