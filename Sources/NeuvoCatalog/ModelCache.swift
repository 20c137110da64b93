import Foundation
import NeuvoLanguage
import NeuvoSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Trained classifiers kept on disk by what they were trained from, so that starting `serve` or `chat` on an
/// unchanged catalog reads the model instead of training it again (training with calibration folds takes
/// seconds; reading takes milliseconds). A changed example, option or format version is a different key.
///
/// The folder is `NEUVO_MODEL_CACHE` (`off` disables the cache), else `$XDG_CACHE_HOME/neuvo/models`, else
/// `~/.cache/neuvo/models`. A file that cannot be read or written is ignored: the model is trained instead.
public struct ModelCache: Sendable {
    public let folder: URL
    /// Files kept; older ones are removed after a write.
    public var keep = 8

    public init(folder: URL) {
        self.folder = folder
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ModelCache?
    {
        if let configured = environment["NEUVO_MODEL_CACHE"], !configured.isEmpty {
            return configured == "off" ? nil : ModelCache(folder: URL(fileURLWithPath: configured))
        }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return ModelCache(folder: URL(fileURLWithPath: xdg).appendingPathComponent("neuvo/models"))
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return ModelCache(folder: URL(fileURLWithPath: home).appendingPathComponent(".cache/neuvo/models"))
        }
        return nil
    }

    /// 128 bits of FNV-1a over the build, the options and every example, in training order.
    static func key(_ examples: [LabeledUtterance], options: IntentClassifierOptions) -> String {
        var low: UInt64 = 0xCBF2_9CE4_8422_2325
        var high: UInt64 = 0x6C62_272E_07BB_0142
        func mix(_ text: String) {
            for byte in text.utf8 {
                low = (low ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                high = (high ^ UInt64(byte)) &* 0x0000_0100_0000_0129
            }
            low = (low ^ 0x1F) &* 0x0000_0100_0000_01B3
            high = (high ^ 0x1F) &* 0x0000_0100_0000_0129
        }
        mix(BuildIdentity.current)
        mix(options.trainingFingerprint)
        for example in examples {
            mix(example.intent)
            mix(example.lang.rawValue)
            mix(example.text)
        }
        return String(high, radix: 16) + String(low, radix: 16)
    }

    func url(for key: String) -> URL { folder.appendingPathComponent("intents-\(key).model") }

    /// The classifier trained on `examples` with `options`: read from the cache, or trained and then stored.
    public func classifier(for examples: [LabeledUtterance], options: IntentClassifierOptions) -> IntentClassifier {
        let key = Self.key(examples, options: options)
        let file = url(for: key)
        if let cached = read(file, options: options) { return cached }
        // Processes starting together on a new catalog train it once: the first holds the lock while it trains,
        // the others wait for it and then read its model.
        let lock = lockFile(for: key)
        defer { unlock(lock) }
        if lock != nil, let cached = read(file, options: options) { return cached }
        let trained = IntentClassifier.train(examples, options: options)
        store(trained.modelData(), at: file)
        return trained
    }

    private func read(_ file: URL, options: IntentClassifierOptions) -> IntentClassifier? {
        guard let data = try? Data(contentsOf: file) else { return nil }
        return try? IntentClassifier(modelData: data, options: options)
    }

    /// An exclusive `flock` on the key's lock file, or nil when the folder cannot hold one (then no waiting).
    private func lockFile(for key: String) -> Int32? {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let descriptor = open(folder.appendingPathComponent(".intents-\(key).lock").path, O_CREAT | O_RDWR, 0o644)
        guard descriptor >= 0 else { return nil }
        while flock(descriptor, LOCK_EX) != 0 {
            if errno != EINTR {
                close(descriptor)
                return nil
            }
        }
        return descriptor
    }

    private func unlock(_ descriptor: Int32?) {
        guard let descriptor else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Written to a temporary file and renamed, so a concurrent reader never sees half a model.
    private func store(_ data: Data, at file: URL) {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true)
            let temporary = folder.appendingPathComponent(".\(file.lastPathComponent).\(UUID().uuidString)")
            try data.write(to: temporary)
            if rename(temporary.path, file.path) != 0 { try? manager.removeItem(at: temporary) }
        } catch {
            return
        }
        prune()
    }

    private func prune() {
        let manager = FileManager.default
        guard
            let files = try? manager.contentsOfDirectory(
                at: folder, includingPropertiesForKeys: [.contentModificationDateKey])
        else { return }
        let models = files.filter { $0.lastPathComponent.hasPrefix("intents-") && $0.pathExtension == "model" }
        guard models.count > keep else { return }
        let dated = models.map { url in
            (
                url,
                (try? url.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate)
                    ?? .distantPast
            )
        }
        for (url, _) in dated.sorted(by: { $0.1 > $1.1 }).dropFirst(keep) {
            try? manager.removeItem(at: url)
            let lock = "." + url.deletingPathExtension().lastPathComponent + ".lock"
            try? manager.removeItem(at: folder.appendingPathComponent(lock))
        }
    }
}
