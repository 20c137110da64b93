import Foundation
import NeuvoTestSupport
import Synchronization

@testable import NeuvoHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// Runs blocking socket code on its own thread: test tasks run on the cooperative pool, which has only as many
/// threads as cores, and the server's handlers need that pool too.
func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// A one-shot signal between a handler and a test, awaited rather than slept on.
final class Signal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLock { state in
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state in
                if !state.fired { state.waiters.append(continuation) }
                return state.fired
            }
            if fired { continuation.resume() }
        }
    }
}

struct RawResponse: Sendable {
    let status: Int
    let headers: [String: String]  // lowercased names
    let body: String

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

struct TestSocketError: Error, CustomStringConvertible {
    let description: String
}

/// A plain TCP client that writes exactly the bytes a test gives it.
final class RawClient: Sendable {
    let fd: Int32
    private let pending = Mutex<[UInt8]>([])

    private init(fd: Int32) { self.fd = fd }

    deinit { Glibc.close(fd) }

    /// To `::1`, the IPv6 loopback.
    static func connectIPv6(port: Int) throws -> RawClient {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = UInt16(port).bigEndian
        address.sin6_addr = in6addr_loopback
        return try connect(family: AF_INET6, to: &address)
    }

    /// To 127.0.0.1.
    static func connect(port: Int) throws -> RawClient {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return try connect(family: AF_INET, to: &address)
    }

    /// To 127.0.0.1 from `source`, another loopback address (127.0.0.2): a second client address on one machine.
    static func connect(port: Int, from source: String) throws -> RawClient {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        return try connect(family: AF_INET, to: &address, from: local)
    }

    private static func connect<Address>(
        family: Int32, to address: inout Address, from source: sockaddr_in? = nil
    ) throws -> RawClient {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSocketError(description: "socket") }
        if var source {
            let bound = withUnsafePointer(to: &source) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                Glibc.close(fd)
                throw TestSocketError(description: "bind: errno \(errno)")
            }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw TestSocketError(description: "connect: errno \(errno)")
        }
        return RawClient(fd: fd)
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw TestSocketError(description: "send: errno \(errno)") }
            offset += sent
        }
    }

    /// Reads some bytes within `deadline`; nil on timeout, empty on EOF.
    private func receive(until deadline: ContinuousClock.Instant) -> [UInt8]? {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, deadline.millisecondsFromNow) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(buffer[..<count]) : []
    }

    /// Everything the server sends until it closes; `closed` is false if `timeout` passed first.
    func readUntilClosed(timeout: Duration = .seconds(60)) async -> (text: String, closed: Bool) {
        await onThread {
            let deadline = ContinuousClock.now + timeout
            var bytes = self.pending.withLock { pending in
                defer { pending = [] }
                return pending
            }
            while true {
                guard let chunk = self.receive(until: deadline) else {
                    return (String(decoding: bytes, as: UTF8.self), false)
                }
                if chunk.isEmpty { return (String(decoding: bytes, as: UTF8.self), true) }
                bytes += chunk
            }
        }
    }

    /// Everything received until the bytes so far contain `marker` (true), or the server closed or `timeout` passed
    /// (false). Reads on from where the last call stopped.
    func readUntil(_ marker: String, timeout: Duration = .seconds(30)) async -> (text: String, found: Bool) {
        await onThread {
            let deadline = ContinuousClock.now + timeout
            var bytes = self.pending.withLock { pending in
                defer { pending = [] }
                return pending
            }
            while !String(decoding: bytes, as: UTF8.self).contains(marker) {
                guard let chunk = self.receive(until: deadline), !chunk.isEmpty else {
                    return (String(decoding: bytes, as: UTF8.self), false)
                }
                bytes += chunk
            }
            return (String(decoding: bytes, as: UTF8.self), true)
        }
    }

    /// The next response, framed by Content-Length (our server always sends one).
    func readResponse(timeout: Duration = .seconds(60), headOnly: Bool = false) async throws -> RawResponse {
        try await onThread { self.readResponseBlocking(timeout: timeout, headOnly: headOnly) }.get()
    }

    /// `readResponse` on the calling thread, for code that must not leave it (see `ProcessLaunch`).
    func readResponseBlocking(timeout: Duration = .seconds(60), headOnly: Bool = false) -> Result<
        RawResponse, TestSocketError
    > {
        let deadline = ContinuousClock.now + timeout
        var bytes = pending.withLock { $0 }
        while true {
            if let (response, used) = Self.parse(bytes, headOnly: headOnly) {
                pending.withLock { $0 = Array(bytes[used...]) }
                return .success(response)
            }
            guard let chunk = receive(until: deadline) else {
                return .failure(
                    TestSocketError(description: "timed out; got \(String(decoding: bytes, as: UTF8.self))"))
            }
            if chunk.isEmpty {
                return .failure(TestSocketError(description: "closed; got \(String(decoding: bytes, as: UTF8.self))"))
            }
            bytes += chunk
        }
    }

    private static func parse(_ bytes: [UInt8], headOnly: Bool) -> (RawResponse, Int)? {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else {
            return nil
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = headOnly || status == 100 ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        guard bytes.count >= end + 4 + length else { return nil }
        let body = String(decoding: bytes[(end + 4)..<(end + 4 + length)], as: UTF8.self)
        return (RawResponse(status: status, headers: headers, body: body), end + 4 + length)
    }
}

/// Starts a server on an ephemeral port for one test and always shuts it down.
func withServer<T>(
    _ configuration: HTTPServerConfiguration = HTTPServerConfiguration(), responder: any HTTPResponder,
    _ body: (HTTPServer, Int) async throws -> T
) async throws -> T {
    let server = HTTPServer(configuration: configuration, handler: responder)
    let port = try await server.start()
    do {
        let result = try await body(server, port)
        await server.shutdown(gracePeriod: .seconds(1))
        return result
    } catch {
        await server.shutdown(gracePeriod: .seconds(1))
        throw error
    }
}

/// A configuration on 127.0.0.1, port 0, with `change` applied.
func configured(_ change: (inout HTTPServerConfiguration) -> Void) -> HTTPServerConfiguration {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
    change(&configuration)
    return configuration
}
