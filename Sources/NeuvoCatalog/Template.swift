/// A text with `((placeholder))` and `((name??optional text))` parts, the format of GOV.UK Notify that
/// staff already know. Parsed once; rendering refuses a missing value rather than sending half a sentence.
public struct Template: Sendable, Hashable {
    public enum Part: Sendable, Hashable {
        case text(String)
        case placeholder(String)
        /// Shown only when the named value is present and not empty; may contain placeholders itself.
        case conditional(String, [Part])
    }

    public let parts: [Part]
    public let source: String

    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        case unclosedPlaceholder(offset: Int)
        case emptyPlaceholder(offset: Int)
        case invalidName(String)

        public var description: String {
            switch self {
            case .unclosedPlaceholder(let offset): "'((' at character \(offset + 1) has no closing '))'"
            case .emptyPlaceholder(let offset): "empty placeholder '(())' at character \(offset + 1)"
            case .invalidName(let name):
                "'\(name)' is not a placeholder name (use lower-case letters, digits and _, such as ((unit_name)))"
            }
        }
    }

    public enum RenderError: Error, Sendable, Hashable, CustomStringConvertible {
        case missingValue(String)

        public var description: String {
            switch self {
            case .missingValue(let name): "no value for ((\(name)))"
            }
        }
    }

    public init(parsing source: String) throws(ParseError) {
        self.source = source
        parts = try Self.parse(Array(source), offset: 0)
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter, first.isASCII else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
    }

    static func parse(_ characters: [Character], offset: Int) throws(ParseError) -> [Part] {
        var parts: [Part] = []
        var literal = ""
        var index = 0
        while index < characters.count {
            if characters[index] == "(", index + 1 < characters.count, characters[index + 1] == "(" {
                // Find the matching "))", allowing nested (( )) inside a conditional's text.
                var depth = 1
                var cursor = index + 2
                while cursor < characters.count {
                    if characters[cursor] == "(", cursor + 1 < characters.count, characters[cursor + 1] == "(" {
                        depth += 1
                        cursor += 2
                    } else if characters[cursor] == ")", cursor + 1 < characters.count, characters[cursor + 1] == ")" {
                        depth -= 1
                        if depth == 0 { break }
                        cursor += 2
                    } else {
                        cursor += 1
                    }
                }
                guard depth == 0 else { throw .unclosedPlaceholder(offset: offset + index) }
                let inner = Array(characters[(index + 2)..<cursor])
                guard !inner.isEmpty else { throw .emptyPlaceholder(offset: offset + index) }
                if !literal.isEmpty {
                    parts.append(.text(literal))
                    literal = ""
                }
                if let marker = Self.conditionalMarker(in: inner) {
                    let name = String(inner[..<marker]).trimmingSpaces()
                    guard isValidName(name) else { throw .invalidName(name) }
                    let body = try parse(Array(inner[(marker + 2)...]), offset: offset + index + 2 + marker + 2)
                    parts.append(.conditional(name, body))
                } else {
                    let name = String(inner).trimmingSpaces()
                    guard isValidName(name) else { throw .invalidName(name) }
                    parts.append(.placeholder(name))
                }
                index = cursor + 2
            } else {
                literal.append(characters[index])
                index += 1
            }
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return parts
    }

    static func conditionalMarker(in characters: [Character]) -> Int? {
        var index = 0
        while index + 1 < characters.count {
            if characters[index] == "(" { return nil }  // a nested placeholder comes before any "??"
            if characters[index] == "?" && characters[index + 1] == "?" { return index }
            index += 1
        }
        return nil
    }

    /// Every placeholder name used, including inside conditional text.
    public var placeholders: Set<String> {
        var names: Set<String> = []
        func collect(_ parts: [Part]) {
            for part in parts {
                switch part {
                case .text: break
                case .placeholder(let name): names.insert(name)
                case .conditional(let name, let body):
                    names.insert(name)
                    collect(body)
                }
            }
        }
        collect(parts)
        return names
    }

    /// The names that must have a value when only these are given: those outside any conditional, and those
    /// inside a conditional whose own name is required (its text is then always shown), to any depth.
    public var requiredPlaceholders: Set<String> {
        var required: Set<String> = []
        var pending: [[Part]] = [parts]
        var opened: [(String, [Part])] = []
        while true {
            while let level = pending.popLast() {
                for part in level {
                    switch part {
                    case .text: break
                    case .placeholder(let name): required.insert(name)
                    case .conditional(let name, let body): opened.append((name, body))
                    }
                }
            }
            // A conditional opens once its name is required, which a later level may only now have made so.
            let (shown, waiting) = (
                opened.filter { required.contains($0.0) }, opened.filter { !required.contains($0.0) }
            )
            if shown.isEmpty { return required }
            pending = shown.map(\.1)
            opened = waiting
        }
    }

    /// Renders with `values`; `escape` is applied to every value (HTML escaping for email bodies), and to the
    /// template's own text too when `escapeText` is set (staff may type `&` or `<` in an email text).
    public func render(_ values: [String: String], escape: (String) -> String = { $0 }, escapeText: Bool = false)
        throws(RenderError) -> String
    {
        try Self.render(parts, values, escape: escape, escapeText: escapeText)
    }

    static func render(_ parts: [Part], _ values: [String: String], escape: (String) -> String, escapeText: Bool)
        throws(RenderError) -> String
    {
        var output = ""
        for part in parts {
            switch part {
            case .text(let text): output += escapeText ? escape(text) : text
            case .placeholder(let name):
                guard let value = values[name] else { throw .missingValue(name) }
                output += escape(value)
            case .conditional(let name, let body):
                if let value = values[name], !value.isEmpty {
                    output += try render(body, values, escape: escape, escapeText: escapeText)
                }
            }
        }
        return output
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
