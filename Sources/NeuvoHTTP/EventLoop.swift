import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What other threads (the acceptor, the server, handler tasks) tell an event loop.
enum LoopMessage: Sendable {
    /// A new connection to serve, already non-blocking; `countedAddress` is the key of the per-address count.
    case serve(Socket, id: Int, remoteAddress: String, countedAddress: String?)
    /// A connection over a cap: answer 503 and close.
    case reject(Socket, id: Int, remoteAddress: String, reason: String)
    /// A handler task finished the request of connection `id`.
    case completed(id: Int, response: HTTPResponse, context: RequestContext)
    /// The next chunk of connection `id`'s streamed response.
    case chunk(id: Int, bytes: [UInt8])
    /// Connection `id`'s streamed response is complete.
    case streamEnded(id: Int)
    /// The body policy's check of connection `id`'s head finished: nil lets the body be read.
    case admitted(id: Int, refusal: HTTPError?)
    /// Graceful shutdown: close idle connections now, the others after their response.
    case drain
    /// End of the grace period: cancel handlers and close everything.
    case forceClose
    /// Close everything and end the thread.
    case stop
}

/// One event-loop thread: epoll over its non-blocking connections, and a `TaskExecutor`, so that a handler task
/// started with this loop as its executor preference runs on the loop thread itself. A handler that does not
/// suspend (or only awaits default actors) then costs no thread hop at all; one that awaits something running
/// elsewhere (the database's queue) comes back here through `enqueue`, which wakes the loop with its eventfd.
///
/// This object is the part other threads may touch: the inbox of jobs and messages. The connections, their
/// buffers and deadlines belong to `LoopRunner`, which only the loop thread ever sees.
final class EventLoop: TaskExecutor, Sendable {
    enum Item: Sendable {
        case job(UnownedJob)
        case message(LoopMessage)
    }

    private struct Inbox: Sendable {
        var items: [Item] = []
        /// The loop is (about to be) blocked in `epoll_wait`: the next submitter writes the eventfd.
        var sleeping = false
        /// The thread has ended: jobs go to the global executor instead.
        var stopped = false
    }

    let epoll: Epoll
    /// Accounts for a connection that a stopped loop could not take (its socket is already closed).
    private let discarded: @Sendable (_ rejected: Bool, _ countedAddress: String?) -> Void
    private let inbox = Mutex(Inbox())

    init(discarded: @escaping @Sendable (_ rejected: Bool, _ countedAddress: String?) -> Void) throws(SocketError) {
        self.discarded = discarded
        epoll = try Epoll()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        submit(.job(UnownedJob(job)))
    }

    func post(_ message: LoopMessage) {
        submit(.message(message))
    }

    private func submit(_ item: Item) {
        let refused = inbox.withLock { inbox -> Item? in
            if inbox.stopped { return item }
            inbox.items.append(item)
            if inbox.sleeping {
                inbox.sleeping = false
                // Under the lock, so it never races the descriptor's close after `stop`.
                epoll.wake()
            }
            return nil
        }
        guard let refused else { return }
        switch refused {
        // A task that outlived the server (a handler past its grace period) still gets to run, elsewhere.
        case .job(let job): globalConcurrentExecutor.enqueue(job)
        case .message(let message): discard(message)
        }
    }

    /// A message that reached a stopped loop: a socket in it is closed and accounted for.
    func discard(_ message: LoopMessage) {
        switch message {
        case .serve(let socket, _, _, let countedAddress):
            socket.close()
            discarded(false, countedAddress)
        case .reject(let socket, _, _, _):
            socket.close()
            discarded(true, nil)
        default:
            break
        }
    }

    /// Before `epoll_wait`: true if the loop may block (nothing is queued), and from now on submitters wake it.
    func prepareToSleep() -> Bool {
        inbox.withLock { inbox in
            inbox.sleeping = inbox.items.isEmpty
            return inbox.sleeping
        }
    }

    /// Takes everything queued (swapping buffers, so their capacity is reused) and marks the loop awake.
    func take(into items: inout [Item]) {
        inbox.withLock { inbox in
            inbox.sleeping = false
            swap(&inbox.items, &items)
        }
    }

    /// After the loop ended: later submissions are refused; returns what was still queued.
    func markStopped() -> [Item] {
        inbox.withLock { inbox in
            inbox.stopped = true
            inbox.sleeping = false
            defer { inbox.items = [] }
            return inbox.items
        }
    }
}

