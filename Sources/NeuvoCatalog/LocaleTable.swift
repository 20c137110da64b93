import NeuvoLanguage

/// One resident-facing string in the three languages.
public struct LocalizedString: Sendable, Hashable {
    public enum Forms: Sendable, Hashable {
        case single(Template)
        /// Chosen by the `count` value: `one` for 1, `other` otherwise (the rule of fi, sv and en).
        case plural(one: Template, other: Template)

        public var placeholders: Set<String> {
            switch self {
            case .single(let template): template.placeholders
            case .plural(let one, let other): one.placeholders.union(other.placeholders).union(["count"])
            }
        }
    }

    public let key: String
    public let translations: [Language: Forms]
    public let file: String
    public let line: Int
    /// Where each language's text starts in the file (the key's line when the string was built in code).
    public let lines: [Language: Int]

    public init(key: String, translations: [Language: Forms], file: String, line: Int, lines: [Language: Int] = [:]) {
        self.key = key
        self.translations = translations
        self.file = file
        self.line = line
        self.lines = lines
    }

    /// The line of one language's text, for problems that concern it.
    public func line(of language: Language) -> Int { lines[language] ?? line }
}

/// Every locale string by key: an immutable value, swapped as a whole on reload.
public struct LocaleTable: Sendable {
    /// The hosts the texts link to (`https://` URLs in any language): the city's own domains, the default of
    /// `link_hosts`. Found once, when the table is built: each chat reply with sources asks.
    public let linkedHosts: Set<String>

    private static func linkedHosts(of strings: [String: LocalizedString]) -> Set<String> {
        var sources: [String] = []
        for string in strings.values {
            for forms in string.translations.values {
                switch forms {
                case .single(let template): sources.append(template.source)
                case .plural(let one, let other): sources += [one.source, other.source]
                }
            }
        }
        return LinkHosts.hosts(inTexts: sources)
    }

    public let strings: [String: LocalizedString]

    public init(_ strings: [String: LocalizedString]) {
        linkedHosts = Self.linkedHosts(of: strings)
        self.strings = strings
    }

    public func contains(_ key: String) -> Bool { strings[key] != nil }

    public enum LookupError: Error, Sendable, Hashable, CustomStringConvertible {
        case unknownKey(String)
        case missingTranslation(String, Language)
        case render(String, Template.RenderError)

        public var description: String {
            switch self {
            case .unknownKey(let key): "unknown locale key '\(key)'"
            case .missingTranslation(let key, let language): "locale key '\(key)' has no \(language.rawValue) text"
            case .render(let key, let error): "locale key '\(key)': \(error)"
            }
        }
    }

    /// Renders `key` in `language`. `count` selects a plural form and is also available as ((count)).
    public func render(
        _ key: String, language: Language, values: [String: String] = [:], count: Int? = nil,
        escape: (String) -> String = { $0 }, escapeText: Bool = false
    ) throws(LookupError) -> String {
        guard let string = strings[key] else { throw .unknownKey(key) }
        guard let forms = string.translations[language] else { throw .missingTranslation(key, language) }
        var values = values
        if let count { values["count"] = String(count) }
        let template: Template
        switch forms {
        case .single(let single): template = single
        case .plural(let one, let other): template = count == 1 ? one : other
        }
        do {
            return try template.render(values, escape: escape, escapeText: escapeText)
        } catch {
            throw .render(key, error)
        }
    }
}
