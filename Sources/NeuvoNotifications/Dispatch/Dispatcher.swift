import Foundation
import NeuvoArrangements
import NeuvoCore
import NeuvoStorage
import NeuvoSupport
import Synchronization

/// How hard the dispatcher pushes each channel.
public struct DispatcherSettings: Sendable {
    /// Notices a claim takes at once: each batch costs two transactions whatever its size (measurements:
    /// docs/BENCHMARKS.md, "Why the code is the way it is").
    public var batchSize = 500
    /// Batches claimed and sending at once: rendering and recording one overlaps with sending the others.
    public var batchesInFlight = 3
    public var concurrency: [ChannelKind: Int] = [
        .email: DispatchDefaults.emailConcurrency, .sms: DispatchDefaults.smsConcurrency,
    ]
    /// Average sends per second per channel (a token bucket), so a recovering provider gets no request storm.
    public var ratePerSecond: [ChannelKind: Double] = [
        .email: DispatchDefaults.emailRate, .sms: DispatchDefaults.smsRate,
    ]
    /// How long a claimed notice stays ours before another dispatcher may take it over.
    public var lease: TimeInterval = DispatchDefaults.leaseSeconds
    public var retry = RetryPolicy()
    /// How often a running dispatcher looks for due notices when nothing wakes it.
    public var pollInterval: TimeInterval = 1
    /// Results are journaled as they come (`NoticeStore.journal`), once this many wait or `recordInterval` passed
    /// (one write at a time), and recorded with the whole batch: a crash then resends little more than what was in
    /// flight (a provider that does not deduplicate on webhook-id would text a resident twice).
    public var recordEvery = 64
    public var recordInterval: TimeInterval = 0.1

    public init() {}
}

/// What one `runUntilIdle` did.
public struct DispatchSummary: Sendable, Hashable {
    public var attempted = 0
    public var sent = 0
    public var temporaryFailures = 0
    public var permanentFailures = 0
    public var dead = 0

    mutating func add(_ other: DispatchSummary) {
        attempted += other.attempted
        sent += other.sent
        temporaryFailures += other.temporaryFailures
        permanentFailures += other.permanentFailures
        dead += other.dead
    }

    mutating func add(_ results: [AttemptResult]) {
        attempted += results.count
        for result in results {
            switch result.nextStatus {
            case .sent: sent += 1
            case .temporaryFailure: temporaryFailures += 1
            case .permanentFailure: permanentFailures += 1
            case .dead: dead += 1
            default: break
            }
        }
    }
}

/// Claims due notices from the outbox, renders them, sends them through the channels with per-channel
/// concurrency and rate limits, and records every attempt and transition.
public final class Dispatcher: Sendable {
    let store: NoticeStore
    let channels: [ChannelKind: any NotificationChannel]
    let renderer: @Sendable () -> NoticeRenderer
    /// Signs each notice's links as it is sent, from this process's public base URL.
    let links: ResidentLinkSigner
    let settings: DispatcherSettings
    let clock: any WallClock
    let logger: Logger?
    let limiters: [ChannelKind: RateLimiter]

    /// `renderer` is asked for each batch, so a reloaded set of locale texts is used without a restart.
    public init(
        store: NoticeStore, channels: [ChannelKind: any NotificationChannel],
        renderer: @escaping @Sendable () -> NoticeRenderer, links: ResidentLinkSigner,
        settings: DispatcherSettings = DispatcherSettings(), clock: any WallClock = SystemClock(), logger: Logger? = nil
    ) {
        self.store = store
        self.channels = channels
        self.renderer = renderer
        self.links = links
        self.settings = settings
        self.clock = clock
        self.logger = logger
        var limiters: [ChannelKind: RateLimiter] = [:]
        for kind in channels.keys { limiters[kind] = RateLimiter(ratePerSecond: settings.ratePerSecond[kind] ?? 100) }
        self.limiters = limiters
    }

