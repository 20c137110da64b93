import Foundation
import Glibc

/// The Python test peers (an SMTP sink, a Standard Webhooks receiver) in Tests/NeuvoNotificationsTests/Peers,
/// started as real processes on 127.0.0.1.
public enum Peers {
    public static let pipLine = "python3 -m pip install aiosmtpd standardwebhooks"
    public static let folder = projectRoot.appendingPathComponent("Tests/NeuvoNotificationsTests/Peers")

    public static let hasSMTP = pythonCanImport("aiosmtpd")
    public static let hasWebhooks = pythonCanImport("standardwebhooks")

    /// The real OpenID provider (django-oidc-provider) in Tests/Peers/oidc.
    public static let oidcPipLine = "python3 -m pip install django django-oidc-provider"
    public static let oidcFolder = projectRoot.appendingPathComponent("Tests/Peers/oidc")
    public static let hasOIDC = pythonCanImport("django") && pythonCanImport("oidc_provider")
    public static var oidcAvailable: Bool { hasOIDC || TestEnvironment.isCI }

    /// Whether the tests that need a peer run: when its module is installed, and always in CI, where a missing one
    /// fails the tests naming the pip line (`PeerProcess.start`) instead of skipping 28 of them quietly.
    public static var smtpAvailable: Bool { hasSMTP || TestEnvironment.isCI }
    public static var webhooksAvailable: Bool { hasWebhooks || TestEnvironment.isCI }

    private static func pythonCanImport(_ module: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import \(module)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? ProcessLaunch.run(process)) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

public struct PeerError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}

/// A peer subprocess, terminated when released.
public final class PeerProcess {
    public let port: UInt16
    private let process: Process

    private init(port: UInt16, process: Process) {
        self.port = port
        self.process = process
    }

    /// Starts `script` on a free port and waits until the port accepts connections. A port taken between choosing
    /// and binding makes the peer exit, so a few ports are tried. A peer whose Python module is missing fails at
    /// once, naming what to install.
    public static func start(
        _ script: String, folder: TemporaryFolder, in scripts: URL = Peers.folder, timeout: Duration = .seconds(20),
        arguments: (UInt16) -> [String]
    ) async throws -> PeerProcess {
        let needs =
            scripts == Peers.oidcFolder ? Peers.hasOIDC : script.contains("smtp") ? Peers.hasSMTP : Peers.hasWebhooks
        guard needs else {
            let pip = scripts == Peers.oidcFolder ? Peers.oidcPipLine : Peers.pipLine
            throw PeerError(description: "the Python test peers are missing (\(script)); run: \(pip)")
        }
        let errors = folder.url.appendingPathComponent("\(script).stderr")
        for _ in 0..<3 {
            let port = try Network.freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", scripts.appendingPathComponent(script).path] + arguments(port)
            _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errors)
            process.standardOutput = FileHandle.nullDevice
            try ProcessLaunch.run(process)
            let peer = PeerProcess(port: port, process: process)
            if await eventually(timeout: timeout, { Network.isOpen(port) || !process.isRunning }),
                process.isRunning
            {
                return peer
            }
        }
        let log = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        throw PeerError(description: "\(script) did not start: \(log)")
    }

    /// SIGKILL, not SIGTERM: a child spawned from a Swift concurrency thread inherits that thread's blocked signal
    /// mask, so SIGTERM may stay pending forever. The peers keep nothing that needs a clean shutdown.
    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}

public enum Network {
    private static func loopback(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// A port nobody listens on right now (also used as a "connection refused" target).
    public static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PeerError(description: "socket failed") }
        defer { Glibc.close(fd) }
        var address = loopback(0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw PeerError(description: "bind failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    public static func isOpen(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var address = loopback(port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
