import Foundation
import NeuvoHTTP
import NeuvoSupport

extension NeuvoApplication {
    /// The HTTP server for this application: problem+json errors, redacted access logs, per-route metrics.
    public func makeServer(host: String, port: Int, maxConnections: Int = 2048) -> HTTPServer {
        HTTPServer(
            configuration: serverConfiguration(host: host, port: port, maxConnections: maxConnections),
            handler: APIRoutes.router(self))
    }

    /// The server settings: also used by the in-memory test client, so tests see the same logs and metrics.
    public func serverConfiguration(host: String = "127.0.0.1", port: Int = 0, maxConnections: Int = 2048)
        -> HTTPServerConfiguration
    {
        var configuration = HTTPServerConfiguration(host: host, port: port)
        configuration.maxConnections = maxConnections
        configuration.maxConnectionsPerAddress = self.configuration.connectionsPerAddress
        configuration.maxBufferedRequestBytes = self.configuration.bufferedRequestBytes
        configuration.trustedProxies = TrustedProxies(parsing: self.configuration.trustedProxies) ?? .none
        // The routes' body limits and API-key checks, applied before a body is read.
        configuration.bodyPolicy = APIRoutes.router(self)
        configuration.errorRenderer = ProblemRenderer()
        let logger = logger
        let metrics = metrics
        let accessLog = accessLog
        if accessLog.accepts(.info) {
            configuration.accessLog = { entry in
                // The route pattern, not the path: /r/{token} must not write identification tokens to logs. Queued
                // here, formatted and written by the log's own thread (BufferedLog).
                accessLog.append(
                    .info, "http.request",
                    [
                        ("method", .string(entry.method)), ("route", .string(entry.routePattern ?? "(none)")),
                        ("status", .int(entry.status)), ("bytes", .int(entry.bytes)),
                        (
                            "ms",
                            .double(
                                Double(entry.duration.components.attoseconds) / 1e15
                                    + Double(entry.duration.components.seconds) * 1000)
                        ),
                        ("request_id", .string(entry.requestID)), ("remote", .string(entry.remoteAddress)),
                    ])
            }
        }
        configuration.metrics = { entry in
            let seconds =
                Double(entry.duration.components.seconds) + Double(entry.duration.components.attoseconds) / 1e18
            metrics.recordRequest(
                route: entry.routePattern ?? "(unmatched)", method: entry.method, status: entry.status, seconds: seconds
            )
            // The server's own refusals, before any route (413 from the head, 503 at a cap).
            if entry.routePattern == nil && (entry.status == 413 || entry.status == 503) {
                metrics.recordRefusal("http_\(entry.status)")
            }
        }
        configuration.errorHook = { error, context in
            logger.error(
                "http.handler_failed", ["error": .string("\(error)"), "request_id": .string(context.requestID)])
        }
        return configuration
    }
}
