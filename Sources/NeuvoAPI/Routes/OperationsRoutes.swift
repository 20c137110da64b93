import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoCrypto
import NeuvoHTTP
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport

/// Health, readiness, metrics, the OpenAPI document and the widget's files.
extension APIRoutes {
    // MARK: Operations

    static func ready(_ app: NeuvoApplication) async throws -> HTTPResponse {
        // Ready means able to store: a small write, so a full or read-only disk shows here, not only in failures.
        do {
            let now = app.clock.now()
            try await app.database.write { connection in
                try InstallationMetadata.set("ready_probe", String(now.timeIntervalSince1970), in: connection)
            }
        } catch let error as SQLiteError {
            throw Problem.error(
                .serviceUnavailable, "not-ready", "Not ready",
                error.isStorageFailure ? error.storageProblem : "the database does not answer")
        } catch {
            throw Problem.error(.serviceUnavailable, "not-ready", "Not ready", "the database does not answer")
        }
        return .json(Array(#"{"status":"ready"}"#.utf8))
    }

    static func metrics(_ app: NeuvoApplication) async throws -> HTTPResponse {
        var extra = ["# HELP neuvo_notices Notices by status.", "# TYPE neuvo_notices gauge"]
        let counts = try await app.gateway.notices.countsByStatus()
        for status in NoticeStatus.allCases {
            extra.append("neuvo_notices{status=\"\(status.rawValue)\"} \(counts[status] ?? 0)")
        }
        extra += [
            "# HELP neuvo_dispatch_attempts_total Delivery attempts by channel and outcome.",
            "# TYPE neuvo_dispatch_attempts_total counter",
        ]
        for row in try await app.gateway.notices.attemptCounts() {
            extra.append(
                "neuvo_dispatch_attempts_total{channel=\"\(row.channel)\",outcome=\"\(row.outcome)\"} \(row.count)")
        }
        return .text(app.metrics.render(extra: extra), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    static let pagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-nmCF3vkilzengAkvuG6EYjt8jwuLDRQNDf0rU/ySBO4='; "
        + "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func asset(_ bytes: [UInt8], _ type: String, _ request: HTTPRequest, page: Bool = false) -> HTTPResponse {
        let etag = WidgetAssets.etag(bytes)
        if request.headers["If-None-Match"] == etag {
            return HTTPResponse(status: .notModified, headers: ["ETag": etag])
        }
        var response = HTTPResponse(status: .ok, headers: ["Content-Type": type, "ETag": etag], body: bytes)
        response.headers["Cache-Control"] = page ? "no-cache" : "public, max-age=300"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if page { response.headers["Content-Security-Policy"] = pagePolicy }
        return response
    }
}
