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

/// Everything a request may need, built once at start-up. The HTTP layer only routes to these services;
/// the CLI uses the same ones.
public struct NeuvoApplication: Sendable {
    public let configuration: Configuration
    public let database: Database
    public let catalog: LiveCatalog
    public let engine: ConversationEngine
    public let conversations: ConversationStore
    public let gateway: GatewayService
    public let desk: ArrangementDesk
    public let keys: APIKeyStore
    public let metrics: Metrics
    public let receiptSigner: WebhookSigner?
    public let logger: Logger
    public let clock: any WallClock
    public let assets: WidgetAssets

    public init(
        configuration: Configuration, database: Database, catalog: LiveCatalog, links: ResidentLinkSigner,
        logger: Logger, clock: any WallClock = SystemClock()
    ) async throws {
        self.configuration = configuration
        self.database = database
        self.catalog = catalog
        self.logger = logger
        self.clock = clock
        _ = try await RegistrySeeder.seedIfEmpty(database)
        let registry = try await RegistrySearch.load(from: database)
        gateway = GatewayService(
            database: database, timeZone: configuration.timeZone,
            renderer: { NoticeRenderer(locales: catalog.catalog.locales) }, links: links, clock: clock,
            defaultQuietHours: configuration.quietHours)
        let hook = gateway.confirmationHook()
        engine = try await ConversationEngine.make(
            catalog: { catalog.catalog }, database: database, directory: registry, clock: clock,
            options: ConversationEngine.Options(configuration: configuration), afterTransition: hook)
        desk = ArrangementDesk(afterTransition: hook)
        conversations = ConversationStore(database: database)
        keys = APIKeyStore(database: database)
        metrics = Metrics()
        let secret = configuration.smsReceiptSecret ?? configuration.smsWebhookSecret
        receiptSigner = try secret.map { try WebhookSigner(secret: $0) }
        assets = try WidgetAssets.load()
    }
}