    /// Delivers everything due now, then returns (notices scheduled later, by quiet hours or backoff, stay queued).
    /// Channels drain side by side.
    @discardableResult
    public func runUntilIdle() async throws -> DispatchSummary {
        try await withThrowingTaskGroup(of: DispatchSummary.self) { group in
            for kind in ChannelKind.allCases where channels[kind] != nil {
                group.addTask { try await self.drain(kind) }
            }
            var total = DispatchSummary()
            for try await part in group { total.add(part) }
            return total
        }
    }

    /// Runs until the task is cancelled (SIGTERM in `neuvo serve`), sleeping until the next notice is due.
    public func run() async throws {
        while !Task.isCancelled {
            // One failed round (a locked or full database) must not end dispatching for the life of the process:
            // log it, wait, try again. Claimed notices keep their lease and are taken over when it runs out.
            do {
                try await runUntilIdle()
            } catch {
                logger?.error("dispatcher.round_failed", ["error": .string("\(error)")])
                try? await Task.sleep(for: .seconds(settings.pollInterval * 5))
                continue
            }
            var wait = settings.pollInterval
            for kind in channels.keys {
                if let next = try await store.nextDueTime(channel: kind) {
                    wait = min(wait, max(0.01, next.timeIntervalSince(clock.now())))
                }
            }
            try? await Task.sleep(for: .seconds(wait))
        }
    }

    /// Claims, sends and records batches of one channel until none is due. Up to `batchesInFlight` batches are
    /// claimed and handed to the channel at once (each starts as the one before frees its places, so the network
    /// never waits for the database or for rendering), and each is recorded, oldest first, once its results are in.
    /// A batch in flight when this throws stays `sending` under its lease and is resent after it.
    func drain(_ kind: ChannelKind) async throws -> DispatchSummary {
        guard let channel = channels[kind] else { return DispatchSummary() }
        var summary = DispatchSummary()
        var inFlight: [Task<(all: [AttemptResult], finished: ProgressRecorder.Finished), Never>] = []
        var exhausted = false
        var claim: NoticeStore.Claim?
        while true {
            while !exhausted && inFlight.count < max(1, settings.batchesInFlight) {
                let next: NoticeStore.Claim
                if let pending = claim {
                    next = pending
                    claim = nil
                } else {
                    next = try await store.claim(
                        channel: kind, limit: settings.batchSize, now: clock.now(), lease: settings.lease)
                }
                guard !next.notices.isEmpty else {
                    exhausted = true
                    break
                }
                let renderer = renderer()
                let recorder = ProgressRecorder(
                    store: store, every: settings.recordEvery, interval: settings.recordInterval, logger: logger)
                inFlight.append(
                    Task {
                        let results = await self.send(
                            next.notices, recipients: next.recipients, channel: channel, renderer: renderer,
                            seqs: next.seqs, recorder: recorder)
                        return (results, await recorder.finish())
                    })
            }
            guard !inFlight.isEmpty else { return summary }
            let (all, finished) = await inFlight.removeFirst().value
            summary.add(all)
            let results = finished.results
            if exhausted {
                try await store.record(results, clearingJournal: finished.journaled)
                // Claim again after a full round: a drained outbox ends at the first empty claim.
                if inFlight.isEmpty { exhausted = false }
            } else {
                // The next batch is claimed in the transaction that records this one. Should that transaction
                // fail, the results are still recorded on their own if they can be (the claim is what may have
                // failed), and the round ends as before.
                do {
                    claim = try await store.recordAndClaim(
                        results, clearingJournal: finished.journaled, channel: kind, limit: settings.batchSize,
                        now: clock.now(), lease: settings.lease)
                } catch {
                    try await store.record(results, clearingJournal: finished.journaled)
                    throw error
                }
            }
        }
    }

