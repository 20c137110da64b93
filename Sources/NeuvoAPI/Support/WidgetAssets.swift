import Foundation
import NeuvoCrypto

/// The web widget's static files, read once at start-up from the module's resources.
public struct WidgetAssets: Sendable {
    public let script: [UInt8]
    public let stylesheet: [UInt8]
    public let demoPage: [UInt8]
    public let openAPI: [UInt8]
    /// The staff console: one page (each of its views), its stylesheet, and its scripts by name (`/staff/<name>.js`).
    public let staffPage: [UInt8]
    public let staffStylesheet: [UInt8]
    public let staffScripts: [String: [UInt8]]
    /// In the order the page loads them: `common` first (what every staff page shares), then each script's pages,
    /// in the navigation's order.
    static let staffScriptNames = ["common", "console", "notices", "desk"]

    static func load() throws -> WidgetAssets {
        func read(_ name: String, _ ext: String, _ folder: String?) throws -> [UInt8] {
            guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: folder) else {
                throw CocoaError(
                    .fileNoSuchFile, userInfo: [NSFilePathErrorKey: "\(folder.map { $0 + "/" } ?? "")\(name).\(ext)"])
            }
            return [UInt8](try Data(contentsOf: url))
        }
        return WidgetAssets(
            script: try read("widget", "js", "widget"), stylesheet: try read("widget", "css", "widget"),
            demoPage: try read("demo", "html", "widget"), openAPI: try read("openapi", "json", nil),
            staffPage: try read("console", "html", "staff"), staffStylesheet: try read("console", "css", "staff"),
            staffScripts: try Dictionary(
                uniqueKeysWithValues: staffScriptNames.map { ($0, try read($0, "js", "staff")) }))
    }

    /// A strong validator for caching: the content's hash.
    static func etag(_ bytes: [UInt8]) -> String { "\"" + Hex.encode(SHA256.hash(bytes).prefix(8)) + "\"" }
}
