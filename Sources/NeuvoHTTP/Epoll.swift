#if canImport(Glibc)
    import Glibc
#endif

/// epoll(7) and eventfd(2), which Swift's Glibc module does not export (no `sys/epoll.h`); looked up once by name,
/// like `accept4`, so that NeuvoHTTP needs no C target.
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

    // struct epoll_event is packed on x86-64 (12 bytes), naturally aligned elsewhere (16 bytes).
    #if arch(x86_64)
        private static let eventSize = 12
        private static let dataOffset = 4
    #else
        private static let eventSize = 16
        private static let dataOffset = 8
    #endif

    init() throws(SocketError) {
        guard let create = epollCreate1, let ctl = epollCtl, epollWait != nil, let makeEventFD = eventFD else {
            throw SocketError("epoll", errno: ENOSYS)
        }
        let descriptor = create(Int32(O_CLOEXEC))
        guard descriptor >= 0 else { throw SocketError("epoll_create1") }
        let wake = makeEventFD(0, Int32(O_CLOEXEC) | Int32(O_NONBLOCK))
        guard wake >= 0 else {
            let error = SocketError("eventfd")
            Glibc.close(descriptor)
            throw error
        }
        var event = Epoll.makeEvent(Epoll.readable, token: Epoll.wakeToken)
        guard ctl(descriptor, 1, wake, &event) == 0 else {  // EPOLL_CTL_ADD
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
        .allocate(byteCount: capacity * eventSize, alignment: 8)
    }

    private static func makeEvent(_ mask: UInt32, token: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: eventSize)
        bytes.withUnsafeMutableBytes {
            $0.storeBytes(of: mask, toByteOffset: 0, as: UInt32.self)
            $0.storeBytes(of: token, toByteOffset: dataOffset, as: UInt64.self)
        }
        return bytes
    }

    /// Watches `socket` for input and output, edge-triggered: one registration for the connection's lifetime,
    /// no `epoll_ctl` per request. The owner reads until EAGAIN (or a short read) and writes until EAGAIN.
    func register(_ socket: Socket, token: UInt64) throws(SocketError) {
        var event = Epoll.makeEvent(
            Epoll.readable | Epoll.writable | Epoll.readHangUp | Epoll.edgeTriggered, token: token)
        guard epollCtl!(descriptor, 1, socket.descriptor, &event) == 0 else { throw SocketError("epoll_ctl") }
    }

    /// Waits up to `milliseconds` (-1: forever) and calls `body` with each ready token and its event mask.
    func wait(
        into events: UnsafeMutableRawBufferPointer, milliseconds: Int32, _ body: (UInt64, UInt32) -> Void
    ) {
        let capacity = events.count / Epoll.eventSize
        let count = epollWait!(descriptor, events.baseAddress, Int32(capacity), milliseconds)
        guard count > 0 else { return }  // 0: timed out; -1: EINTR (nothing else can fail on a valid epoll fd)
        for index in 0..<Int(count) {
            let base = index * Epoll.eventSize
            let mask = events.loadUnaligned(fromByteOffset: base, as: UInt32.self)
            let token = events.loadUnaligned(fromByteOffset: base + Epoll.dataOffset, as: UInt64.self)
            body(token, mask)
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

private typealias EpollCreate1 = @convention(c) (Int32) -> Int32
private typealias EpollCtl = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
private typealias EpollWait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
private typealias EventFD = @convention(c) (UInt32, Int32) -> Int32

private let epollCreate1: EpollCreate1? = dlsym(nil, "epoll_create1").map { unsafeBitCast($0, to: EpollCreate1.self) }
private let epollCtl: EpollCtl? = dlsym(nil, "epoll_ctl").map { unsafeBitCast($0, to: EpollCtl.self) }
private let epollWait: EpollWait? = dlsym(nil, "epoll_wait").map { unsafeBitCast($0, to: EpollWait.self) }
private let eventFD: EventFD? = dlsym(nil, "eventfd").map { unsafeBitCast($0, to: EventFD.self) }