    /// Sends one batch with the channel's concurrency and rate limit: a batch channel takes it whole and paces it
    /// itself; any other channel gets a task per notice, `concurrency` at a time, through the shared rate limiter.
    func send(
        _ claimed: [Notice], recipients: [String: NoticeStore.Recipient], channel: any NotificationChannel,
        renderer: NoticeRenderer, seqs: [String: Int64] = [:], recorder: ProgressRecorder? = nil
    ) async -> [AttemptResult] {
        if let batchChannel = channel as? any BatchNotificationChannel {
            return await sendBatch(
                claimed, recipients: recipients, channel: batchChannel, renderer: renderer, seqs: seqs,
                recorder: recorder)
        }
        let limiter = limiters[channel.kind]!
        let width = max(1, settings.concurrency[channel.kind] ?? 4)
        var results: [AttemptResult] = []
        results.reserveCapacity(claimed.count)
        await withTaskGroup(of: AttemptResult.self) { group in
            var iterator = claimed.makeIterator()
            func launch() -> Bool {
                guard let notice = iterator.next() else { return false }
                let recipient = recipients[notice.residentID]
                group.addTask { [self] in
                    await limiter.acquire()
                    return await attempt(notice, recipient: recipient, channel: channel, renderer: renderer)
                }
                return true
            }
            for _ in 0..<width where launch() {}
            while var result = await group.next() {
                result.seq = seqs[result.noticeID]
                results.append(result)
                recorder?.add(result)
                _ = launch()
            }
        }
        return results
    }

    func sendBatch(
        _ claimed: [Notice], recipients: [String: NoticeStore.Recipient], channel: any BatchNotificationChannel,
        renderer: NoticeRenderer, seqs: [String: Int64] = [:], recorder: ProgressRecorder? = nil
    ) async -> [AttemptResult] {
        let started = clock.now()
        var outcomes: [DeliveryOutcome?] = []
        var messages: [OutgoingMessage] = []
        var positions: [Int] = []
        outcomes.reserveCapacity(claimed.count)
        for (index, notice) in claimed.enumerated() {
            switch message(for: notice, recipient: recipients[notice.residentID], renderer: renderer) {
            case .success(let message):
                outcomes.append(nil)
                messages.append(message)
                positions.append(index)
            case .failure(let refusal):
                outcomes.append(refusal.outcome)
            }
        }
        // Each send's result goes to the recorder as it comes; the batch's list is built from the same results.
        let reported = Mutex<[Int: AttemptResult]>([:])
        for (index, outcome) in outcomes.enumerated() {
            guard let outcome else { continue }
            var refused = result(
                of: claimed[index], outcome: outcome, recipient: recipients[claimed[index].residentID],
                started: started, finished: started)
            refused.seq = seqs[refused.noticeID]
            reported.withLock { $0[index] = refused }
            recorder?.add(refused)
        }
        let batchPositions = positions
        _ = await channel.send(
            messages, ratePerSecond: settings.ratePerSecond[channel.kind],
            concurrency: settings.concurrency[channel.kind]
        ) { [self] message, outcome in
            let index = batchPositions[message]
            let notice = claimed[index]
            var attempt = result(
                of: notice, outcome: outcome, recipient: recipients[notice.residentID], started: started,
                finished: clock.now())
            attempt.seq = seqs[notice.id]
            reported.withLock { $0[index] = attempt }
            recorder?.add(attempt)
        }
        let all = reported.withLock { $0 }
        return claimed.indices.map { all[$0]! }
    }

    func attempt(
        _ notice: Notice, recipient: NoticeStore.Recipient?, channel: any NotificationChannel, renderer: NoticeRenderer
    ) async -> AttemptResult {
        let started = clock.now()
        let outcome: DeliveryOutcome
        switch message(for: notice, recipient: recipient, renderer: renderer) {
        case .success(let message): outcome = await channel.send(message)
        case .failure(let refusal): outcome = refusal.outcome
        }
        return result(of: notice, outcome: outcome, recipient: recipient, started: started, finished: clock.now())
    }

    struct Refusal: Error {
        let outcome: DeliveryOutcome
    }

