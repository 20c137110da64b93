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
        var options: [(key: String, value: String, option: String)] = []
        if let host { options.append(("server.host", host, "--host")) }
        // Port 0 (any free port) is not a valid setting: the listener gets it, links follow the port it bound.
        if let port, port != 0 { options.append(("server.port", String(port), "--port")) }
        let runtime = try await global.openRuntime(
            .conversation, label: "serve", options: options, seedingCatalog: true)
        let host = runtime.configuration.serverHost
        try await runtime.serve(
            host: host, port: port ?? runtime.configuration.serverPort, maxConnections: maxConnections
        ) {
            bound in
            // One line on stdout for people and scripts: where to go.
            let shown = host.contains(":") ? "[\(host)]" : host
            print("Neuvo is serving on http://\(shown):\(bound)/ (API /v1, /openapi.json)")
            fflushStandardOutput()
        }
    }
}

/// Flushes C stdio's stdout buffer (print goes through it) so that a supervisor sees the line at once.
func fflushStandardOutput() {
    fflush(nil)
}
