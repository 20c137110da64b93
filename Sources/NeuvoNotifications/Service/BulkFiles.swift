import Foundation
import NeuvoSupport

/// One row of a bulk file (JSONL or CSV), with the line it came from.
public struct BulkRow: Sendable {
    public let line: Int
    /// Top-level fields; CSV columns named `a.b` become nested objects, as in the JSONL form.
    public let fields: [String: JSONValue]

    public init(line: Int, fields: [String: JSONValue]) {
        self.line = line
        self.fields = fields
    }

    public func string(_ key: String) -> String? {
        switch fields[key] {
        case .string(let text): text.isEmpty ? nil : text
        case .number: fields[key]?.scalarText
        default: nil
        }
    }

    public func object(_ key: String) -> [String: JSONValue] {
        if case .object(let object) = fields[key] { return object }
        return [:]
    }
}

public struct BulkFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// A bulk file split into records but not parsed yet, so that a large file is parsed a chunk at a time while
/// the chunk before it is written to the database (`neuvo arrange`).
public struct BulkSource: Sendable {
    public let file: String
    /// Records: a JSON line not parsed yet, or a CSV row parsed with the whole file (a quoted CSV field may hold
    /// a line break, so CSV is split and parsed in one pass).
    enum Record: Sendable {
        case jsonLine(line: Int, text: Substring)
        case parsed(BulkRow)
        case rejected(BulkFileError)

        var line: Int {
            switch self {
            case .jsonLine(let line, _): line
            case .parsed(let row): row.line
            case .rejected(let error): error.line
            }
        }
    }
    let records: [Record]

    public var count: Int { records.count }

    /// Parses the records in `range`: the rows in file order, and what was wrong with the others.
    public func rows(_ range: Range<Int>) -> (rows: [BulkRow], errors: [BulkFileError]) {
        var rows: [BulkRow] = []
        var errors: [BulkFileError] = []
        rows.reserveCapacity(range.count)
        for record in records[range] {
            switch record {
            case .parsed(let row): rows.append(row)
            case .rejected(let error): errors.append(error)
            case .jsonLine(let line, let text):
                do {
                    guard case .object(let object) = try JSONDocument.parse(String(text)).plain else {
                        errors.append(BulkFileError(file: file, line: line, message: "a line must be one JSON object"))
                        continue
                    }
                    rows.append(BulkRow(line: line, fields: object))
                } catch {
                    errors.append(BulkFileError(file: file, line: line, message: "not valid JSON: \(error.message)"))
                }
            }
        }
        return (rows, errors)
    }
}

/// Reads JSONL (one object a line) or CSV (RFC 4180, a header row) by the file's extension or first byte.
public enum BulkFile {
    public static func read(_ url: URL) throws(BulkFileError) -> (rows: [BulkRow], errors: [BulkFileError]) {
        let source = try open(url)
        return source.rows(0..<source.count)
    }

    /// Reads and splits the file; parsing each record is left to `BulkSource.rows(_:)`.
    public static func open(_ url: URL) throws(BulkFileError) -> BulkSource {
        let file = url.path
        guard let data = FileManager.default.contents(atPath: file) else {
            throw BulkFileError(file: file, line: 0, message: "cannot read the file")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw BulkFileError(file: file, line: 0, message: "the file is not UTF-8 text")
        }
        let trimmed = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        if url.pathExtension.lowercased() == "csv"
            || (!trimmed.hasPrefix("{") && url.pathExtension.lowercased() != "jsonl")
        {
            let (rows, errors) = try csv(text, file: file)
            return BulkSource(
                file: file,
                records: (rows.map { .parsed($0) } + errors.map { .rejected($0) }).sorted { $0.line < $1.line })
        }
        return BulkSource(file: file, records: jsonLines(text))
    }

    /// Splits at LF on the bytes (a line is never split inside a character: LF is never part of a multi-byte
    /// sequence) and skips blank lines; a byte order mark before the first line is dropped.
    static func jsonLines(_ text: String) -> [BulkSource.Record] {
        var records: [BulkSource.Record] = []
        var lineNumber = 0
        let utf8 = text.utf8
        var lineStart = utf8.startIndex
        if utf8.starts(with: [0xEF, 0xBB, 0xBF]) { lineStart = utf8.index(lineStart, offsetBy: 3) }
        while lineStart < utf8.endIndex || lineNumber == 0 {
            lineNumber += 1
            let lineEnd = utf8[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? utf8.endIndex
            let line = text[lineStart..<lineEnd]
            if line.utf8.contains(where: { !(0x09...0x0D).contains($0) && $0 != 0x20 }) {
                records.append(.jsonLine(line: lineNumber, text: line))
            }
            guard lineEnd < utf8.endIndex else { break }
            lineStart = utf8.index(after: lineEnd)
        }
        return records
    }

    static func csv(_ text: String, file: String) throws(BulkFileError) -> (rows: [BulkRow], errors: [BulkFileError]) {
        let records = CSV.parse(text)
        guard let header = records.first?.fields, !header.isEmpty else {
            throw BulkFileError(file: file, line: 1, message: "the CSV file has no header row")
        }
        var rows: [BulkRow] = []
        var errors: [BulkFileError] = []
        for record in records.dropFirst() where !(record.fields.count == 1 && record.fields[0].isEmpty) {
            guard record.fields.count == header.count else {
                errors.append(
                    BulkFileError(
                        file: file, line: record.line,
                        message: "\(record.fields.count) columns, the header has \(header.count)"))
                continue
            }
            var fields: [String: JSONValue] = [:]
            for (name, value) in zip(header, record.fields) {
                let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
                if parts.count == 2 {
                    var nested: [String: JSONValue] = [:]
                    if case .object(let existing) = fields[parts[0]] { nested = existing }
                    nested[parts[1]] = .string(value)
                    fields[parts[0]] = .object(nested)
                } else {
                    fields[name] = .string(value)
                }
            }
            rows.append(BulkRow(line: record.line, fields: fields))
        }
        return (rows, errors)
    }
}

/// RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks.
enum CSV {
    struct Record {
        let line: Int
        let fields: [String]
    }

    static func parse(_ text: String) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var characters = Array(text.unicodeScalars)[...]
        if characters.first == "\u{FEFF}" { characters = characters.dropFirst() }
        var index = characters.startIndex
        while index < characters.endIndex {
            let character = characters[index]
            if inQuotes {
                if character == "\"" {
                    if index + 1 < characters.endIndex && characters[index + 1] == "\"" {
                        field.unicodeScalars.append("\"")
                        index += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    if character == "\n" { line += 1 }
                    field.unicodeScalars.append(character)
                }
            } else {
                switch character {
                case "\"": inQuotes = true
                case ",":
                    fields.append(field)
                    field = ""
                case "\r": break
                case "\n":
                    fields.append(field)
                    records.append(Record(line: recordLine, fields: fields))
                    fields = []
                    field = ""
                    line += 1
                    recordLine = line
                default: field.unicodeScalars.append(character)
                }
            }
            index += 1
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            records.append(Record(line: recordLine, fields: fields))
        }
        return records
    }
}
