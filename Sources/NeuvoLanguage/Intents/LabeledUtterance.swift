import Foundation

/// One training or test example: an utterance and the intent it expresses.
public struct LabeledUtterance: Sendable, Hashable, Codable {
    public var text: String
    public var intent: String
    public var lang: Language

    public init(text: String, intent: String, lang: Language) {
        self.text = text
        self.intent = intent
        self.lang = lang
    }
}

/// A labelled file that cannot be used; `description` names the file, the line and the problem.
public struct LabeledUtteranceReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case unreadable(String)
        case badJSON
        case missingField(String)
        case unknownLanguage(String)
        case emptyIntent
    }

    public let file: String
    /// 1-based; 0 when the file as a whole cannot be read.
    public let line: Int
    public let problem: Problem

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        switch problem {
        case .unreadable(let reason): return "\(place): cannot read file: \(reason)"
        case .badJSON: return "\(place): not a JSON object"
        case .missingField(let field): return "\(place): missing or non-string field \"\(field)\""
        case .unknownLanguage(let lang): return "\(place): unknown lang \"\(lang)\" (expected fi, sv or en)"
        case .emptyIntent: return "\(place): empty intent"
        }
    }
}

/// Reads JSONL files with one `{"text", "intent", "lang"}` object a line (other fields are ignored).
public enum LabeledUtteranceReader {
    /// `nullIntent`: the label given to lines whose intent is JSON null (out-of-scope messages in an evaluation
    /// set); without it such lines are an error.
    public static func read(_ url: URL, nullIntent: String? = nil) throws -> [LabeledUtterance] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw LabeledUtteranceReadError(file: url.path, line: 0, problem: .unreadable(error.localizedDescription))
        }
        return try parse(data, file: url.path, nullIntent: nullIntent)
    }

    static func parse(_ data: Data, file: String, nullIntent: String? = nil) throws -> [LabeledUtterance] {
        var result: [LabeledUtterance] = []
        var lineNumber = 0
        for rawLine in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            // Blank lines (a trailing newline, CRLF leftovers) carry no example.
            if rawLine.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            func failure(_ problem: LabeledUtteranceReadError.Problem) -> LabeledUtteranceReadError {
                LabeledUtteranceReadError(file: file, line: lineNumber, problem: problem)
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(rawLine)) as? [String: Any] else {
                throw failure(.badJSON)
            }
            guard let text = object["text"] as? String else { throw failure(.missingField("text")) }
            let nullLabel = object["intent"] is NSNull ? nullIntent : nil
            guard let intent = object["intent"] as? String ?? nullLabel else { throw failure(.missingField("intent")) }
            guard let langCode = object["lang"] as? String else { throw failure(.missingField("lang")) }
            guard let lang = Language(rawValue: langCode) else { throw failure(.unknownLanguage(langCode)) }
            let trimmedIntent = intent.trimmingCharacters(in: .whitespaces)
            guard !trimmedIntent.isEmpty else { throw failure(.emptyIntent) }
            result.append(LabeledUtterance(text: text, intent: trimmedIntent, lang: lang))
        }
        return result
    }
}
