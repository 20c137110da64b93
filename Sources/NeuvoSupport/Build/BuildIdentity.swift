import Foundation

/// The running executable's path, size and modification time.
///
/// What one build of the program writes to a cache (a trained model, the registry's search indexes) is read back
/// only by the same build: a rebuilt program may train or index differently, and must not trust an older one's work.
public enum BuildIdentity {
    /// `"-"` when the executable cannot be found (then every build shares one identity, and caches fall back on
    /// their own format versions).
    public static let current: String = {
        let manager = FileManager.default
        guard let path = try? manager.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
            let attributes = try? manager.attributesOfItem(atPath: path)
        else { return "-" }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(path)|\(size)@\(modified)"
    }()
}
