import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// epoll(7) and eventfd(2) through the `CLinux` shim (Swift's Glibc module does not export them).
///
/// Descriptors only, so the value can be shared: the owning loop thread registers and waits, any thread may `wake`.
/// The owner closes it once, after the last `wake` can have happened.
struct Epoll: Sendable {
    let descriptor: Int32
    /// An eventfd registered for reading: another thread writes it to end `wait` early.
    let wakeDescriptor: Int32

    /// The event token of `wakeDescriptor`; connection tokens are positive ids.
    static let wakeToken: UInt64 = 0

    static let readable: UInt32 = 0x001  // EPOLLIN
    static let writable: UInt32 = 0x004  // EPOLLOUT
    static let error: UInt32 = 0x008  // EPOLLERR
    static let hangUp: UInt32 = 0x010  // EPOLLHUP
    static let readHangUp: UInt32 = 0x2000  // EPOLLRDHUP
    static let edgeTriggered: UInt32 = 1 << 31  // EPOLLET

    init() throws(SocketError) {
        let descriptor = neuvo_epoll_create()
        guard descriptor >= 0 else { throw SocketError("epoll_create1") }
        let wake = neuvo_eventfd()
        guard wake >= 0 else {
            let error = SocketError("eventfd")
            Glibc.close(descriptor)
            throw error
        }
        guard neuvo_epoll_add(descriptor, wake, Epoll.readable, Epoll.wakeToken) == 0 else {
            let error = SocketError("epoll_ctl")
            Glibc.close(wake)
            Glibc.close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        self.wakeDescriptor = wake
    }

    func close() {
        Glibc.close(wakeDescriptor)
        Glibc.close(descriptor)
    }

    /// Room for `capacity` events, owned by the thread that waits.
    static func allocateEvents(capacity: Int) -> UnsafeMutableRawBufferPointer {
        .allocate(byteCount: capacity * neuvo_epoll_event_size(), alignment: 16)
    }

    /// Watches `socket` for input and output, edge-triggered: one registration for the connection's lifetime,
    /// no `epoll_ctl` per request. The owner reads until EAGAIN (or a short read) and writes until EAGAIN.
    func register(_ socket: Socket, token: UInt64) throws(SocketError) {
        let mask = Epoll.readable | Epoll.writable | Epoll.readHangUp | Epoll.edgeTriggered
        guard neuvo_epoll_add(descriptor, socket.descriptor, mask, token) == 0 else { throw SocketError("epoll_ctl") }
    }

    /// Waits up to `milliseconds` (-1: forever) and calls `body` with each ready token and its event mask.
    func wait(
        into events: UnsafeMutableRawBufferPointer, milliseconds: Int32, _ body: (UInt64, UInt32) -> Void
    ) {
        let capacity = Int32(events.count / neuvo_epoll_event_size())
        let count = neuvo_epoll_wait(descriptor, events.baseAddress, capacity, milliseconds)
        guard count > 0 else { return }  // 0: timed out; -1: EINTR (nothing else can fail on a valid epoll fd)
        for index in 0..<count {
            body(neuvo_epoll_event_token(events.baseAddress, index), neuvo_epoll_event_mask(events.baseAddress, index))
        }
    }

    /// Ends a `wait` in progress or the next one; callable from any thread while the loop runs.
    func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeDescriptor, &one, 8)
    }

    /// Resets the wake-up counter after `wait` reported `wakeToken`.
    func acknowledgeWake() {
        var value: UInt64 = 0
        _ = Glibc.read(wakeDescriptor, &value, 8)
    }
}
