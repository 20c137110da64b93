import Foundation

extension Configuration {
    /// Builds the effective configuration.
    ///
    /// - Parameters:
    ///   - environment: the process environment (`NEUVO_*` variables win over the file).
    ///   - configFile: an explicit file (`--config`); otherwise `NEUVO_CONFIG`, then the XDG default if it exists.
    ///   - overrides: command-line values by key, applied last.
    public static func load(
        environment: [String: String], configFile: String? = nil,
        overrides: [(key: String, value: String, option: String)] = []
    ) throws(ConfigurationError) -> Configuration {
        var config = Configuration(environment: environment)
        for setting in settings { config.sources[setting.key] = .defaultValue }

        let explicitFile = configFile ?? environment["NEUVO_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let filePath = explicitFile ?? defaultConfigFilePath(environment: environment)
        if explicitFile != nil || FileManager.default.fileExists(atPath: filePath) {
            try config.apply(fileAt: filePath)
        }
        for setting in settings {
            guard let value = environment[setting.environmentName] else { continue }
            try config.apply(setting, value: value, source: .environment(setting.environmentName))
        }
        for override in overrides {
            guard let setting = setting(named: override.key) else { continue }
            try config.apply(setting, value: override.value, source: .commandLine(override.option))
        }
        return config
    }

    mutating func apply(_ setting: ConfigurationSetting, value: String, source: ConfigurationSource)
        throws(ConfigurationError)
    {
        if let problem = setting.apply(value, &self) {
            throw ConfigurationError(key: setting.key, source: source, problem: problem, expected: setting.expected)
        }
        sources[setting.key] = source
    }

    mutating func apply(fileAt path: String) throws(ConfigurationError) {
        let source = ConfigurationSource.file(path)
        func fail(_ problem: String, _ expected: String = "") -> ConfigurationError {
            ConfigurationError(key: "config", source: source, problem: problem, expected: expected)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail("the file cannot be read", "a readable JSON file")
        }
        let example = "a JSON object such as {\"log\": {\"level\": \"debug\"}}"
        let object: JSONValue
        do {
            object = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw fail("the file is not valid JSON (\(Self.jsonProblem(error)))", example)
        }
        guard case .object(let root) = object else { throw fail("the top level is not an object", example) }
        var flat: [(String, JSONValue)] = []
        Self.flatten(root, prefix: "", into: &flat)
        for (key, value) in flat.sorted(by: { $0.0 < $1.0 }) {
            guard let setting = Self.setting(named: key) else {
                let hint = Self.nearestKey(to: key).map { "a known key such as \($0)" } ?? "a known key"
                throw ConfigurationError(key: key, source: source, problem: "unknown key", expected: hint)
            }
            guard let text = value.scalarText else {
                throw ConfigurationError(
                    key: key, source: source, problem: "the value is not a string, number or boolean",
                    expected: setting.expected)
            }
            try apply(setting, value: text, source: source)
        }
    }

    static func flatten(_ object: [String: JSONValue], prefix: String, into result: inout [(String, JSONValue)]) {
        for (key, value) in object {
            let path = prefix.isEmpty ? key : prefix + "." + key
            if case .object(let nested) = value, setting(named: path) == nil {
                flatten(nested, prefix: path, into: &result)
            } else {
                result.append((path, value))
            }
        }
    }

    static func jsonProblem(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }

    static func nearestKey(to key: String) -> String? {
        let scored = settings.map { ($0.key, EditDistance.between($0.key, key)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }

    /// The effective values for display, with secrets masked.
    public func describe() -> [(key: String, value: String, source: String)] {
        Self.settings.map { setting in
            let raw = setting.current(self)
            let shown: String
            if let raw {
                shown = setting.isSecret ? Self.mask(raw) : raw
            } else {
                shown = "(not set)"
            }
            return (setting.key, shown, (sources[setting.key] ?? .defaultValue).description)
        }
    }

    /// Masks a secret completely; its length is not revealed either.
    public static func mask(_ secret: String) -> String { "********" }
}

/// Levenshtein distance, for "did you mean" suggestions in configuration and command-line errors.
public enum EditDistance {
    public static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
