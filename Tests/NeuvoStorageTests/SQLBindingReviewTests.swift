import Foundation
import Testing

/// Security review: every SQL statement is prepared with bound values. This scans every Swift source for
/// string literals that are SQL and interpolate something; the only interpolations allowed are identifiers
/// that come from the code itself (a table name from a fixed list, a savepoint name, a run of `?` markers,
/// the application id constant), never a value from outside.
@Suite("Security review: SQL uses bound values")
struct SQLBindingReviewTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// Interpolations that are code-controlled identifiers, with where they come from.
    static let allowed: Set<String> = [
        "table",  // ConversationStore.purge and RegistryRepository: loops over fixed table-name lists
        "savepoint",  // Connection.transaction: "neuvo_<depth>"
        "applicationID",  // Migrator: the StorageSchema.applicationID constant
        "cacheKiB",  // Database.init: an Int from the code's options (PRAGMA takes no bound values)
        "placeholders",  // "?, ?, ?": one bound marker per value
        "rowsSQL",  // NoticeStore: "(?, ?, 'sending', '...', ?)" and audit-row tuples, every value bound
        "idle",  // ConversationStore.purge: a constant sub-select with its own bound marker
        "Self.seqOfID",  // NoticeStore: "(SELECT seq FROM notice_content WHERE id = ?)", a constant sub-select
    ]

    static let keywords = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "PRAGMA ", "SAVEPOINT ", "ROLLBACK", "RELEASE "]

    /// Every string literal (single-line and multi-line) of a file, with its line number.
    static func literals(in text: String) -> [(line: Int, text: String)] {
        var result: [(Int, String)] = []
        var block: [String]?
        var blockLine = 0
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if var current = block {
                if line.contains("\"\"\"") {
                    result.append((blockLine, current.joined(separator: "\n")))
                    block = nil
                } else {
                    current.append(line)
                    block = current
                }
                continue
            }
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
            if line.contains("\"\"\"") && line.components(separatedBy: "\"\"\"").count == 2 {
                block = []
                blockLine = index + 1
                continue
            }
            let pattern = try! NSRegularExpression(pattern: #""((?:[^"\\]|\\.)*)""#)
            for match in pattern.matches(in: line, range: NSRange(line.startIndex..., in: line)) {
                if let range = Range(match.range(at: 1), in: line) { result.append((index + 1, String(line[range]))) }
            }
        }
        return result
    }

    static func interpolations(in literal: String) -> [String] {
        var names: [String] = []
        var rest = Substring(literal)
        while let start = rest.range(of: "\\(") {
            var depth = 1
            var index = start.upperBound
            while index < rest.endIndex && depth > 0 {
                if rest[index] == "(" { depth += 1 }
                if rest[index] == ")" { depth -= 1 }
                index = rest.index(after: index)
            }
            names.append(
                String(rest[start.upperBound..<rest.index(before: index)]).trimmingCharacters(in: .whitespaces))
            rest = rest[index...]
        }
        return names
    }

    @Test func noSQLStatementInterpolatesAValue() throws {
        let files = FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 50)
        var statements = 0
        var violations: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (line, literal) in Self.literals(in: text) {
                let upper = literal.uppercased()
                guard Self.keywords.contains(where: { upper.contains($0) }) else { continue }
                statements += 1
                for name in Self.interpolations(in: literal) where !Self.allowed.contains(name) {
                    violations.append("\(file.lastPathComponent):\(line): interpolates \(name) into SQL")
                }
            }
        }
        #expect(statements > 80, "the scan should see the project's SQL (found \(statements))")
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }

    @Test func theScannerCatchesAnInterpolatedValue() {
        let sample = #"try connection.execute("DELETE FROM notices WHERE id = '\(id)'")"#
        let found = Self.literals(in: sample).flatMap { Self.interpolations(in: $0.text) }
        #expect(found == ["id"])
        #expect(!Self.allowed.contains("id"))
    }
}
