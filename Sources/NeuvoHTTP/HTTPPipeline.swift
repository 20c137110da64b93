import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One line of the access log, handed to `HTTPServerConfiguration.accessLog` after the response is written.
public struct AccessLogEntry: Sendable {
    public let method: String
    /// The percent-decoded path, without the query (which may carry personal data).
    public let path: String
    public let status: Int
    /// Body bytes sent.
    public let bytes: Int
    public let duration: Duration
    public let requestID: String
    public let remoteAddress: String
    public let routePattern: String?
}

/// One completed request, for `HTTPServerConfiguration.metrics` (for example Prometheus histograms).
public struct RequestMetrics: Sendable {
    /// The matched route pattern such as "/v1/notices/{id}"; nil if no route matched (bounded label cardinality).
    public let routePattern: String?
    public let method: String
    public let status: Int
    public let duration: Duration
}

/// What turns a request into response bytes, shared by the socket server and the in-memory test client.
struct HTTPPipeline: Sendable {
    let responder: any HTTPResponder
    let renderer: any HTTPErrorRenderer
    let requestIDHeader: String
    let accessLog: (@Sendable (AccessLogEntry) -> Void)?
    let metrics: (@Sendable (RequestMetrics) -> Void)?
    let errorHook: (@Sendable (any Error, RequestContext) -> Void)?
    var trustedProxies = TrustedProxies.none

    func respond(to request: HTTPRequest, remoteAddress: String, startTime: ContinuousClock.Instant) async -> (
        HTTPResponse, RequestContext
    ) {
        let peer = hostOfRemoteAddress(remoteAddress)
        let client =
            trustedProxies.isEmpty
            ? peer
            : trustedProxies.clientAddress(peer: peer, forwardedFor: request.headers.values(for: "X-Forwarded-For"))
        let context = RequestContext(
            requestID: requestID(for: request), remoteAddress: remoteAddress, clientAddress: client,
            startTime: startTime)
        do {
            return (try await responder.respond(to: request, context: context), context)
        } catch let error as HTTPError {
            return (renderer.response(for: error, request: request, requestID: context.requestID), context)
        } catch {
            // Anything else is our bug or a dependency's failure: report it, tell the client nothing about it.
            errorHook?(error, context)
            let response = renderer.response(
                for: HTTPError(status: .internalServerError), request: request, requestID: context.requestID)
            return (response, context)
        }
    }

    /// The client's id if it is safe to echo and log (short, no separators), otherwise a fresh one.
    func requestID(for request: HTTPRequest?) -> String {
        if let offered = request?.headers[requestIDHeader], HTTPPipeline.isWellFormedRequestID(offered) {
            return offered
        }
        return HTTPPipeline.generateRequestID()
    }

