import Foundation
import Synchronization

/// What submitters hand to a transfer thread: jobs, and the rate and concurrency that apply from then on.
public struct PacedSubmissions<Job> {
    public var jobs: [Job] = []
    public var ratePerSecond: Double?
    public var concurrency: Int?
    /// The owner is gone: finish what is queued, then stop.
    public var closed = false

    public init() {}
}

extension PacedSubmissions: Sendable where Job: Sendable {}

/// Jobs waiting for a place, started in the order submitted, at most `concurrency` at once and no faster than a
/// token bucket: the state a transfer thread keeps (libcurl's engine, the webhook client). A plain value for that
/// one thread.
public struct PacedQueue<Job> {
    public let maxConcurrent: Int
    /// The latest submission's concurrency, within `maxConcurrent`.
    public private(set) var concurrency: Int
    @usableFromInline var waiting: [Job] = []
    @usableFromInline var head = 0
    @usableFromInline var bucket: TokenBucket?

    public init(maxConcurrent: Int) {
        self.maxConcurrent = max(1, maxConcurrent)
        concurrency = self.maxConcurrent
    }

    @inlinable public var isEmpty: Bool { head == waiting.count }

    /// Moves what was submitted into the queue (emptying `submissions`) and applies its rate and concurrency;
    /// true once the owner is closed.
    public mutating func take(from submissions: inout PacedSubmissions<Job>) -> Bool {
        concurrency = min(maxConcurrent, max(1, submissions.concurrency ?? maxConcurrent))
        if head > 1024 && head * 2 > waiting.count {
            waiting.removeFirst(head)
            head = 0
        }
        waiting.append(contentsOf: submissions.jobs)
        submissions.jobs.removeAll(keepingCapacity: true)
        if submissions.ratePerSecond != bucket?.ratePerSecond {
            // The same bucket as the dispatcher's `RateLimiter` (bursts of a tenth of the rate).
            bucket = submissions.ratePerSecond.map { TokenBucket(ratePerSecond: $0) }
        }
        return submissions.closed
    }

    public enum Next {
        case start(Job)
        /// Only the rate holds the next job back: ask again after this long.
        case wait(Duration)
        /// Nothing waits, or every place is taken.
        case none
    }

    /// The next job to start when `running` jobs leave a place and the rate allows.
    @inlinable public mutating func next(running: Int, now: ContinuousClock.Instant = .now) -> Next {
        guard head < waiting.count, running < concurrency else { return .none }
        if bucket != nil, let wait = bucket!.take(now: now) { return .wait(wait) }
        head += 1
        return .start(waiting[head - 1])
    }
}

/// What was submitted so far, taken out of `inbox` (its jobs; the rate, concurrency and closing stay).
public func takeSubmissions<Job: Sendable>(_ inbox: borrowing Mutex<PacedSubmissions<Job>>) -> PacedSubmissions<Job> {
    inbox.withLock { inbox in
        let taken = inbox
        inbox.jobs.removeAll(keepingCapacity: true)
        return taken
    }
}

/// Runs `start`, which hands out one completion per index (0..<count) to be called once each, from any thread,
/// and returns the results in index order once all have arrived. Inlinable so that each caller gets a copy for its
/// own result type: unspecialised, every completion looked up the type's metadata.
@inlinable
public func collectResults<Result: Sendable>(
    count: Int, _ start: (_ complete: @escaping @Sendable (_ index: Int, _ result: Result) -> Void) -> Void
) async -> [Result] {
    guard count > 0 else { return [] }
    let collected = Mutex<(results: [Result?], remaining: Int)>((Array(repeating: nil, count: count), count))
    return await withCheckedContinuation { continuation in
        start { index, result in
            let finished = collected.withLock { state -> [Result]? in
                state.results[index] = result
                state.remaining -= 1
                return state.remaining == 0 ? state.results.map { $0! } : nil
            }
            if let finished { continuation.resume(returning: finished) }
        }
    }
}
