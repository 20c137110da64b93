import CCurl
import Dispatch
import Foundation
import Synchronization

/// libcurl's global state is set up once per process, before the first handle exists.
enum CurlGlobal {
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
}

/// One easy handle, owned by one worker thread for its whole life (an `OpaquePointer`-like C handle is not
/// `Sendable`). Kept across transfers so libcurl can reuse connections, DNS results and TLS sessions.
final class CurlHandle {
    let raw: UnsafeMutableRawPointer
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    /// The buffers of the latest transfer stay alive here, so no callback pointer held by libcurl can dangle.
    var state = TransferState()
    /// The string lists of the latest transfer, freed by `reset()`.
    var lists: [UnsafeMutablePointer<curl_slist>] = []

    init?() {
        guard CurlGlobal.initialized, let handle = curl_easy_init() else { return nil }
        raw = handle
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }
}

/// A few dedicated threads that run blocking libcurl transfers, so they never occupy Swift's cooperative pool.
/// Jobs wait in one shared queue and go to whichever thread is free; `run` suspends the caller on a continuation.
final class CurlWorkerPool: Sendable {
    typealias Job = @Sendable (CurlHandle?) -> Void

    private final class Queue: Sendable {
        let pending = Mutex<(jobs: [Job], head: Int)>(([], 0))
        let available = DispatchSemaphore(value: 0)

        func push(_ job: @escaping Job) {
            pending.withLock { $0.jobs.append(job) }
            available.signal()
        }

        /// Blocks until a job arrives; nil once the pool is gone.
        func pop() -> Job? {
            available.wait()
            return pending.withLock { state -> Job? in
                guard state.head < state.jobs.count else { return nil }
                let job = state.jobs[state.head]
                state.head += 1
                if state.head > 64 && state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
        }

        /// Wakes every thread with no job to take, which makes it exit.
        func close(threads: Int) {
            for _ in 0..<threads { available.signal() }
        }
    }

    private let queue = Queue()
    private let threadCount: Int

    init(threads: Int, name: String) {
        threadCount = max(1, threads)
        for index in 0..<threadCount {
            let queue = self.queue
            let thread = Thread {
                // A handle that cannot be created is reported to each job rather than crashing the process.
                let handle = CurlHandle()
                while let job = queue.pop() { job(handle) }
            }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    // Every `run` keeps the pool alive while it waits, so no job is pending here; the threads drain and exit.
    deinit { queue.close(threads: threadCount) }

    func run<T: Sendable>(_ work: @escaping @Sendable (CurlHandle?) -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.push { handle in continuation.resume(returning: work(handle)) }
        }
    }
}