    static func isWellFormedRequestID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default: "-_.:~+/=".utf8.contains(byte)
                }
            }
    }

    /// 128 random bits as 32 hex digits.
    static func generateRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8](repeating: 0, count: 32)
        for half in 0..<2 {
            var value = generator.next() as UInt64
            for index in 0..<16 {
                bytes[half * 16 + index] = digits[Int(value & 0xF)]
                value >>= 4
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reports a finished exchange to the access log and metrics hooks.
    func report(
        method: String, path: String, status: HTTPStatus, bytes: Int, context: RequestContext,
        duration: Duration
    ) {
        accessLog?(
            AccessLogEntry(
                method: method, path: path, status: status.code, bytes: bytes, duration: duration,
                requestID: context.requestID, remoteAddress: context.remoteAddress, routePattern: context.routePattern
            ))
        metrics?(
            RequestMetrics(routePattern: context.routePattern, method: method, status: status.code, duration: duration))
    }
}

/// Serializes responses (RFC 9112 §4, §6) and owns the headers the server always sets.
enum ResponseEncoder {
    /// Normalizes `response` as sent: Content-Length, Date, Connection and the request id.
    static func finalize(
        _ response: HTTPResponse, requestID: String, requestIDHeader: String, keepAlive: Bool,
        version: HTTPVersion
    ) -> HTTPResponse {
        var response = response
        // Framing is ours alone: a handler's Content-Length or Transfer-Encoding could desynchronize the client.
        response.headers.remove("Content-Length")
        response.headers.remove("Transfer-Encoding")
        response.headers.remove("Connection")
        if !response.status.allowsContent {
            response.body = []
            response.stream = nil
        } else if response.stream != nil {
            // Its length is not known: chunked (RFC 9112 §7.1); a 1.0 client reads to the close (§6.3).
            response.body = []
            if version != .http10 { response.headers["Transfer-Encoding"] = "chunked" }
        } else {
            response.headers["Content-Length"] = String(response.body.count)
        }
        if !response.headers.contains("Date") { response.headers["Date"] = HTTPDate.now() }
        response.headers[requestIDHeader] = requestID
        if !keepAlive || (response.stream != nil && version == .http10) {
            response.headers["Connection"] = "close"
        } else if version == .http10 {
            response.headers["Connection"] = "keep-alive"  // RFC 9112 §9.3: 1.0 persistence is opt-in
        }
        return response
    }

    /// The bytes on the wire; a HEAD response keeps its Content-Length but sends no body (RFC 9110 §9.3.2).
    static func encode(_ response: HTTPResponse, omitBody: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + (omitBody ? 0 : response.body.count))
        // RFC 9110 §6.2: we answer with our own version, HTTP/1.1, even to a 1.0 client.
        bytes.append(contentsOf: "HTTP/1.1 \(response.status.code) \(response.status.reasonPhrase)\r\n".utf8)
        for field in response.headers {
            bytes.append(contentsOf: field.name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            // A CR or LF from a handler would let it inject headers; replace rather than trust.
            bytes.append(contentsOf: field.value.utf8.map { $0 == 0x0D || $0 == 0x0A || $0 == 0 ? 0x20 : $0 })
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
        if !omitBody { bytes.append(contentsOf: response.body) }
        return bytes
    }
}

/// IMF-fixdate (RFC 9110 §5.6.7), formatted at most once per second.
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    /// One cache per stripe, picked by thread: connection threads rarely share a lock, so the once-a-second
    /// refresh is the only contended moment (one lock per response showed up in profiles under load).
    private final class Stripe: Sendable {
        let cache = Mutex<(second: Int, text: String)>((-1, ""))
    }
    private static let stripes = (0..<16).map { _ in Stripe() }

    static func now() -> String {
        var seconds = time(nil)
        let second = Int(seconds)
        let stripe = stripes[Int(UInt(bitPattern: Int(bitPattern: UInt(pthread_self()))) >> 8 & 15)]
        if let cached = stripe.cache.withLock({ $0.second == second ? $0.text : nil }) { return cached }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text =
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        stripe.cache.withLock { $0 = (second, text) }
        return text
    }
}

extension HTTPServerConfiguration {
    /// One exchange through the server's pipeline (request id, error rendering, `Date`, `Content-Length`, access log
    /// and metrics hooks) without sockets: what the test support's in-memory client and the fuzz targets drive.
    @_spi(InMemory)
    public func exchange(_ request: HTTPRequest, responder: any HTTPResponder, remoteAddress: String) async
        -> HTTPResponse
    {
        let pipeline = HTTPPipeline(
            responder: responder, renderer: errorRenderer, requestIDHeader: requestIDHeader, accessLog: accessLog,
            metrics: metrics, errorHook: errorHook, trustedProxies: trustedProxies)
        let start = ContinuousClock.now
        if let refusal = await admissionRefusal(request) {
            let rendered = errorRenderer.response(
                for: refusal, request: nil, requestID: HTTPPipeline.generateRequestID())
            return ResponseEncoder.finalize(
                rendered, requestID: rendered.headers[requestIDHeader] ?? HTTPPipeline.generateRequestID(),
                requestIDHeader: requestIDHeader, keepAlive: false, version: request.version)
        }
        let (response, context) = await pipeline.respond(to: request, remoteAddress: remoteAddress, startTime: start)
        var finalized = ResponseEncoder.finalize(
            response, requestID: context.requestID, requestIDHeader: requestIDHeader, keepAlive: request.keepAlive,
            version: request.version)
        if request.method == .head { finalized.body = [] }
        pipeline.report(
            method: request.method.rawValue, path: request.path, status: finalized.status, bytes: finalized.body.count,
            context: context, duration: start.duration(to: .now))
        return finalized
    }

    /// What the socket server's `bodyPolicy` would refuse from this request's head (413, or the route's check).
    private func admissionRefusal(_ request: HTTPRequest) async -> HTTPError? {
        let declared = request.headers["Content-Length"].flatMap { Int($0) } ?? request.body.count
        guard let bodyPolicy, declared > 0 || !request.body.isEmpty else { return nil }
        let head = HTTPRequestHead(
            method: request.method, rawPath: request.rawPath, version: request.version, headers: request.headers,
            contentLength: declared)
        let admission = bodyPolicy.admission(for: head)
        let maxBytes = min(admission.maxBytes, limits.maxBodyBytes)
        if declared > maxBytes {
            return BodyAdmission.tooLarge(maxBytes)
        }
        if admission.needsCheck(head), let check = admission.check { return await check(head) }
        return nil
    }
}
