import Foundation
import NeuvoHTTP

/// Decoding and encoding JSON bodies with errors that say which field is wrong.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest) throws(HTTPError) -> T {
        if let contentType = request.headers["Content-Type"]?.lowercased(),
            !contentType.hasPrefix("application/json") && !contentType.hasSuffix("+json")
        {
            throw Problem.error(
                .unsupportedMediaType, "unsupported-media-type", "Unsupported media type",
                "send the body as application/json, not \(contentType)")
        }
        guard !request.body.isEmpty else { throw Problem.badRequest("the request needs a JSON body") }
        guard String(validating: request.body, as: UTF8.self) != nil else {
            throw Problem.badRequest("the body is not valid UTF-8")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(request.body))
        } catch let error as DecodingError {
            throw Problem.badRequest(describe(error))
        } catch {
            throw Problem.badRequest("the body is not valid JSON")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty
                ? "the body" : "'" + keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let place = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing field '\(key.stringValue)'\(place)"
        case .typeMismatch(let type, let context): return "\(path(context)) must be \(name(of: type))"
        case .valueNotFound(let type, let context): return "\(path(context)) must be \(name(of: type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the body is not valid JSON" : "\(path(context)): \(context.debugDescription)"
        @unknown default: return "the body does not have the expected shape"
        }
    }

    static func name(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        case is [Any].Type: "a list"
        default: type == [String: String].self ? "an object of strings" : "an object"
        }
    }

    static func response<T: Encodable>(_ value: T, status: HTTPStatus = .ok) throws -> HTTPResponse {
        .json(Array(try encoder.encode(value)), status: status)
    }
}
