import Testing

@testable import NeuvoSupport

struct KeyedRateLimiterTests {
    @Test func eachKeyHasItsOwnBucketThatRefills() {
        let limiter = KeyedRateLimiter(limit: 60, burst: 3)
        let start = ContinuousClock.now
        for _ in 0..<3 { #expect(limiter.take("a", now: start) == nil) }
        let wait = limiter.take("a", now: start)
        #expect(wait != nil && wait! <= .seconds(1))
        #expect(wait!.retryAfterSeconds == 1)
        #expect(limiter.take("b", now: start) == nil)
        #expect(limiter.take("a", now: start + .seconds(1)) == nil)  // 60 a minute: one a second
    }

    @Test func anHourlyLimitRefillsSlowly() {
        let limiter = KeyedRateLimiter(limit: 10, per: .seconds(3600))
        let start = ContinuousClock.now
        for _ in 0..<10 { #expect(limiter.take("x", now: start) == nil) }
        #expect(limiter.take("x", now: start + .seconds(60)) != nil)
        #expect(limiter.take("x", now: start + .seconds(361)) == nil)
    }

    /// A flood of distinct keys (spoofed sessions, many addresses) cannot grow memory without bound.
    @Test func keysAreBounded() {
        let limiter = KeyedRateLimiter(limit: 60, maxKeys: 1000)
        let start = ContinuousClock.now
        for index in 0..<10_000 { _ = limiter.take("key\(index)", now: start + .milliseconds(index)) }
        #expect(limiter.count <= 1000)
    }
}
