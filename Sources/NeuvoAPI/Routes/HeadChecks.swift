import NeuvoHTTP

extension HTTPRequestHead {
    /// The token of `Authorization: Bearer <token>`, as `HTTPRequest.bearerToken` reads it.
    var bearerToken: String? {
        guard let header = headers["Authorization"], header.lowercased().hasPrefix("bearer ") else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}

/// The same authentication, run from the headers before the router lets a large body be read: a client without a
/// valid key never makes the server buffer a megabyte.
extension BearerAuthentication: HTTPHeadCheck {
    func check(_ head: HTTPRequestHead) async -> HTTPError? {
        guard let token = head.bearerToken else { return Problem.unauthorized(missing) }
        do {
            _ = try await authenticate(token)
            return nil
        } catch let error as HTTPError {
            return error
        } catch {
            return Problem.error(
                .serviceUnavailable, "storage-unavailable", "Storage unavailable", "the key could not be checked",
                headers: ["Retry-After": "5"])
        }
    }
}

/// Body limits by route, read from `Content-Length` before the body (docs/SECURITY.md, "Limits").
enum BodyLimits {
    /// A chat message is at most 10,000 characters: 16 KiB leaves room for JSON escapes.
    static let chat = 16 * 1024
    /// A bulk import of arrangements.
    static let bulk = 1024 * 1024
    /// Everything else: one resident, one notice, one receipt.
    static let standard = 64 * 1024
}
