import Dispatch
import Foundation
import NeuvoNotifications
import NeuvoStorage
import Synchronization

/// The notices desk's summary, computed on a read-only connection of its own and kept for every operator's poll.
///
/// The summary reads every notice, so it must not run on the database's own queue (the dispatcher's narrowest part
/// waits behind it) nor on an event loop: it runs on a queue of its own over a `DatabaseReader`, which in WAL mode
/// neither blocks nor waits for the writer. One computation serves every operator until the outbox changes, and while
/// a campaign keeps changing it, a new one starts at most every four times the last one took, so the desk never
/// takes more than a fifth of a core however large the outbox. An operator's own retry shows at once (`invalidate`).
final class NoticeDeskSummary: Sendable {
    struct Computed: Sendable {
        let version: Int64
        let body: [UInt8]
        let finishedAt: ContinuousClock.Instant
        let took: Duration
    }

    private let database: Database
    private let queue = DispatchQueue(label: "neuvo.notices-desk")
    private let state = Mutex<(reader: DatabaseReader?, computed: Computed?, invalid: Bool)>((nil, nil, false))

    init(database: Database) {
        self.database = database
    }

    static func etag(_ version: Int64) -> String { "\"outbox-\(version)\"" }

    /// One per database (the server has one; each test its own), made on first use.
    private static let byDatabase = Mutex<[String: NoticeDeskSummary]>([:])

    static func of(_ database: Database) -> NoticeDeskSummary {
        byDatabase.withLock { all in
            if let found = all[database.path] { return found }
            let made = NoticeDeskSummary(database: database)
            all[database.path] = made
            return made
        }
    }

    /// The next poll computes afresh (an operator changed the outbox from the desk).
    func invalidate() {
        state.withLock { $0.invalid = true }
    }

    /// The summary for an outbox at `version`: the kept one when it is of that version, or when a newer one may not
    /// be computed yet; otherwise a new one, from `compute` on the reader's connection.
    func summary(version: Int64, compute: @escaping @Sendable (Connection) throws -> [UInt8]) async throws -> Computed {
        if let kept = kept(for: version) { return kept }
        if database.path == ":memory:" || database.path.hasPrefix("file::memory:") {
            // A reader of an in-memory database would be a copy frozen when it was made.
            let body = try await database.read { connection in try compute(connection) }
            return Computed(version: version, body: body, finishedAt: .now, took: .zero)
        }
        let reader = try await reader()
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(
                    with: Result { try self.computeNow(version: version, reader: reader, compute: compute) })
            }
        }
    }

    /// The desk's read-only connection, made once.
    private func reader() async throws -> DatabaseReader {
        if let reader = state.withLock({ $0.reader }) { return reader }
        let made = try await database.makeReader()
        return state.withLock { state in
            if let reader = state.reader { return reader }
            state.reader = made
            return made
        }
    }

    private func kept(for version: Int64) -> Computed? {
        state.withLock { state in
            guard let computed = state.computed, !state.invalid else { return nil }
            if computed.version >= version { return computed }
            return ContinuousClock.now < computed.finishedAt + computed.took * 4 ? computed : nil
        }
    }

    /// On the desk's queue: one computation at a time, and a request that waited behind one that is recent enough
    /// takes its result.
    private func computeNow(version: Int64, reader: DatabaseReader, compute: (Connection) throws -> [UInt8]) throws
        -> Computed
    {
        if let kept = kept(for: version) { return kept }
        let started = ContinuousClock.now
        let (read, body) = try reader.read { connection in
            (try NoticeStore.deskVersion(in: connection), try compute(connection))
        }
        let finished = ContinuousClock.now
        let computed = Computed(version: read, body: body, finishedAt: finished, took: finished - started)
        state.withLock {
            $0.computed = computed
            $0.invalid = false
        }
        return computed
    }
}
