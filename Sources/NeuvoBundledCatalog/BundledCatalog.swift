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

    /// Seeds a deployment's catalog folder from the bundled catalog on first run: when `folder` does not exist or
    /// is empty, it is created with copies of the bundled `intents/` and `locales/`, which staff then edit (by hand
    /// or in the console) without touching the files shipped with the binary. A folder with anything in it is
    /// left alone. Returns whether it seeded.
    @discardableResult
    public static func seed(_ folder: URL) throws -> Bool {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, try manager.contentsOfDirectory(atPath: folder.path).isEmpty else {
                return false
            }
        }
        guard let bundled = root else { return false }
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["intents", "locales"] {
            try manager.copyItem(at: bundled.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        return true
    }
}
