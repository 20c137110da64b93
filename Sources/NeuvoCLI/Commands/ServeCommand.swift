import ArgumentParsing
import Foundation
import NeuvoAPI
import NeuvoCatalog
import NeuvoNotifications
import NeuvoSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `neuvo serve`: the HTTP API, the web widget and the dispatcher, on the embedded database.
struct ServeCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "serve", abstract: "Run the HTTP API, the web chat widget and the notice dispatcher.",
            discussion: """
                Open http://HOST:PORT/ for the widget demo; the API is under /v1 and described at /openapi.json.
                SIGHUP reloads intents and locales (a broken set is refused); SIGTERM stops accepting, finishes the
                requests in flight and leaves the outbox consistent.
                """)
    }

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on (or NEUVO_SERVER_HOST).") var host: String?
    @Option(help: "Port to listen on, 0 for any free port (or NEUVO_SERVER_PORT).") var port: Int?
    @Option(name: "max-connections", help: "Open connections beyond this get 503.") var maxConnections: Int = 2048

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let logger = global.makeLogger(configuration, label: "serve")
        let live = LiveCatalog(try global.loadCatalog(configuration))
        let context = try await GatewayContext.make(global)
        let app = try await NeuvoApplication(
            configuration: configuration, database: context.database, catalog: live, links: context.service.links,
            logger: logger)
        let server = app.makeServer(
            host: host ?? configuration.serverHost, port: port ?? configuration.serverPort,
            maxConnections: maxConnections)
        let bound: Int
        do {
            bound = try await server.start()
        } catch {
            throw CommandFailure(
                exitCode: .ioError,
                message:
                    "cannot listen on \(host ?? configuration.serverHost):\(port ?? configuration.serverPort): \(error)"
            )
        }
        let channels = try context.channels()
        let dispatcher = Dispatcher(
            store: context.service.notices, channels: channels, renderer: context.service.renderer,
            settings: context.dispatcherSettings(), logger: logger)
        let background = Task {
            await withTaskGroup(of: Void.self) { group in
                if !channels.isEmpty { group.addTask { try? await dispatcher.run() } }
                group.addTask {
                    while !Task.isCancelled {
                        _ = try? await context.service.queueReminders()
                        try? await Task.sleep(for: .seconds(600))
                    }
                }
            }
        }
        // One line on stdout for people and scripts: where to go.
        print("Neuvo is serving on http://\(host ?? configuration.serverHost):\(bound)/ (API /v1, /openapi.json)")
        fflushStandardOutput()
        logger.notice(
            "serve.started",
            [
                "port": .int(bound), "channels": .string(channels.keys.map(\.rawValue).sorted().joined(separator: ",")),
                "intents": .int(live.catalog.intentIDs.count),
            ])

        let (stops, stop) = AsyncStream.makeStream(of: Int32.self)
        let watchers = [
            SignalWatcher(signal: SIGTERM) { stop.yield(SIGTERM) },
            SignalWatcher(signal: SIGINT) { stop.yield(SIGINT) },
            SignalWatcher(signal: SIGHUP) {
                switch live.reload() {
                case .success(let catalog):
                    logger.notice("catalog.reloaded", ["intents": .int(catalog.intentIDs.count)])
                case .failure(let error):
                    logger.error("catalog.reload_refused", ["problems": .string(error.description)])
                }
            },
        ]
        for await signal in stops {
            logger.notice("serve.stopping", ["signal": .int(Int(signal))])
            break
        }
        // Stop accepting and finish in-flight requests, then stop the dispatcher between batches: a notice it
        // had claimed stays `sending` with a lease and is resent after a restart, so the outbox stays consistent.
        await server.shutdown(gracePeriod: .seconds(10))
        background.cancel()
        await background.value
        await context.database.close()
        withExtendedLifetime(watchers) {}
        logger.notice("serve.stopped")
    }
}

/// Flushes C stdio's stdout buffer (print goes through it) so that a supervisor sees the line at once.
func fflushStandardOutput() {
    fflush(nil)
}
