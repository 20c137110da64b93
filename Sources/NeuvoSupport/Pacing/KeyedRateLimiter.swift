import Synchronization

/// A token bucket per key (a client address, a session): at most `perMinute` on average, in bursts of up to
/// `burst`. Shared by tasks on any thread; memory is bounded by `maxKeys`: when full, buckets that have refilled
/// completely (indistinguishable from new ones) are dropped first, then the oldest half.
public final class KeyedRateLimiter: Sendable {
    public let perMinute: Double
    public let burst: Double
    public let maxKeys: Int

    private struct Entry {
        var bucket: TokenBucket
        var lastUsed: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// `per` is the window `limit` counts over (a minute, an hour); the burst is one window's worth unless given.
    public init(limit: Int, per window: Duration = .seconds(60), burst: Int? = nil, maxKeys: Int = 100_000) {
        let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        perMinute = Double(max(1, limit)) * 60 / max(seconds, 0.001)
        self.burst = Double(max(1, burst ?? limit))
        self.maxKeys = max(1, maxKeys)
    }

    /// Takes a token for `key` and returns nil, or returns how long until one is there (taking nothing).
    public func take(_ key: String, now: ContinuousClock.Instant = .now) -> Duration? {
        entries.withLock { entries in
            if entries[key] == nil && entries.count >= maxKeys { prune(&entries, now: now) }
            var entry =
                entries[key]
                ?? Entry(bucket: TokenBucket(ratePerSecond: perMinute / 60, burst: burst, now: now), lastUsed: now)
            let wait = entry.bucket.take(now: now)
            entry.lastUsed = now
            entries[key] = entry
            return wait
        }
    }

    /// Keys tracked now (for tests of the bound).
    public var count: Int { entries.withLock { $0.count } }

    private func prune(_ entries: inout [String: Entry], now: ContinuousClock.Instant) {
        let refill = Duration.seconds(burst / (perMinute / 60))
        entries = entries.filter { now - $0.value.lastUsed < refill }
        if entries.count >= maxKeys {
            let keep = entries.sorted { $0.value.lastUsed > $1.value.lastUsed }.prefix(maxKeys / 2)
            entries = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}

extension Duration {
    /// Whole seconds, rounded up and at least 1: the value of a `Retry-After` header (RFC 9110 §10.2.3).
    public var retryAfterSeconds: Int {
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return max(1, Int(seconds.rounded(.up)))
    }
}
