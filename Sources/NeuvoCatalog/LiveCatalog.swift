import Foundation
import NeuvoLanguage
import Synchronization

/// The catalog a running chat or server answers from. A reload builds and validates a whole new snapshot
/// off to the side, then swaps it in at once; a broken set is refused and the previous one keeps serving.
/// Conversations are not dropped: they keep their state in the database, not in the catalog.
public final class LiveCatalog: Sendable {
    private let current: Mutex<Catalog>
    public let root: URL
    private let options: IntentClassifierOptions

    public init(_ catalog: Catalog, options: IntentClassifierOptions = .init()) {
        current = Mutex(catalog)
        root = catalog.root
        self.options = options
    }

    /// The snapshot to use for one message; later reloads do not change it under the caller.
    public var catalog: Catalog { current.withLock { $0 } }

    /// Loads the files again. On success the new snapshot serves every message from now on.
    @discardableResult
    public func reload() -> Result<Catalog, Catalog.LoadError> {
        do {
            let fresh = try Catalog.load(root: root, options: options)
            current.withLock { $0 = fresh }
            return .success(fresh)
        } catch {
            return .failure(error)
        }
    }
}
