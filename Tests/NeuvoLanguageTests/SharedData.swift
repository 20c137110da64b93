import Foundation

/// Locates `../shared/data` (development and benchmark data that is not part of the product).
/// `NEUVO_SHARED_DATA` overrides; otherwise the folder beside the project root is used.
enum SharedData {
    static let root: URL? = {
        let fileManager = FileManager.default
        if let override = ProcessInfo.processInfo.environment["NEUVO_SHARED_DATA"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let projectRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            projectRoot.deletingLastPathComponent().appendingPathComponent("shared/data"),
            URL(fileURLWithPath: "/work/shared/data"),
        ]
        return candidates.first { fileManager.fileExists(atPath: $0.path) }
    }()

    static var isAvailable: Bool { root != nil }

    static func url(_ relativePath: String) -> URL {
        root!.appendingPathComponent(relativePath)
    }
}
