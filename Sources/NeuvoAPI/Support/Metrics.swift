import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Counters and latency histograms for `GET /metrics`, in the Prometheus text exposition format (0.0.4).
public final class Metrics: Sendable {
    /// Upper bounds of the latency buckets, in seconds.
    public static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    struct Histogram {
        var counts = [Int](repeating: 0, count: Metrics.buckets.count)
        var sum = 0.0
        var count = 0
    }

    struct State {
        var requests: [String: Int] = [:]  // "route\u{1}method\u{1}status"
        var latency: [String: Histogram] = [:]  // route
        var chatMessages = 0
        var chatFallbacks = 0
        var refusals: [String: Int] = [:]  // reason
    }

    /// Striped by thread: every response records here, and one shared lock was contended under load.
    private final class Stripe: Sendable {
        let state = Mutex(State())
    }
    private let stripes = (0..<16).map { _ in Stripe() }

    public init() {}

    private func stripe() -> Stripe {
        stripes[Int(UInt(bitPattern: Int(bitPattern: UInt(pthread_self()))) >> 8 & 15)]
    }

    public func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        stripe().state.withLock { state in
            state.requests["\(route)\u{1}\(method)\u{1}\(status)", default: 0] += 1
            var histogram = state.latency[route] ?? Histogram()
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { histogram.counts[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            state.latency[route] = histogram
        }
    }

    /// A chat turn; `fallback` when Neuvo did not understand.
    public func recordChat(fallback: Bool) {
        stripe().state.withLock { state in
            state.chatMessages += 1
            if fallback { state.chatFallbacks += 1 }
        }
    }

    /// A request refused by a limit: `chat_address`, `chat_session`, `handoff_address`, or the server's own
    /// `http_413` (body over the route's limit) and `http_503` (a connection or buffered-bytes cap).
    public func recordRefusal(_ reason: String) {
        stripe().state.withLock { $0.refusals[reason, default: 0] += 1 }
    }

    /// The exposition text; `gauges` are read at scrape time (notices by status, dispatch attempts).
    public func render(extra: [String]) -> String {
        // Merge the stripes into one view.
        var snapshot = State()
        for stripe in stripes {
            let part = stripe.state.withLock { $0 }
            snapshot.requests.merge(part.requests, uniquingKeysWith: +)
            for (route, histogram) in part.latency {
                var merged = snapshot.latency[route] ?? Histogram()
                for index in merged.counts.indices { merged.counts[index] += histogram.counts[index] }
                merged.sum += histogram.sum
                merged.count += histogram.count
                snapshot.latency[route] = merged
            }
            snapshot.chatMessages += part.chatMessages
            snapshot.chatFallbacks += part.chatFallbacks
            snapshot.refusals.merge(part.refusals, uniquingKeysWith: +)
        }
        var lines: [String] = []
        lines.append("# HELP neuvo_http_requests_total HTTP requests by route, method and status.")
        lines.append("# TYPE neuvo_http_requests_total counter")
        for (key, value) in snapshot.requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
            lines.append(
                "neuvo_http_requests_total{route=\(Self.quote(parts[0])),method=\(Self.quote(parts[1])),status=\(Self.quote(parts[2]))} \(value)"
            )
        }
        lines.append("# HELP neuvo_http_request_duration_seconds HTTP request latency by route.")
        lines.append("# TYPE neuvo_http_request_duration_seconds histogram")
        for (route, histogram) in snapshot.latency.sorted(by: { $0.key < $1.key }) {
            let label = "route=\(Self.quote(route))"
            for (index, bound) in Self.buckets.enumerated() {
                lines.append(
                    "neuvo_http_request_duration_seconds_bucket{\(label),le=\"\(bound)\"} \(histogram.counts[index])")
            }
            lines.append("neuvo_http_request_duration_seconds_bucket{\(label),le=\"+Inf\"} \(histogram.count)")
            lines.append("neuvo_http_request_duration_seconds_sum{\(label)} \(histogram.sum)")
            lines.append("neuvo_http_request_duration_seconds_count{\(label)} \(histogram.count)")
        }
        lines.append("# HELP neuvo_chat_messages_total Chat messages answered.")
        lines.append("# TYPE neuvo_chat_messages_total counter")
        lines.append("neuvo_chat_messages_total \(snapshot.chatMessages)")
        lines.append("# HELP neuvo_chat_fallbacks_total Chat messages Neuvo did not understand.")
        lines.append("# TYPE neuvo_chat_fallbacks_total counter")
        lines.append("neuvo_chat_fallbacks_total \(snapshot.chatFallbacks)")
        lines.append("# HELP neuvo_chat_fallback_ratio Share of chat messages not understood.")
        lines.append("# TYPE neuvo_chat_fallback_ratio gauge")
        let ratio = snapshot.chatMessages == 0 ? 0 : Double(snapshot.chatFallbacks) / Double(snapshot.chatMessages)
        lines.append("neuvo_chat_fallback_ratio \(ratio)")
        lines.append("# HELP neuvo_refusals_total Requests refused by a limit, by reason.")
        lines.append("# TYPE neuvo_refusals_total counter")
        for reason in ["chat_address", "chat_session", "handoff_address", "http_413", "http_503"] {
            lines.append("neuvo_refusals_total{reason=\"\(reason)\"} \(snapshot.refusals[reason] ?? 0)")
        }
        lines.append(contentsOf: extra)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label value in double quotes with `\`, `"` and newlines escaped.
    static func quote(_ value: String) -> String {
        "\""
            + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
