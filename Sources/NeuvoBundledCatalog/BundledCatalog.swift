import Foundation

/// The intents and locales the build put beside the binary (`neuvo_NeuvoBundledCatalog.resources`), so that
/// `neuvo chat` and `neuvo serve` answer from any folder. `--catalog` or `NEUVO_CATALOG` names another folder.
public enum BundledCatalog {
    /// The folder holding the bundled `intents/` and `locales/`, or nil when the bundle is missing.
    public static var root: URL? {
        guard let root = Bundle.module.resourceURL,
            FileManager.default.fileExists(atPath: root.appendingPathComponent("intents").path)
        else { return nil }
        return root
    }

    /// The folder the configuration names, else the bundled one.
    public static func root(configured path: String?) -> URL? {
        path.map { URL(fileURLWithPath: $0) } ?? root
    }
}
