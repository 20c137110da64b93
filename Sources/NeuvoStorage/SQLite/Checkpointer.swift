import CSQLite
import Dispatch
import Foundation
import Synchronization

/// Copies the write-ahead log back into the database file on its own connection and thread.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, on the writer's thread, and
/// ends with an `fdatasync` of the database file: every read and write queued behind that commit waits for the
/// disk (it was the tail of the chat latency). Here the writer's commit only signals (`sqlite3_wal_hook`), and a
/// PASSIVE checkpoint runs on a second connection, which never blocks the writer or readers; the writer restarts
/// the log from its beginning on its next transaction once everything was copied.
final class Checkpointer: @unchecked Sendable {
    /// Pages in the log that start a checkpoint (SQLite's own default threshold).
    static let thresholdPages: Int32 = 1000
    /// Under writes without a pause the background checkpoint may never catch up with the end of the log, and the
    /// log only restarts once everything in it was copied: past this many pages the writer copies the rest itself
    /// (little, since the background did most of it) after waiting for a background checkpoint in progress: the log
    /// stays near 16 MB, and only writes faster than the disk are slowed.
    static let writerLimitPages: Int32 = 4000
    /// After a failed checkpoint (a full disk), the next attempt waits this long.
    static let retryAfterFailure: Duration = .seconds(1)

    private let queue = DispatchQueue(label: "neuvo.database.checkpoint", qos: .utility)
    /// Touched only on `queue`.
    private var connection: Connection?
    private struct State {
        var scheduled = false
        var closed = false
        var lastFailure: ContinuousClock.Instant?
        var completed = 0
        var failed = 0
        /// Pages in the log after the writer's last commit.
        var logPages = 0
    }
    private let state = Mutex(State())
    /// The checkpoint itself; a test gives one that fails.
    private let checkpoint: @Sendable (Connection) throws -> Void

    /// PASSIVE: copies what it can without waiting for the writer or readers; a later round copies the rest.
    static let passive: @Sendable (Connection) throws -> Void = {
        try $0.executeScript("PRAGMA wal_checkpoint(PASSIVE)")
    }

    /// Opens the second connection; nil when the file cannot be opened twice (the writer then keeps SQLite's
    /// automatic checkpoint).
    init?(
        path: String, busyTimeoutMilliseconds: Int32,
        checkpoint: @escaping @Sendable (Connection) throws -> Void = Checkpointer.passive
    ) {
        guard let connection = try? Connection(path: path, create: false) else { return nil }
        connection.setBusyTimeout(milliseconds: busyTimeoutMilliseconds)
        self.connection = connection
        self.checkpoint = checkpoint
    }

    /// Replaces the writer's automatic checkpoint with this one. The hook holds an unretained reference: the
    /// `Database` keeps this object as long as the writer's connection (a hook runs only inside a commit, and no
    /// commit runs once the `Database` is gone), and removes the hook when it closes (`detach`).
    func attach(to writer: Connection) {
        sqlite3_wal_hook(
            writer.handle,
            { context, handle, _, pages in
                guard let context else { return SQLITE_OK }
                let checkpointer = Unmanaged<Checkpointer>.fromOpaque(context).takeUnretainedValue()
                checkpointer.state.withLock { $0.logPages = Int(pages) }
                if pages >= Checkpointer.writerLimitPages {
                    // Backpressure: wait for a background checkpoint in progress (it holds the checkpoint lock),
                    // then copy the rest, so that the next transaction restarts the log.
                    checkpointer.queue.sync {}
                    sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
                } else if pages >= Checkpointer.thresholdPages {
                    checkpointer.schedule()
                }
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Removes the hook, waits for a checkpoint in progress and closes the second connection, so that the
    /// writer's connection, closed last, checkpoints everything and removes the log.
    func detach(from writer: Connection) {
        sqlite3_wal_hook(writer.handle, nil, nil)
        state.withLock { $0.closed = true }
        queue.sync { connection = nil }
    }

    /// Checkpoints run and failed so far (for tests and diagnostics).
    var counts: (completed: Int, failed: Int) { state.withLock { ($0.completed, $0.failed) } }

    /// Pages in the log after the writer's last commit.
    var logPages: Int { state.withLock { $0.logPages } }

    func schedule() {
        let delay: Duration? = state.withLock { state in
            guard !state.scheduled, !state.closed else { return nil }
            state.scheduled = true
            guard let failure = state.lastFailure else { return .zero }
            let wait = Self.retryAfterFailure - failure.duration(to: .now)
            return max(.zero, wait)
        }
        guard let delay else { return }
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { self.run() }
    }

    /// Runs on `queue`.
    private func run() {
        var succeeded = false
        if let connection { succeeded = (try? checkpoint(connection)) != nil }
        state.withLock { state in
            state.scheduled = false
            if succeeded {
                state.completed += 1
                state.lastFailure = nil
            } else {
                state.failed += 1
                state.lastFailure = .now
            }
        }
    }
}
