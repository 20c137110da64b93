import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoCrypto
import NeuvoHTTP
import NeuvoNotifications
import NeuvoRegistry
import NeuvoStorage
import NeuvoSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a request may need, built by `NeuvoRuntime` (the one composition root) from its parts. The HTTP
/// layer only routes to these services; the CLI uses the same ones.
public struct NeuvoApplication: Sendable {
    public let runtime: NeuvoRuntime
    public let catalog: LiveCatalog
    public let engine: ConversationEngine
    public let conversations: ConversationStore
    public let desk: ArrangementDesk
    public let keys: APIKeyStore
    /// Staff members, their sessions, the audit log, the draft and published catalog versions.
    public let staff: StaffStore
    public let metrics: Metrics
    public let receiptSigner: WebhookSigner?
    /// Single use of notice links.
    public let redemptions: LinkRedemptions
    /// The city's OpenID provider; nil when `oidc.issuer` is not set (identification is not available).
    public let openID: OpenIDRelyingParty?
    /// OpenID Connect logins under way.
    public let logins: OpenIDLogins
    /// Residents' identities as stored (national identity numbers hashed with the server's key).
    public let identities: IdentityHasher
    public let assets: WidgetAssets
    /// Rate limits per client address and session.
    public let limits: ClientLimits
    /// The access log, written off the request path (flushed when `serve` stops).
    public let accessLog: BufferedLog
    /// Customer-service agents taking hand-offs live (the desk), and the residents' event streams.
    public let live: LiveHandoffs

    public var configuration: Configuration { runtime.configuration }
    public var database: Database { runtime.database }
    public var gateway: GatewayService { runtime.gateway }
    public var intake: IntakeService { runtime.intake }
    public var logger: Logger { runtime.logger }
    public var clock: any WallClock { runtime.clock }

    init(runtime: NeuvoRuntime, catalog: LiveCatalog) async throws {
        self.runtime = runtime
        self.catalog = catalog
        let database = runtime.database
        let configuration = runtime.configuration
        _ = try await RegistrySeeder.seedIfEmpty(database)
        let registry = try await RegistrySearch.load(from: database)
        let hook = runtime.gateway.confirmationHook()
        var liveOptions = LiveHandoffs.Options()
        liveOptions.answerSeconds = Double(configuration.handoffAnswerSeconds)
        live = LiveHandoffs(
            database: database, catalog: { catalog.catalog }, clock: runtime.clock, options: liveOptions)
        var options = ConversationEngine.Options(configuration: configuration)
        options.live = live
        options.sessionLimits = SessionLimits(
            maxSeconds: configuration.sessionMaxSeconds, idleSeconds: configuration.sessionIdleSeconds)
        options.identifyPath =
            configuration.oidcIssuer != nil && configuration.oidcClientID != nil ? "/auth/login?return=/" : nil
        engine = try await ConversationEngine.make(
            catalog: { catalog.catalog }, database: database, directory: registry, clock: runtime.clock,
            options: options, afterTransition: hook)
        #if canImport(Glibc)
            // Reading the registry's indexes back leaves tens of megabytes of freed buffers in malloc's heap at
            // city scale; give them back to the system now rather than carry them for the server's lifetime.
            FreedMemory.release()
        #endif
        desk = ArrangementDesk(afterTransition: hook)
        conversations = ConversationStore(database: database, limits: options.sessionLimits)
        redemptions = LinkRedemptions(database: database)
        identities = IdentityHasher(keys: runtime.secrets.identityKeys)
        openID = configuration.oidcIssuer.flatMap { issuer in
            configuration.oidcClientID.map {
                OpenIDRelyingParty(issuer: issuer, clientID: $0, clientSecret: configuration.oidcClientSecret)
            }
        }
        logins = OpenIDLogins(database: database)
        keys = APIKeyStore(database: database)
        staff = StaffStore(database: database)
        metrics = Metrics()
        // Its own secret, never the outbound one: a captured outbound webhook would verify as a receipt.
        receiptSigner = try configuration.smsReceiptSecret.map { try WebhookSigner(secret: $0) }
        assets = try WidgetAssets.load()
        limits = ClientLimits(configuration: configuration, metrics: metrics)
        accessLog = BufferedLog(logger: runtime.logger)
    }
}

#if canImport(Glibc)
    /// glibc's `malloc_trim(3)`, which the Glibc module does not export (no malloc.h): looked up once by name.
    enum FreedMemory {
        private typealias Trim = @convention(c) (Int) -> Int32

        private static let trim: Trim? = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim").map {
            unsafeBitCast($0, to: Trim.self)
        }

        /// Returns the heap's free pages to the system.
        static func release() {
            _ = trim?(0)
        }
    }
#endif
