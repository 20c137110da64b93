/// A JSON parser (RFC 8259) that remembers where every value starts, so that tools such as
/// `neuvo check` can say `intents/greeting.json:14:7` instead of "somewhere in the file".
///
/// Foundation's parsers give no positions for values; this one does, and reports syntax errors with
/// line, column and what was expected. Objects keep their keys in file order and duplicates are reported.
public struct JSONNode: Sendable, Hashable {
    public indirect enum Value: Sendable, Hashable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([JSONNode])
        /// Members in file order; `key` positions point at the key's opening quote.
        case object([Member])
    }

    public struct Member: Sendable, Hashable {
        public let key: String
        public let keyPosition: SourcePosition
        public let value: JSONNode
    }

    public let value: Value
    public let position: SourcePosition

    public subscript(key: String) -> JSONNode? {
        guard case .object(let members) = value else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var stringValue: String? {
        if case .string(let text) = value { return text }
        return nil
    }

    public var arrayValue: [JSONNode]? {
        if case .array(let items) = value { return items }
        return nil
    }

    public var objectMembers: [Member]? {
        if case .object(let members) = value { return members }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = value { return flag }
        return nil
    }

    /// The value without positions.
    public var plain: JSONValue {
        switch value {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .number(let number): .number(number)
        case .string(let text): .string(text)
        case .array(let items): .array(items.map(\.plain))
        case .object(let members): .object(Dictionary(members.map { ($0.key, $0.value.plain) }) { first, _ in first })
        }
    }

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }
}

/// 1-based line and column (columns count Unicode scalars).
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    public let line: Int
    public let column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public let position: SourcePosition
    public let message: String

    public var description: String { "\(position): \(message)" }
}

public enum JSONDocument {
    /// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
    public static let maximumDepth = 256

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONNode {
        var parser = Parser(Array(text.unicodeScalars))
        parser.skipWhitespace()
        let node = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        if !parser.atEnd { throw parser.error("unexpected \(parser.describeCurrent()) after the end of the document") }
        return node
    }

    struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        var line = 1
        var lineStart = 0

        init(_ scalars: [Unicode.Scalar]) {
            self.scalars = scalars
            // A UTF-8 byte order mark is tolerated: editors on some systems add one.
            if scalars.first == "\u{FEFF}" {
                index = 1
                lineStart = 1
            }
        }

        var atEnd: Bool { index >= scalars.count }
        var position: SourcePosition { SourcePosition(line: line, column: index - lineStart + 1) }

