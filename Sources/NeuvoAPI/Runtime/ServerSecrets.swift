import Foundation
import NeuvoCrypto
import NeuvoSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The server's secret, never inside the database: `links.secret` (`NEUVO_LINKS_SECRET`), or `secret.key` beside
/// the database, created with mode 0600 on first run. A copy or backup of the database therefore forges nothing.
///
/// Rotation: the new secret becomes current (the first line of `secret.key`, or `links.secret`) and the old one
/// previous (the second line, or `links.previous_secret`) for one link lifetime; links and identity hashes made
/// under the previous one keep verifying meanwhile (identity hashes are rewritten under the new key as residents
/// identify).
public struct ServerSecrets: Sendable {
    public let current: [UInt8]
    public let previous: [UInt8]?

    public init(current: [UInt8], previous: [UInt8]? = nil) {
        self.current = current
        self.previous = previous
    }

    /// One key per purpose, derived (HMAC-SHA256 of the purpose under the secret), so a key of one kind never
    /// verifies another kind.
    func derived(_ purpose: String) -> [[UInt8]] {
        ([current] + (previous.map { [$0] } ?? [])).map { HMAC.authenticationCode(for: Array(purpose.utf8), key: $0) }
    }

    /// Signs and verifies notice links (current first).
    public var linkKeys: [[UInt8]] { derived("neuvo links v2") }
    /// Keys the hash of national identity numbers (current first).
    public var identityKeys: [[UInt8]] { derived("neuvo identity v1") }

    /// `secret.key` in the database's folder.
    public static func keyFile(forDatabase path: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("secret.key").path
    }

    /// From the configuration, else from the key file (created when missing).
    public static func load(_ configuration: Configuration) throws -> ServerSecrets {
        if let configured = configuration.linkSigningSecret {
            return ServerSecrets(
                current: Array(configured.utf8), previous: configuration.linkPreviousSecret.map { Array($0.utf8) })
        }
        return try fromKeyFile(keyFile(forDatabase: configuration.databasePath))
    }

    /// Reads `path` (lines of hex: current, then previous), or creates it with a fresh 256-bit secret. A file that
    /// others can read is refused rather than used.
    public static func fromKeyFile(_ path: String) throws -> ServerSecrets {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            let line = Hex.encode(SecureRandom.bytes(32)) + "\n"
            let written = line.withCString { write(fd, $0, strlen($0)) }
            let synced = fsync(fd)
            close(fd)
            guard written == line.utf8.count, synced == 0 else {
                unlink(path)
                throw RuntimeFailure(.io, "cannot write the secret key file \(path)")
            }
        } else if errno != EEXIST {
            throw RuntimeFailure(
                .io, "cannot create the secret key file \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw RuntimeFailure(.io, "cannot read the secret key file \(path)") }
        guard info.st_mode & 0o077 == 0 else {
            throw RuntimeFailure(
                .configuration, "the secret key file \(path) can be read by others; run chmod 600 \(path)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RuntimeFailure(.io, "cannot read the secret key file \(path)")
        }
        let keys = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.map { Hex.decode($0) }
        guard let first = keys.first, let current = first, current.count >= 16, keys.count <= 2,
            keys.allSatisfy({ $0 != nil })
        else {
            throw RuntimeFailure(
                .configuration,
                "the secret key file \(path) must hold one or two lines of hex (at least 32 digits): current, previous")
        }
        return ServerSecrets(current: current, previous: keys.count == 2 ? keys[1] : nil)
    }
}
