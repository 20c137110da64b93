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

/// A TCP socket (IPv4 or IPv6): one thin wrapper per system call and nothing else.
///
/// The descriptor is a plain value; ownership is by convention: the listener belongs to the server, a
/// connection to the event loop it was handed to, which closes it exactly once. Another thread may only call
/// `shutdown` on the listener, which is safe while the owner still holds it open.
struct Socket: Sendable, Equatable {
    let descriptor: Int32

    static func tcp(family: Int32 = AF_INET) throws(SocketError) -> Socket {
        // SOCK_CLOEXEC so that a child process (`Process`) never inherits a client connection.
        let fd = Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        return Socket(descriptor: fd)
    }

    /// A socket bound to `host`: an IPv4 or IPv6 literal (`[::1]` too) or a host name such as `localhost`, resolved
    /// with getaddrinfo. The first address that binds wins, IPv4 first (every client of `localhost` tries it).
    static func bound(host: String, port: UInt16) throws(SocketError) -> Socket {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, String(port), &hints, &list)
        guard status == 0, let list else {
            throw SocketError("getaddrinfo(\(host)): \(String(cString: gai_strerror(status)))", errno: EINVAL)
        }
        defer { freeaddrinfo(list) }
        var candidates: [UnsafeMutablePointer<addrinfo>] = []
        var next: UnsafeMutablePointer<addrinfo>? = list
        while let entry = next {
            candidates.append(entry)
            next = entry.pointee.ai_next
        }
        candidates.sort { ($0.pointee.ai_family == AF_INET ? 0 : 1) < ($1.pointee.ai_family == AF_INET ? 0 : 1) }
        var failure = SocketError("bind", errno: EADDRNOTAVAIL)
        for entry in candidates {
            let socket: Socket
            do {
                socket = try tcp(family: entry.pointee.ai_family)
                try socket.setReuseAddress()
            } catch {
                failure = error
                continue
            }
            if Glibc.bind(socket.descriptor, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 { return socket }
            failure = SocketError("bind")
            socket.close()
        }
        throw failure
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
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw SocketError("getsockname") }
        return Self.describe(&address).port
    }

    /// Blocks until a client connects; returns the connection (non-blocking, for an event loop) and its
    /// "address:port" (`[address]:port` for IPv6).
    func accept() throws(SocketError) -> (Socket, String) {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                accept4(descriptor, $0, &length, Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
            }
        }
        guard fd >= 0 else { throw SocketError("accept4") }
        let (host, port) = Self.describe(&address)
        return (Socket(descriptor: fd), host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
    }

    /// The address and port of an IPv4 or IPv6 socket address.
    static func describe(_ storage: inout sockaddr_storage) -> (host: String, port: Int) {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        return withUnsafeMutablePointer(to: &storage) { pointer in
            if Int32(pointer.pointee.ss_family) == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    let host =
                        inet_ntop(AF_INET6, &address.pointee.sin6_addr, &text, socklen_t(text.count)) != nil
                        ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
                    return (host, Int(UInt16(bigEndian: address.pointee.sin6_port)))
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                let host =
                    inet_ntop(AF_INET, &address.pointee.sin_addr, &text, socklen_t(text.count)) != nil
                    ? String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
                return (host, Int(UInt16(bigEndian: address.pointee.sin_port)))
            }
        }
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
