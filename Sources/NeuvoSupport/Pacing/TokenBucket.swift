import Foundation

/// A token bucket: at most `ratePerSecond` on average, bursts up to `burst`. A plain value for a single owner
/// (the SMS transfer thread); `RateLimiter` shares one between tasks.
public struct TokenBucket: Sendable {
    public let ratePerSecond: Double
    public let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant

    public init(ratePerSecond: Double, burst: Double? = nil, now: ContinuousClock.Instant = .now) {
        self.ratePerSecond = max(ratePerSecond, 0.001)
        self.burst = burst ?? max(1, ratePerSecond / 10)
        tokens = self.burst
        last = now
    }

    /// Takes one token and returns nil, or returns how long until one is there (taking nothing).
    public mutating func take(now: ContinuousClock.Instant) -> Duration? {
        let elapsed = now - last
        last = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + max(0, seconds) * ratePerSecond)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return .seconds((1 - tokens) / ratePerSecond)
    }
}
