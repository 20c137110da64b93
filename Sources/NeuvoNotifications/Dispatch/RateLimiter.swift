import Foundation

/// A token bucket: at most `ratePerSecond` sends per second on average, bursts up to `burst`. Keeps a
/// recovering provider from a request storm.
public actor RateLimiter {
    private let ratePerSecond: Double
    private let burst: Double
    private var tokens: Double
    private var last: ContinuousClock.Instant
    private let clock = ContinuousClock()

    public init(ratePerSecond: Double, burst: Double? = nil) {
        self.ratePerSecond = max(ratePerSecond, 0.001)
        self.burst = burst ?? max(1, ratePerSecond / 10)
        self.tokens = self.burst
        self.last = clock.now
    }

    /// Waits until a send is allowed.
    public func acquire() async {
        while true {
            let now = clock.now
            let elapsed = now - last
            last = now
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(burst, tokens + seconds * ratePerSecond)
            if tokens >= 1 {
                tokens -= 1
                return
            }
            let wait = (1 - tokens) / ratePerSecond
            try? await Task.sleep(for: .seconds(wait))
        }
    }
}
