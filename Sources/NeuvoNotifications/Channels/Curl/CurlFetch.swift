import CCurl

/// One HTTPS exchange over libcurl, for back channels that are not notices (OpenID Connect discovery, keys and
/// code exchange): TLS and certificate checks come from libcurl, the transfer runs on a thread of its own.
public final class CurlFetch: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let body: [UInt8]
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    private let pool: CurlWorkerPool

    public init(name: String) {
        pool = CurlWorkerPool(threads: 1, name: name)
    }

    /// GET (no body) or POST `body`; `headers` are "Name: value" pairs. Redirects are not followed; the body is
    /// cut at 64 kB.
    public func fetch(url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, timeoutSeconds: Int = 10)
        async throws(Failure) -> Response
    {
        var options: [CurlOption] = [
            .string(CURLOPT_URL, url), .string(CURLOPT_PROTOCOLS_STR, "https,http"),
            .long(CURLOPT_CONNECTTIMEOUT_MS, timeoutSeconds * 1000), .long(CURLOPT_TIMEOUT_MS, timeoutSeconds * 1000),
            .list(CURLOPT_HTTPHEADER, headers.map { "\($0.0): \($0.1)" } + ["Expect:"]),
        ]
        if let body {
            options += [.long(CURLOPT_POSTFIELDSIZE, body.count), .bytes(CURLOPT_COPYPOSTFIELDS, body)]
        }
        let sent = options
        let response = await pool.run { handle -> CurlResponse? in handle?.perform(sent) }
        guard let response else { throw Failure(description: "libcurl is not available") }
        guard response.succeeded else { throw Failure(description: response.error) }
        return Response(status: response.responseCode, body: response.body)
    }
}
