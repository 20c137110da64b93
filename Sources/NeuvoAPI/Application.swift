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

/// Everything a request may need, built by `NeuvoRuntime` (the one composition root) from its parts. The HTTP
/// layer only routes to these services; the CLI uses the same ones.
public struct NeuvoApplication: Sendable {
    public let runtime: NeuvoRuntime
    public let catalog: LiveCatalog
    public let engine: ConversationEngine
    public let conversations: ConversationStore
    public let desk: ArrangementDesk
    public let keys: APIKeyStore
    public let metrics: Metrics
    public let receiptSigner: WebhookSigner?
    public let assets: WidgetAssets
    /// Rate limits per client address and session.
    public let limits: ClientLimits
    /// The access log, written off the request path (flushed when `serve` stops).
    public let accessLog: BufferedLog

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
        engine = try await ConversationEngine.make(
            catalog: { catalog.catalog }, database: database, directory: registry, clock: runtime.clock,
            options: ConversationEngine.Options(configuration: configuration), afterTransition: hook)
        desk = ArrangementDesk(afterTransition: hook)
        conversations = ConversationStore(database: database)
        keys = APIKeyStore(database: database)
        metrics = Metrics()
        // Its own secret, never the outbound one: a captured outbound webhook would verify as a receipt.
        receiptSigner = try configuration.smsReceiptSecret.map { try WebhookSigner(secret: $0) }
        assets = try WidgetAssets.load()
        limits = ClientLimits(configuration: configuration, metrics: metrics)
        accessLog = BufferedLog(logger: runtime.logger)
    }
}
