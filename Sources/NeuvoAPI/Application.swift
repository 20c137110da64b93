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
    public let metrics: Metrics
    public let receiptSigner: WebhookSigner?
    public let assets: WidgetAssets

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
        #if canImport(Glibc)
            // Reading the registry's indexes back leaves tens of megabytes of freed buffers in malloc's heap at
            // city scale; give them back to the system now rather than carry them for the server's lifetime.
            FreedMemory.release()
        #endif
        desk = ArrangementDesk(afterTransition: hook)
        conversations = ConversationStore(database: database)
        keys = APIKeyStore(database: database)
        metrics = Metrics()
        let secret = configuration.smsReceiptSecret ?? configuration.smsWebhookSecret
        receiptSigner = try secret.map { try WebhookSigner(secret: $0) }
        assets = try WidgetAssets.load()
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
