import CLinux

#if canImport(Glibc)
    import Glibc
#endif

/// A failed system call, with the call's name and `errno`.
public struct SocketError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    init(_ call: String, errno: Int32 = Glibc.errno) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// An IPv4 TCP socket: one thin wrapper per system call and nothing else.
///
/// The descriptor is a plain value; ownership is by convention: the listener belongs to the server, a
/// connection to the event loop it was handed to, which closes it exactly once. Another thread may only call
/// `shutdown` on the listener, which is safe while the owner still holds it open.
struct Socket: Sendable, Equatable {
    let descriptor: Int32

    static func tcp() throws(SocketError) -> Socket {
        // SOCK_CLOEXEC so that a child process (`Process`) never inherits a client connection.
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        return Socket(descriptor: fd)
    }

    func setReuseAddress() throws(SocketError) {
        try setOption(SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)")
    }

    /// Responses go out in one `send`; without this, Nagle plus delayed ACK can stall a pipelined reply by 40 ms.
    func setNoDelay() throws(SocketError) {
        try setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1, "setsockopt(TCP_NODELAY)")
    }

    private func setOption(_ level: Int32, _ name: Int32, _ value: Int32, _ call: String) throws(SocketError) {
        var value = value
        let result = Glibc.setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        guard result == 0 else { throw SocketError(call) }
    }

    func bind(host: String, port: UInt16) throws(SocketError) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian  // htons
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw SocketError("inet_pton", errno: EINVAL) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw SocketError("bind") }
    }

    func listen(backlog: Int32) throws(SocketError) {
        guard Glibc.listen(descriptor, backlog) == 0 else { throw SocketError("listen") }
    }

    /// The locally bound port; how a server started on port 0 learns its port.
    func localPort() throws(SocketError) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw SocketError("getsockname") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Blocks until a client connects; returns the connection (non-blocking, for an event loop) and its
    /// "address:port".
    func accept() throws(SocketError) -> (Socket, String) {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                accept4(descriptor, $0, &length, Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
            }
        }
        guard fd >= 0 else { throw SocketError("accept4") }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        let host =
            inet_ntop(AF_INET, &address.sin_addr, &text, socklen_t(text.count)) != nil
            ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
        return (Socket(descriptor: fd), "\(host):\(UInt16(bigEndian: address.sin_port))")
    }

    /// A non-blocking socket connecting to `address`: connected at once (loopback often is) or in progress, to
    /// be finished when it turns writable (`pendingError` then says how it went).
    static func connectNonBlocking(to address: sockaddr_in) -> Result<(Socket, connected: Bool), SocketError> {
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = Glibc.socket(AF_INET, flags, 0)
        guard fd >= 0 else { return .failure(SocketError("socket")) }
        let socket = Socket(descriptor: fd)
        // A request goes out in one send; Nagle would hold a second segment for the previous one's ACK.
        try? socket.setNoDelay()
        var address = address
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result == 0 { return .success((socket, true)) }
        let code = errno
        guard code == EINPROGRESS || code == EINTR else {
            socket.close()
            return .failure(SocketError("connect", errno: code))
        }
        return .success((socket, false))
    }

    /// The outcome of a non-blocking connect (SO_ERROR): 0 when connected, else its errno.
    func pendingError() -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard Glibc.getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else { return errno }
        return code
    }

    /// One non-blocking `recv`: the count (0 at end of stream), nil if nothing is there yet, -1 on an error.
    func receiveNow(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        while true {
            let count = Glibc.recv(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: return -1
            }
        }
    }

    /// One non-blocking `send`: the count sent, nil if the send buffer is full, -1 on an error (the peer is gone).
    func sendNow(_ bytes: UnsafeRawBufferPointer) -> Int? {
        while true {
            let count = Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: return -1
            }
        }
    }

    /// Wakes the thread blocked in `accept` on the listener (shutdown from another thread); half-closes a
    /// connection before lingering.
    func shutdown(_ how: Int32 = Int32(SHUT_RDWR)) {
        _ = Glibc.shutdown(descriptor, how)
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}

/// accept4 with SOCK_CLOEXEC, so no child process ever inherits a client connection (through the `CLinux` shim:
/// accept4 sits behind _GNU_SOURCE, which Swift's Glibc module does not define).
private func accept4(
    _ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>, _ length: UnsafeMutablePointer<socklen_t>, _ flags: Int32
) -> Int32 {
    neuvo_accept4(fd, address, length, flags)
}

extension ContinuousClock.Instant {
    /// Milliseconds until this instant, for `epoll_wait` and `poll`: never negative, rounded up so we do not spin.
    var millisecondsFromNow: Int32 {
        let remaining = ContinuousClock.now.duration(to: self)
        if remaining <= .zero { return 0 }
        let (seconds, attoseconds) = remaining.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: milliseconds)
    }
}
