import Foundation
import NeuvoHTTP
import NeuvoStorage
import NeuvoSupport

/// RFC 9457 problem details. Every error of the API is one of these, with a stable `type` that clients
/// can switch on; `detail` says what was wrong and how to fix it.
public enum Problem {
    public static func error(
        _ status: HTTPStatus, _ type: String, _ title: String, _ detail: String, headers: HTTPHeaders = [:]
    ) -> HTTPError {
        HTTPError(status: status, type: "/problems/\(type)", title: title, detail: detail, headers: headers)
    }

    public static func badRequest(_ detail: String) -> HTTPError {
        error(.badRequest, "invalid-request", "The request is not valid", detail)
    }

    public static func validation(_ detail: String) -> HTTPError {
        error(.unprocessableContent, "validation", "The request cannot be processed", detail)
    }

    public static func unauthorized(_ detail: String) -> HTTPError {
        error(
            .unauthorized, "unauthorized", "Authentication is required", detail, headers: ["WWW-Authenticate": "Bearer"]
        )
    }

    public static func forbidden(_ detail: String) -> HTTPError {
        error(.forbidden, "forbidden", "Not allowed", detail)
    }

    public static func notFound(_ detail: String) -> HTTPError {
        error(.notFound, "not-found", "Not found", detail)
    }

    public static func conflict(_ detail: String) -> HTTPError {
        error(.conflict, "conflict", "Conflict", detail)
    }
}

/// Renders every error, ours and the server's own (400 on a malformed request, 413, 431...), as
/// `application/problem+json`.
public struct ProblemRenderer: HTTPErrorRenderer {
    public init() {}

    public func response(for error: HTTPError, request: HTTPRequest?, requestID: String) -> HTTPResponse {
        var object: [String: JSONScalar] = [
            "type": .string(error.type ?? "about:blank"),
            "title": .string(error.title ?? Self.defaultTitle(error.status.code)),
            "status": .int(error.status.code),
            "request_id": .string(requestID),
        ]
        // Every problem says what was wrong, even the server's own errors that only set a status.
        object["detail"] = .string(error.detail ?? Self.defaultTitle(error.status.code))
        if let request { object["instance"] = .string(request.path) }
        var response = HTTPResponse.json(
            JSONScalar.encode(object), status: error.status, contentType: "application/problem+json")
        for field in error.headers { response.headers[field.name] = field.value }
        return response
    }

    static func defaultTitle(_ code: Int) -> String {
        switch code {
        case 400: "Bad request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not found"
        case 405: "Method not allowed"
        case 408: "Request timeout"
        case 411: "Length required"
        case 413: "Content too large"
        case 414: "URI too long"
        case 415: "Unsupported media type"
        case 431: "Request header fields too large"
        case 501: "Not implemented"
        case 503: "Service unavailable"
        default: code >= 500 ? "Server error" : "Request error"
        }
    }
}

/// A flat JSON object writer for problem documents (no Encodable boxing for a handful of fields).
enum JSONScalar {
    case string(String)
    case int(Int)

    static func encode(_ object: [String: JSONScalar]) -> [UInt8] {
        let fields = object.sorted { $0.key < $1.key }.map { key, value -> String in
            let text: String
            switch value {
            case .string(let string): text = JSONString.quote(string)
            case .int(let number): text = String(number)
            }
            return JSONString.quote(key) + ":" + text
        }
        return Array(("{" + fields.joined(separator: ",") + "}").utf8)
    }
}

/// Turns storage failures into problems a client can act on: 507 when the disk is full, 503 when the database
/// cannot be written, both with Retry-After; never a bare 500.
public struct StorageErrorMiddleware: HTTPMiddleware {
    public init() {}

    public func handle(
        _ request: HTTPRequest, context: RequestContext,
        next: @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        do {
            return try await next(request, context)
        } catch let error as SQLiteError where error.isStorageFailure {
            let full = error.code == 13  // SQLITE_FULL
            throw Problem.error(
                full ? HTTPStatus(code: 507) : .serviceUnavailable, full ? "storage-full" : "storage-unavailable",
                full ? "Insufficient storage" : "Storage unavailable", error.storageProblem,
                headers: ["Retry-After": "60"])
        }
    }
}