/// The loop thread's own state: its connections, a shared read buffer and the nearest deadline.
final class LoopRunner {
    let loop: EventLoop
    let server: HTTPServer
    let configuration: HTTPServerConfiguration
    let pipeline: HTTPPipeline
    private(set) var draining = false
    /// Every connection reads into this one buffer and copies what it got into its parser.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    private let events = Epoll.allocateEvents(capacity: 256)
    private var connections: [Int: HTTPConnection] = [:]
    private var pending: [EventLoop.Item] = []
    /// No connection's deadline is earlier than this (it may be stale-early, which only costs a sweep).
    private var nearestDeadline: ContinuousClock.Instant?
    private var stopping = false

    init(loop: EventLoop, server: HTTPServer) {
        self.loop = loop
        self.server = server
        self.configuration = server.configuration
        self.pipeline = server.pipeline
    }

    deinit {
        readBuffer.deallocate()
        events.deallocate()
    }

    func run() {
        let epoll = loop.epoll
        while !stopping {
            var timeout: Int32 = -1
            if let nearestDeadline { timeout = nearestDeadline.millisecondsFromNow }
            if !loop.prepareToSleep() { timeout = 0 }
            epoll.wait(into: events, milliseconds: timeout) { token, mask in
                if token == Epoll.wakeToken {
                    epoll.acknowledgeWake()
                } else {
                    connections[Int(truncatingIfNeeded: token)]?.handle(events: mask)
                }
            }
            runQueued()
            if let nearestDeadline, nearestDeadline <= .now { sweep() }
        }
        for connection in Array(connections.values) { connection.forceClose() }
        for item in loop.markStopped() {
            switch item {
            case .job(let job): globalConcurrentExecutor.enqueue(job)
            case .message(let message): loop.discard(message)
            }
        }
        epoll.close()
    }

    /// Runs queued jobs and messages until none are left; handlers that finish without suspending post their
    /// completion here, so a whole request is served in one call. Bounded, so that a handler that keeps yielding
    /// cannot starve the sockets: what is left waits for the next turn, after an `epoll_wait` that does not block.
    private func runQueued() {
        for _ in 0..<16 {
            loop.take(into: &pending)
            if pending.isEmpty { return }
            for item in pending {
                switch item {
                case .job(let job): job.runSynchronously(on: loop.asUnownedTaskExecutor())
                case .message(let message): handle(message)
                }
            }
            pending.removeAll(keepingCapacity: true)
        }
    }

    private func handle(_ message: LoopMessage) {
        switch message {
        case .serve(let socket, let id, let remoteAddress, let countedAddress):
            open(socket, id: id, remoteAddress: remoteAddress, countedAddress: countedAddress, rejection: nil)
        case .reject(let socket, let id, let remoteAddress, let reason):
            open(socket, id: id, remoteAddress: remoteAddress, countedAddress: nil, rejection: reason)
        case .completed(let id, let response, let context):
            connections[id]?.completed(response: response, context: context)
        case .admitted(let id, let refusal):
            connections[id]?.admitted(refusal: refusal)
        case .chunk(let id, let bytes):
            connections[id]?.streamed(bytes)
        case .streamEnded(let id):
            connections[id]?.streamEnded()
        case .drain:
            draining = true
            for connection in Array(connections.values) { connection.drain() }
        case .forceClose:
            draining = true
            for connection in Array(connections.values) { connection.forceClose() }
        case .stop:
            stopping = true
        }
    }

    private func open(
        _ socket: Socket, id: Int, remoteAddress: String, countedAddress: String?, rejection: String?
    ) {
        do {
            try loop.epoll.register(socket, token: UInt64(id))
        } catch {
            socket.close()
            server.connectionClosed(rejected: rejection != nil, address: countedAddress)
            return
        }
        let connection = HTTPConnection(
            id: id, socket: socket, remoteAddress: remoteAddress, countedAddress: countedAddress,
            rejection: rejection, runner: self)
        connections[id] = connection
        connection.start()
    }

    // MARK: For connections

    func removed(_ connection: HTTPConnection) {
        connections.removeValue(forKey: connection.id)
        server.connectionClosed(rejected: connection.rejected, address: connection.countedAddress)
    }

    func note(deadline: ContinuousClock.Instant) {
        if let nearestDeadline, nearestDeadline <= deadline { return }
        nearestDeadline = deadline
    }

    /// Expires what is due and finds the next deadline: O(connections), but only when a deadline may be due.
    private func sweep() {
        let now = ContinuousClock.now
        nearestDeadline = nil
        for connection in Array(connections.values) {
            guard let deadline = connection.deadline else { continue }
            if deadline <= now {
                connection.expire()
            } else {
                note(deadline: deadline)
            }
        }
    }
}
