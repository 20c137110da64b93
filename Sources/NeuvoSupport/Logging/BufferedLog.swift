import Foundation
import Synchronization

/// Log lines taken off the caller's path: `append` only queues the record (one uncontended lock), and a thread of
/// its own formats, redacts and writes what has queued, in one write per batch, every `interval` or sooner when
/// `batch` records wait. For the access log, which had halved the rate of a cheap route when each request
/// formatted and wrote its own line under the sink's lock. `flush` (graceful stop) writes everything queued before
/// it returns, so no line is lost; at most `maxPending` records wait, beyond which new ones are counted and
/// reported as dropped rather than growing memory without bound.
public final class BufferedLog: Sendable {
    struct Record: Sendable {
        let level: LogLevel
        let event: String
        let metadata: [(String, LogValue)]
        let date: Date
    }

    private struct Queue {
        var records: [Record] = []
        var dropped = 0
        var stopped = false
    }

    public let logger: Logger
    private let maxPending: Int
    private let batch: Int
    private let queue = Mutex(Queue())
    /// Held while a batch is written, so the thread and `flush` keep lines in order.
    private let writing = Mutex(())
    private let wake = DispatchSemaphore(value: 0)

    public init(logger: Logger, interval: Duration = .milliseconds(50), batch: Int = 512, maxPending: Int = 100_000) {
        self.logger = logger
        self.maxPending = maxPending
        self.batch = batch
        let milliseconds = Int(
            interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)
        let thread = Thread { [self] in
            while true {
                _ = wake.wait(timeout: .now() + .milliseconds(max(1, milliseconds)))
                if queue.withLock({ $0.stopped }) { return }
                writeQueued()
            }
        }
        thread.name = "log-writer"
        thread.start()
    }

    /// Whether a record at `level` would be written at all (check before building its metadata).
    public func accepts(_ level: LogLevel) -> Bool { level >= logger.sink.minimumLevel }

    public func append(_ level: LogLevel, _ event: String, _ metadata: [(String, LogValue)], date: Date = Date()) {
        guard accepts(level) else { return }
        let count = queue.withLock { queue -> Int in
            guard queue.records.count < maxPending else {
                queue.dropped += 1
                return 0
            }
            queue.records.append(Record(level: level, event: event, metadata: metadata, date: date))
            return queue.records.count
        }
        if count == batch { wake.signal() }
    }

    /// Writes everything queued now, on the caller's thread.
    public func flush() {
        writeQueued()
    }

    /// Writes what is queued and ends the writer thread.
    public func close() {
        writeQueued()
        queue.withLock { $0.stopped = true }
        wake.signal()
    }

    private func writeQueued() {
        writing.withLock { _ in
            var (records, dropped) = queue.withLock { queue -> ([Record], Int) in
                defer {
                    queue.records = []
                    queue.dropped = 0
                }
                return (queue.records, queue.dropped)
            }
            if dropped > 0 {
                records.append(
                    Record(level: .warning, event: "log.dropped", metadata: [("lines", .int(dropped))], date: Date()))
                dropped = 0
            }
            guard !records.isEmpty else { return }
            logger.sink.emitBatch(
                records.map {
                    (level: $0.level, label: logger.label, event: $0.event, metadata: $0.metadata, date: $0.date)
                })
        }
    }
}