    /// The rendered message for a claimed notice, or why it cannot be sent (a permanent failure).
    func message(for notice: Notice, recipient: NoticeStore.Recipient?, renderer: NoticeRenderer) -> Result<
        OutgoingMessage, Refusal
    > {
        // A notice about a contact change goes to the address it was changed from (stored with it), never to the
        // new one: that is how a resident learns of a change they did not make.
        let current: String? =
            switch notice.channel {
            case .email: recipient?.email
            case .sms: recipient?.phone
            }
        let address =
            notice.templateID == NoticeTemplate.contactChanged.rawValue
            ? notice.personalisation[NoticeTemplate.previousAddressKey] : current
        guard let address else {
            return .failure(
                Refusal(
                    outcome: .permanentFailure(
                        reason: "the resident has no \(notice.channel.rawValue) address any more")))
        }
        guard let template = NoticeTemplate(rawValue: notice.templateID) else {
            return .failure(Refusal(outcome: .permanentFailure(reason: "unknown template \(notice.templateID)")))
        }
        // Links stored by an older version are replaced: they are signed here, by the process that sends.
        var values = notice.personalisation
        NoticePlanner.addLinks(
            to: &values, for: template, residentID: notice.residentID, arrangementID: notice.arrangementID,
            noticeID: notice.id, now: clock.now(), links: links)
        do {
            let rendered = try renderer.render(
                template, channel: notice.channel, locale: notice.locale, values: values)
            return .success(
                OutgoingMessage(
                    noticeID: notice.id, idempotencyKey: notice.idempotencyKey, recipient: address,
                    subject: rendered.subject, textBody: rendered.text, htmlBody: rendered.html, locale: notice.locale,
                    listUnsubscribe: values["unsubscribe"],
                    smsSegments: rendered.segments))
        } catch {
            return .failure(Refusal(outcome: .permanentFailure(reason: "cannot render: \(error)")))
        }
    }

    /// What an attempt's outcome means for the notice: the next status, when to retry, what to record.
    func result(
        of notice: Notice, outcome: DeliveryOutcome, recipient: NoticeStore.Recipient?, started: Date, finished: Date
    ) -> AttemptResult {
        let attemptNumber = notice.attempts + 1
        // Jitter only matters for a retry; drawing it for every accepted send cost a getrandom call each.
        let jitter: Double
        if case .temporaryFailure = outcome { jitter = Double.random(in: 0..<1) } else { jitter = 0 }
        let decision = settings.retry.decide(
            outcome, attempt: attemptNumber, createdAt: notice.createdAt, now: finished, random: jitter)
        var next = decision.nextAttemptAt
        // A retry that would land in the resident's quiet hours waits until they end.
        if let scheduled = next, !notice.urgent, let recipient {
            next = QuietHoursCalendar(timeZone: recipient.timeZone).nextAllowed(
                scheduled, start: recipient.quietStart, end: recipient.quietEnd)
        }
        let (name, detail, providerID): (String, String?, String?) =
            switch outcome {
            case .accepted(let id): ("accepted", id, id)
            case .temporaryFailure(let reason, _): ("temporary_failure", reason, nil)
            case .permanentFailure(let reason): ("permanent_failure", reason, nil)
            }
        if decision.status != .sent {
            logger?.warning(
                "notice.attempt_failed",
                [
                    "notice": .string(notice.id), "channel": .string(notice.channel.rawValue), "outcome": .string(name),
                    "attempt": .int(attemptNumber), "detail": .string(detail ?? ""),
                ])
        }
        return AttemptResult(
            noticeID: notice.id, attempt: attemptNumber, channel: notice.channel, startedAt: started,
            finishedAt: finished,
            outcomeName: name, detail: detail, nextStatus: decision.status, reason: decision.reason,
            nextAttemptAt: next,
            providerMessageID: providerID)
    }
}

/// Journals a batch's results while the batch is still sending (`NoticeStore.journal`): once `every` results wait or
/// `interval` passed since the last write, one write at a time (results that come during a write wait for the
/// next, so under load the writes grow instead of queueing). When the batch is done, every result, journaled or
/// not, is the caller's to record (with the next claim), clearing the journal's rows in the same transaction. A
/// write that fails leaves its results unjournaled: they are recorded with the batch all the same.
final class ProgressRecorder: Sendable {
    /// What the batch's record takes: all its results, and whether any has a journal row to clear.
    struct Finished: Sendable {
        let results: [AttemptResult]
        let journaled: Bool
    }

    private struct State {
        var pending: [AttemptResult] = []
        var journaled: [AttemptResult] = []
        var writing = false
        var lastWrite = ContinuousClock.now
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// The writer waiting out `interval` for more results: woken early by `every` results or by `finish`.
        var sleeper: CheckedContinuation<Void, Never>?
    }

