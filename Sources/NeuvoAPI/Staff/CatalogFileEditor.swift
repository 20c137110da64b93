import Foundation
import NeuvoSupport

/// A catalog file as ordered JSON, edited and printed back in the layout of the files in `intents/` and `locales/`
/// (two-space indents, one array item a line, non-ASCII kept): a change from the console makes a one-line diff, and
/// files edited by hand stay as their authors wrote them.
indirect enum OrderedJSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([OrderedJSON])
    case object([(key: String, value: OrderedJSON)])

    static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool { lhs.printed() == rhs.printed() }
    func hash(into hasher: inout Hasher) { hasher.combine(printed()) }

    init(_ node: JSONNode) {
        switch node.value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .number(let number): self = .number(number)
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(OrderedJSON.init))
        case .object(let members): self = .object(members.map { ($0.key, OrderedJSON($0.value)) })
        }
    }

    static func parse(_ text: String) throws -> OrderedJSON { OrderedJSON(try JSONDocument.parse(text)) }

    subscript(key: String) -> OrderedJSON? {
        get {
            guard case .object(let members) = self else { return nil }
            return members.first { $0.key == key }?.value
        }
        set {
            guard case .object(var members) = self else { return }
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key, newValue))
            }
            self = .object(members)
        }
    }

    /// The text as Python's `json.dumps(indent=2, ensure_ascii=False)` writes it, with a final newline.
    func printed() -> String {
        var out = ""
        write(into: &out, indent: 0)
        return out + "\n"
    }

    private func write(into out: inout String, indent: Int) {
        let pad = String(repeating: " ", count: indent + 2)
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let number):
            out += number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let text): out += JSONString.quote(text)
        case .array(let items):
            guard !items.isEmpty else {
                out += "[]"
                return
            }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += pad
                item.write(into: &out, indent: indent + 2)
                out += index < items.count - 1 ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .object(let members):
            guard !members.isEmpty else {
                out += "{}"
                return
            }
            out += "{\n"
            for (index, member) in members.enumerated() {
                out += pad + JSONString.quote(member.key) + ": "
                member.value.write(into: &out, indent: indent + 2)
                out += index < members.count - 1 ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        }
    }
}

/// Why a draft change cannot be applied to the files.
struct CatalogEditError: Error, Sendable, CustomStringConvertible {
    let description: String
}

/// Applies draft changes to a catalog's files (relative path → content).
enum CatalogFileEditor {
    /// Adds `text` to the examples of `language` in the intent file at `path`.
    static func addExample(_ text: String, language: String, file path: String, in files: inout [String: String])
        throws(CatalogEditError)
    {
        guard let content = files[path], var document = try? OrderedJSON.parse(content) else {
            throw CatalogEditError(description: "\(path) cannot be read as JSON")
        }
        var examples = document["examples"] ?? .object([])
        guard case .array(var list) = examples[language] ?? .array([]) else {
            throw CatalogEditError(description: "\(path): examples.\(language) is not a list")
        }
        list.append(.string(text))
        examples[language] = .array(list)
        document["examples"] = examples
        files[path] = document.printed()
    }

    /// Takes `text` out of the examples of `language` in the intent file at `path`.
    static func removeExample(_ text: String, language: String, file path: String, in files: inout [String: String])
        throws(CatalogEditError)
    {
        guard let content = files[path], var document = try? OrderedJSON.parse(content) else {
            throw CatalogEditError(description: "\(path) cannot be read as JSON")
        }
        guard var examples = document["examples"], case .array(var list) = examples[language] ?? .array([]),
            let index = list.firstIndex(of: .string(text))
        else { throw CatalogEditError(description: "\(path) has no \(language) example \"\(text)\"") }
        list.remove(at: index)
        examples[language] = .array(list)
        document["examples"] = examples
        files[path] = document.printed()
    }

    /// Sets the `language` text of `key` in the locale file at `path`; a key with plural forms is edited in the file.
    static func setTranslation(
        _ text: String, key: String, language: String, file path: String,
        in files: inout [String: String]
    ) throws(CatalogEditError) {
        guard let content = files[path], var document = try? OrderedJSON.parse(content) else {
            throw CatalogEditError(description: "\(path) cannot be read as JSON")
        }
        guard var entry = document[key], case .object = entry else {
            throw CatalogEditError(description: "\(path) has no key \(key)")
        }
        if let current = entry[language], case .string = current {
        } else if entry[language] != nil {
            throw CatalogEditError(description: "\(key) has plural forms in \(language): edit them in \(path)")
        }
        entry[language] = .string(text)
        document[key] = entry
        files[path] = document.printed()
    }
}
