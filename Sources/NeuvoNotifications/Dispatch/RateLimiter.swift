import Foundation
import NeuvoSupport

/// A token bucket shared by tasks: at most `ratePerSecond` sends per second on average, bursts up to `burst`.
/// Keeps a recovering provider from a request storm.
public actor RateLimiter {
    private var bucket: TokenBucket

    public init(ratePerSecond: Double, burst: Double? = nil) {
        bucket = TokenBucket(ratePerSecond: ratePerSecond, burst: burst)
    }

    /// Waits until a send is allowed.
    public func acquire() async {
        while let wait = bucket.take(now: .now) {
            try? await Task.sleep(for: wait)
        }
    }
}