    let store: NoticeStore
    let every: Int
    let interval: Duration
    let logger: Logger?
    private let state = Mutex(State())

    init(store: NoticeStore, every: Int, interval: TimeInterval, logger: Logger?) {
        self.store = store
        self.every = max(1, every)
        self.interval = .milliseconds(Int(max(0, interval) * 1000))
        self.logger = logger
    }

    func add(_ result: AttemptResult) {
        let (batch, sleeper) = state.withLock { state -> ([AttemptResult]?, CheckedContinuation<Void, Never>?) in
            state.pending.append(result)
            if state.writing {
                guard state.pending.count >= every, let sleeper = state.sleeper else { return (nil, nil) }
                state.sleeper = nil
                return (nil, sleeper)
            }
            guard state.pending.count >= every || ContinuousClock.now - state.lastWrite >= interval else {
                return (nil, nil)
            }
            state.writing = true
            defer { state.pending = [] }
            return (state.pending, nil)
        }
        sleeper?.resume()
        if let batch { Task { await write(batch) } }
    }

    /// Ends the writer's wait for more results, if it waits.
    private func wake() {
        state.withLock { state in
            defer { state.sleeper = nil }
            return state.sleeper
        }?.resume()
    }

    /// Writes `batch`, then keeps writing what came meanwhile (at once when `every` wait, else after `interval`)
    /// until nothing waits or the batch is finishing.
    private func write(_ batch: [AttemptResult]) async {
        var batch = batch
        while true {
            var failed: [AttemptResult] = []
            do {
                try await store.journal(batch)
            } catch {
                logger?.warning("dispatcher.progress_record_failed", ["error": .string("\(error)")])
                failed = batch
            }
            enum Next {
                case done([CheckedContinuation<Void, Never>])
                case now([AttemptResult])
                case later
            }
            let next = state.withLock { state -> Next in
                if failed.isEmpty { state.journaled += batch }
                state.pending = failed + state.pending
                state.lastWrite = .now
                if !state.waiters.isEmpty {
                    // The batch is finishing: what is left is the caller's, and no write starts again.
                    defer { state.waiters = [] }
                    return .done(state.waiters)
                }
                if !failed.isEmpty || state.pending.isEmpty {
                    state.writing = false
                    return .done([])
                }
                if state.pending.count >= every {
                    defer { state.pending = [] }
                    return .now(state.pending)
                }
                return .later
            }
            switch next {
            case .done(let waiters):
                for waiter in waiters { waiter.resume() }
                return
            case .now(let more):
                batch = more
            case .later:
                // Waits for `every` results, `interval`, or the batch's end, whichever comes first: a plain sleep
                // here held `finish` (and so the next claim) for up to `interval` at the end of every batch, and
                // the provider's connections sat idle meanwhile.
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { state -> Bool in
                        guard state.waiters.isEmpty, state.pending.count < every else { return true }
                        state.sleeper = continuation
                        return false
                    }
                    if now {
                        continuation.resume()
                    } else {
                        Task { [interval] in
                            try? await Task.sleep(for: interval)
                            self.wake()
                        }
                    }
                }
                let taken = state.withLock { state -> [AttemptResult]? in
                    guard state.waiters.isEmpty else { return nil }
                    defer { state.pending = [] }
                    return state.pending
                }
                guard let taken else {
                    let waiters = state.withLock { state in
                        defer { state.waiters = [] }
                        return state.waiters
                    }
                    for waiter in waiters { waiter.resume() }
                    return
                }
                batch = taken
            }
        }
    }

    /// Waits for a write under way, then hands over every result (no further writes start).
    func finish() async -> Finished {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (ready, sleeper) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                if state.writing {
                    state.waiters.append(continuation)
                    defer { state.sleeper = nil }
                    return (false, state.sleeper)
                }
                state.writing = true  // no write starts after this
                return (true, nil)
            }
            sleeper?.resume()
            if ready { continuation.resume() }
        }
        return state.withLock { state in
            state.writing = true
            defer {
                state.pending = []
                state.journaled = []
            }
            return Finished(results: state.journaled + state.pending, journaled: !state.journaled.isEmpty)
        }
    }
}
