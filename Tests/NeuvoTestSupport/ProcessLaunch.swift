import Foundation
import Synchronization

/// Child processes are launched one at a time, never while a test holds file descriptors by the thousand.
///
/// Foundation's `Process.run()` on Linux lists the process's open descriptors to close each one in the child
/// (`3 ... findMaximumOpenFD()`); while a test held 2,000 sockets, a launch crashed the whole test process in
/// libc's copy with descriptor 1361 in hand (signal 11, twice in CI). A test that opens such a burst does its whole
/// work inside `excludingLaunches`, on its own thread, and closes every descriptor before it returns.
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
