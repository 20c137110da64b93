import Foundation

/// What every test target shares: temporary folders, the project's root, the shared development data, polling for a
/// condition, and the environment (CI or not). Nothing here names an absolute path.
public enum TestEnvironment {
    /// `CI=true`: what a test needs must be there; a missing peer or data folder fails the run instead of skipping.
    public static let isCI = ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"
}

/// The checkout's root folder (the one holding Package.swift, intents/ and locales/).
public let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A fresh folder per test, removed when released.
public final class TemporaryFolder: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-test-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// A copy of the project's `intents/` and `locales/` in `catalog/` here, which a test may edit.
    public func catalogCopy() throws -> URL {
        let copy = url.appendingPathComponent("catalog")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        for name in ["intents", "locales"] {
            try FileManager.default.copyItem(
                at: projectRoot.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        return copy
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Development and benchmark data that is not part of the product: `NEUVO_SHARED_DATA`, or `../shared/data` beside
/// the project root.
public enum SharedData {
    /// Where the data is, or should be.
    public static let root: URL = {
        if let override = ProcessInfo.processInfo.environment["NEUVO_SHARED_DATA"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return projectRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }()

    public static var exists: Bool { FileManager.default.fileExists(atPath: root.path) }

    /// Whether tests that need the data run: when it is there, and always in CI, where a missing folder then fails
    /// the test reading it (naming the path) instead of skipping it quietly.
    public static var isAvailable: Bool { exists || TestEnvironment.isCI }

    public static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }
}

/// Checks `condition` every 10 ms until it holds or `timeout` passes; returns whether it held. For work another
/// thread or process finishes; never a fixed sleep.
public func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

public struct TimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// `eventually`, throwing `TimedOut` naming `what` when the condition never holds.
public func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool)
    async throws
{
    guard try await eventually(timeout: timeout, condition) else {
        throw TimedOut(description: "timed out waiting until \(what)")
    }
}
