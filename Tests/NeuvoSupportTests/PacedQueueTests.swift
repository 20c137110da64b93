import Foundation
import Testing

@testable import NeuvoSupport

@Suite("Paced queue of transfers")
struct PacedQueueTests {
    func submissions(_ jobs: [Int], rate: Double? = nil, concurrency: Int? = nil) -> PacedSubmissions<Int> {
        var submissions = PacedSubmissions<Int>()
        submissions.jobs = jobs
        submissions.ratePerSecond = rate
        submissions.concurrency = concurrency
        return submissions
    }

    func started(_ next: PacedQueue<Int>.Next) -> Int? {
        if case .start(let job) = next { return job }
        return nil
    }

    @Test func jobsStartInOrderWithinTheConcurrency() {
        var queue = PacedQueue<Int>(maxConcurrent: 8)
        var input = submissions(Array(0..<5), concurrency: 2)
        let closed = queue.take(from: &input)
        #expect(!closed)
        #expect(input.jobs.isEmpty)
        #expect(queue.concurrency == 2)
        #expect(started(queue.next(running: 0)) == 0)
        #expect(started(queue.next(running: 1)) == 1)
        guard case .none = queue.next(running: 2) else { return #expect(Bool(false), "a third at once") }
        #expect(started(queue.next(running: 1)) == 2)
        // A later submission's concurrency applies, but never above the maximum.
        var more = submissions([5], concurrency: 100)
        _ = queue.take(from: &more)
        #expect(queue.concurrency == 8)
        #expect((0..<3).compactMap { _ in started(queue.next(running: 0)) } == [3, 4, 5])
        #expect(queue.isEmpty)
    }

    @Test func theRateHoldsJobsBackAndSaysForHowLong() {
        var queue = PacedQueue<Int>(maxConcurrent: 4)
        var input = submissions(Array(0..<10), rate: 10)  // bursts of one, then one every 100 ms
        _ = queue.take(from: &input)
        let now = ContinuousClock.now
        #expect(started(queue.next(running: 0, now: now)) == 0)
        guard case .wait(let wait) = queue.next(running: 0, now: now) else {
            return #expect(Bool(false), "the second job was not held back")
        }
        #expect(wait > .milliseconds(50) && wait <= .milliseconds(100))
        #expect(started(queue.next(running: 0, now: now + .milliseconds(100))) == 1)
    }

    @Test func closingIsReportedAndThousandsOfJobsKeepTheirOrder() {
        var queue = PacedQueue<Int>(maxConcurrent: 1)
        var input = submissions(Array(0..<3000))
        _ = queue.take(from: &input)
        var seen: [Int] = []
        while let job = started(queue.next(running: 0)) {
            seen.append(job)
            if job == 2000 {
                var more = submissions([3000])
                more.closed = true
                let closed = queue.take(from: &more)
                #expect(closed)
            }
        }
        #expect(seen == Array(0...3000))
    }

    @Test func resultsComeBackInIndexOrderWhateverOrderTheyArriveIn() async {
        let results = await collectResults(count: 50) { (complete: @escaping @Sendable (Int, String) -> Void) in
            for index in (0..<50).reversed() {
                Thread { complete(index, "r\(index)") }.start()
            }
        }
        #expect(results == (0..<50).map { "r\($0)" })
        #expect(await collectResults(count: 0) { (_: @escaping @Sendable (Int, Int) -> Void) in } == [])
    }
}
