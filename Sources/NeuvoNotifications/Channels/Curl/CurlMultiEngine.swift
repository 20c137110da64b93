import CCurl
import Foundation
import NeuvoSupport
import Synchronization

/// Many transfers at once on one dedicated thread, through libcurl's multi interface: the transfers share one
/// connection cache (kept-alive connections to the provider are reused by whichever transfer comes next), and a
/// campaign costs one thread and a `poll` per wake-up instead of a thread per concurrent request and a context
/// switch per notice.
///
/// Jobs are started in the order they were submitted, at most `maxConcurrent` at a time and no faster than the
/// token bucket of the latest submission allows (the dispatcher's per-channel rate: a recovering provider gets no
/// request storm). Each job's completion is called on the engine's thread; keep it short.
final class CurlMultiEngine: Sendable {
    struct Job: Sendable {
        let options: [CurlOption]
        let upload: [UInt8]?
        let completion: @Sendable (CurlResponse) -> Void
    }

    /// What the submitting tasks and the engine's thread share: the inbox, and the multi handle, of which only
    /// `curl_multi_wakeup` is called from other threads (the one multi call libcurl allows from any thread).
    private final class Shared: @unchecked Sendable {
        let inbox = Mutex(PacedSubmissions<Job>())
        let multi: UnsafeMutableRawPointer?

        init() { multi = CurlGlobal.initialized ? curl_multi_init() : nil }

        func wakeUp() { if let multi { _ = curl_multi_wakeup(multi) } }
    }

    private let shared = Shared()
    let maxConcurrent: Int

    init(maxConcurrent: Int, name: String) {
        self.maxConcurrent = max(1, maxConcurrent)
        guard shared.multi != nil else { return }  // `submit` fails every job instead
        let thread = Thread { [shared, maxConcurrent = self.maxConcurrent] in
            var loop = EngineLoop(shared: shared, maxConcurrent: maxConcurrent)
            loop.run()
        }
        thread.name = name
        thread.start()
    }

    // The loop holds `shared`, not the engine: closing lets it finish what is queued, then it exits.
    deinit {
        shared.inbox.withLock { $0.closed = true }
        shared.wakeUp()
    }

    /// Queues jobs; `ratePerSecond` (nil: unlimited) and `concurrency` (nil: `maxConcurrent`, never more) apply
    /// from now on.
    func submit(_ jobs: [Job], ratePerSecond: Double?, concurrency: Int? = nil) {
        guard shared.multi != nil else {
            for job in jobs { job.completion(EngineLoop.failure("libcurl could not create a multi handle")) }
            return
        }
        shared.inbox.withLock {
            $0.jobs.append(contentsOf: jobs)
            $0.ratePerSecond = ratePerSecond
            $0.concurrency = concurrency
        }
        shared.wakeUp()
    }

    /// Runs transfers and suspends until every one has finished; the responses are in the order of `transfers`.
    /// `each` hears of every response as its transfer finishes (on the engine's thread), so a caller can record
    /// what a provider accepted before the whole batch is done.
    func perform(
        _ transfers: [(options: [CurlOption], upload: [UInt8]?)], ratePerSecond: Double?, concurrency: Int? = nil,
        each: @escaping @Sendable (Int, CurlResponse) -> Void = { _, _ in }
    ) async -> [CurlResponse] {
        await collectResults(count: transfers.count) { complete in
            let jobs = transfers.enumerated().map { index, transfer in
                Job(options: transfer.options, upload: transfer.upload) { response in
                    each(index, response)
                    complete(index, response)
                }
            }
            submit(jobs, ratePerSecond: ratePerSecond, concurrency: concurrency)
        }
    }

    /// The engine thread's state; never leaves that thread.
    private struct EngineLoop {
        let shared: Shared
        var queue: PacedQueue<Job>
        var active: [UnsafeMutableRawPointer: (handle: CurlHandle, job: Job)] = [:]
        var idle: [CurlHandle] = []

        init(shared: Shared, maxConcurrent: Int) {
            self.shared = shared
            queue = PacedQueue(maxConcurrent: maxConcurrent)
        }

        mutating func run() {
            guard let handle = shared.multi else { return }
            // Connections are kept for reuse: one per concurrent transfer to the provider.
            _ = neuvo_curl_multi_setopt_long(handle, CURLMOPT_MAX_HOST_CONNECTIONS, queue.maxConcurrent)
            _ = neuvo_curl_multi_setopt_long(handle, CURLMOPT_MAXCONNECTS, queue.maxConcurrent)
            defer { curl_multi_cleanup(handle) }
            while true {
                let closed = takeInbox()
                if closed && queue.isEmpty && active.isEmpty { break }
                let wait = startWaitingJobs(handle)
                var running: Int32 = 0
                _ = curl_multi_perform(handle, &running)
                // Finished transfers free places: start the next jobs before sleeping.
                if finishDoneTransfers(handle) > 0 && !queue.isEmpty { continue }
                // Sleep until a socket is ready, a job arrives (wake-up), the next token is due, or a second passes.
                _ = curl_multi_poll(handle, nil, 0, wait.map(Self.milliseconds) ?? 1000, nil)
            }
            for (_, transfer) in active { transfer.handle.reset() }
        }

        /// Moves submitted jobs into the queue; true once the engine is closed.
        mutating func takeInbox() -> Bool {
            var submissions = takeSubmissions(shared.inbox)
            return queue.take(from: &submissions)
        }

        /// Starts what the concurrency and the rate allow; returns how long until the next token, if that is
        /// what holds a job back.
        mutating func startWaitingJobs(_ multiHandle: UnsafeMutableRawPointer) -> Duration? {
            while true {
                let job: Job
                switch queue.next(running: active.count) {
                case .start(let next): job = next
                case .wait(let wait): return wait
                case .none: return nil
                }
                guard let easy = idle.popLast() ?? CurlHandle() else {
                    job.completion(Self.failure("libcurl could not create a handle"))
                    continue
                }
                if let refused = easy.configure(job.options, upload: job.upload) {
                    easy.reset()
                    idle.append(easy)
                    job.completion(refused)
                    continue
                }
                let code = curl_multi_add_handle(multiHandle, easy.raw)
                guard code == CURLM_OK else {
                    easy.reset()
                    idle.append(easy)
                    job.completion(
                        Self.failure("libcurl refused the transfer: \(String(cString: curl_multi_strerror(code)))"))
                    continue
                }
                active[easy.raw] = (easy, job)
            }
            return nil
        }

        /// Completes what libcurl finished; returns how many.
        mutating func finishDoneTransfers(_ multiHandle: UnsafeMutableRawPointer) -> Int {
            var finished = 0
            var left: Int32 = 0
            while let message = curl_multi_info_read(multiHandle, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easyRaw = message.pointee.easy_handle,
                    let transfer = active.removeValue(forKey: easyRaw)
                else { continue }
                let result = message.pointee.data.result
                _ = curl_multi_remove_handle(multiHandle, easyRaw)
                let response = transfer.handle.response(for: result)
                transfer.handle.reset()
                idle.append(transfer.handle)
                transfer.job.completion(response)
                finished += 1
            }
            return finished
        }

        /// At least 1 ms (0 would spin), at most a second.
        static func milliseconds(_ duration: Duration) -> Int32 {
            let (seconds, attoseconds) = duration.components
            return Int32(max(1, min(1000, seconds * 1000 + attoseconds / 1_000_000_000_000_000)))
        }

        static func failure(_ message: String) -> CurlResponse {
            CurlResponse(result: CURLE_FAILED_INIT, error: message, responseCode: 0, headerLines: [], body: [])
        }
    }
}
