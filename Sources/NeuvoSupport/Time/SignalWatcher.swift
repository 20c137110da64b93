import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a handler when the process receives a signal (SIGHUP to reload, SIGTERM to shut down), on a
/// dispatch queue instead of inside the signal handler, where almost nothing is safe to do.
public final class SignalWatcher: @unchecked Sendable {  // the source is only touched in init and deinit
    private let source: any DispatchSourceSignal

    public init(signal number: Int32, queue: DispatchQueue = .global(), handler: @escaping @Sendable () -> Void) {
        // The default action of SIGHUP and SIGTERM is to end the process; ignore it so the source sees them.
        signal(number, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: number, queue: queue)
        source.setEventHandler(handler: handler)
        source.resume()
    }

    deinit {
        source.cancel()
    }
}
