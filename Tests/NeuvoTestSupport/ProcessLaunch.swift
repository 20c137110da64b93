import Foundation
import Synchronization

/// Child processes are launched one at a time, never while a test opens file descriptors by the thousand.
///
/// Foundation's `Process.run()` on Linux walks the process's open descriptors to close them in the child; a test
/// that opens 2,000 sockets meanwhile (the per-address cap test) made it copy past its buffer and crash the whole
/// test process (signal 11 in `Process.run`, seen once in CI). Launches and such bursts take this one lock.
public enum ProcessLaunch {
    private static let lock = Mutex<Void>(())

    /// `process.run()` under the lock.
    public static func run(_ process: Process) throws {
        try lock.withLock { _ in try process.run() }
    }

    /// `body` (synchronous: it runs on its own thread) with no child process being launched meanwhile.
    public static func excludingLaunches<T>(_ body: () throws -> T) rethrows -> T {
        try lock.withLock { _ in try body() }
    }
}