        func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(position: position, message: message) }

        func describeCurrent() -> String {
            guard !atEnd else { return "end of file" }
            let scalar = scalars[index]
            if scalar == "\n" { return "end of line" }
            return "'\(Character(scalar))'"
        }

        mutating func skipWhitespace() {
            while !atEnd {
                switch scalars[index] {
                case " ", "\t", "\r": index += 1
                case "\n":
                    index += 1
                    line += 1
                    lineStart = index
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONNode {
            guard depth < JSONDocument.maximumDepth else {
                throw error("nesting is deeper than \(maximumDepth) levels")
            }
            let start = position
            guard !atEnd else { throw error("expected a value but the file ended") }
            switch scalars[index] {
            case "{": return JSONNode(value: try parseObject(depth: depth), position: start)
            case "[": return JSONNode(value: try parseArray(depth: depth), position: start)
            case "\"": return JSONNode(value: .string(try parseString()), position: start)
            case "t": return JSONNode(value: try parseLiteral("true", .bool(true)), position: start)
            case "f": return JSONNode(value: try parseLiteral("false", .bool(false)), position: start)
            case "n": return JSONNode(value: try parseLiteral("null", .null), position: start)
            case "-", "0"..."9": return JSONNode(value: .number(try parseNumber()), position: start)
            case "'": throw error("strings need double quotes (\"), not single quotes")
            default: throw error("expected a value, found \(describeCurrent())")
            }
        }

        mutating func parseLiteral(_ word: String, _ value: JSONNode.Value) throws(JSONSyntaxError) -> JSONNode.Value {
            let start = position
            for expected in word.unicodeScalars {
                guard !atEnd, scalars[index] == expected else {
                    throw JSONSyntaxError(position: start, message: "expected '\(word)'")
                }
                index += 1
            }
            return value
        }

        mutating func parseNumber() throws(JSONSyntaxError) -> Double {
            let start = index
            if scalars[index] == "-" { index += 1 }
            func digits(_ parser: inout Parser) -> Int {
                let before = parser.index
                while !parser.atEnd, ("0"..."9").contains(parser.scalars[parser.index]) { parser.index += 1 }
                return parser.index - before
            }
            let integerStart = index
            guard digits(&self) > 0 else { throw error("expected a digit") }
            if scalars[integerStart] == "0" && index - integerStart > 1 {
                throw JSONSyntaxError(
                    position: SourcePosition(line: line, column: start - lineStart + 1),
                    message: "numbers cannot start with 0")
            }
            if !atEnd && scalars[index] == "." {
                index += 1
                guard digits(&self) > 0 else { throw error("expected a digit after the decimal point") }
            }
            if !atEnd && (scalars[index] == "e" || scalars[index] == "E") {
                index += 1
                if !atEnd && (scalars[index] == "+" || scalars[index] == "-") { index += 1 }
                guard digits(&self) > 0 else { throw error("expected a digit in the exponent") }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars[start..<index])
            guard let number = Double(text) else { throw error("'\(text)' is not a number") }
            return number
        }

        mutating func parseString() throws(JSONSyntaxError) -> String {
            index += 1  // opening quote
            var result = String.UnicodeScalarView()
            while true {
                guard !atEnd else { throw error("the string is not closed: add a \" at its end") }
                let scalar = scalars[index]
                switch scalar {
                case "\"":
                    index += 1
                    return String(result)
                case "\\":
                    let escapePosition = position
                    index += 1
                    guard !atEnd else { throw error("the string is not closed") }
                    let escaped = scalars[index]
                    index += 1
                    switch escaped {
                    case "\"": result.append("\"")
                    case "\\": result.append("\\")
                    case "/": result.append("/")
                    case "b": result.append("\u{8}")
                    case "f": result.append("\u{C}")
                    case "n": result.append("\n")
                    case "r": result.append("\r")
                    case "t": result.append("\t")
                    case "u": result.append(try parseUnicodeEscape())
                    default:
                        throw JSONSyntaxError(
                            position: escapePosition, message: "unknown escape '\\\(Character(escaped))' in a string")
                    }
                case "\n":
                    throw error("the string is not closed before the end of the line")
                case _ where scalar.value < 0x20:
                    throw error("control character U+\(String(scalar.value, radix: 16)) inside a string")
                default:
                    result.append(scalar)
                    index += 1
                }
            }
        }

        mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
            guard index + 4 <= scalars.count else { throw error("expected four hex digits after \\u") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Character(scalars[index]).hexDigitValue else {
                    throw error("expected four hex digits after \\u")
                }
                value = value * 16 + UInt32(digit)
                index += 1
            }
            return value
        }

        mutating func parseUnicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
            let first = try parseHex4()
            if (0xD800...0xDBFF).contains(first) {
                // A surrogate pair (RFC 8259 §7): \uD83D\uDE00.
                guard index + 1 < scalars.count, scalars[index] == "\\", scalars[index + 1] == "u" else {
                    throw error("a lone surrogate \\u\(String(first, radix: 16)) is not a character")
                }
                index += 2
                let second = try parseHex4()
                guard (0xDC00...0xDFFF).contains(second),
                    let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                else { throw error("invalid surrogate pair") }
                return scalar
            }
            guard let scalar = Unicode.Scalar(first) else { throw error("a lone surrogate is not a character") }
            return scalar
        }

        mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONNode.Value {
            index += 1
            var items: [JSONNode] = []
            skipWhitespace()
            if !atEnd && scalars[index] == "]" {
                index += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                if !atEnd && scalars[index] == "]" { throw error("remove the comma before ']'") }
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard !atEnd else { throw error("the list is not closed: add ']'") }
                switch scalars[index] {
                case ",": index += 1
                case "]":
                    index += 1
                    return .array(items)
                default:
                    throw error("expected ',' or ']' in the list, found \(describeCurrent()) — a comma may be missing")
                }
            }
        }

        mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONNode.Value {
            index += 1
            var members: [JSONNode.Member] = []
            var seen: Set<String> = []
            skipWhitespace()
            if !atEnd && scalars[index] == "}" {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard !atEnd else { throw error("the object is not closed: add '}'") }
                if scalars[index] == "}" { throw error("remove the comma before '}'") }
                guard scalars[index] == "\"" else {
                    throw error("expected a key in double quotes, found \(describeCurrent())")
                }
                let keyPosition = position
                let key = try parseString()
                guard seen.insert(key).inserted else {
                    throw JSONSyntaxError(
                        position: keyPosition, message: "the key \"\(key)\" appears twice in this object")
                }
                skipWhitespace()
                guard !atEnd, scalars[index] == ":" else { throw error("expected ':' after the key \"\(key)\"") }
                index += 1
                skipWhitespace()
                let value = try parseValue(depth: depth + 1)
                members.append(JSONNode.Member(key: key, keyPosition: keyPosition, value: value))
                skipWhitespace()
                guard !atEnd else { throw error("the object is not closed: add '}'") }
                switch scalars[index] {
                case ",": index += 1
                case "}":
                    index += 1
                    return .object(members)
                default:
                    throw error(
                        "expected ',' or '}' after a value, found \(describeCurrent()) — a comma may be missing")
                }
            }
        }
    }
}
