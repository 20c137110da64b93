import Foundation
import Testing

/// Each module owns its tables: it creates them in its own migrations, and no other module's SQL names them.
/// This reads every SQL string literal of every module (as `SQLBindingReviewTests` does) and fails when one
/// names a table that another module creates. Cross-module reads go through the owning module's store.
@Suite("Modules own their tables")
struct SchemaOwnershipTests {
    static let sources = SQLBindingReviewTests.sources

    /// Module name → the files of its folder.
    static func modules() throws -> [String: [URL]] {
        var result: [String: [URL]] = [:]
        let folders = try FileManager.default.contentsOfDirectory(at: sources, includingPropertiesForKeys: nil)
        for folder in folders {
            guard let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
                continue
            }
            result[folder.lastPathComponent] = files.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        }
        return result
    }

    static func sqlLiterals(in file: URL) throws -> [(line: Int, text: String)] {
        let keywords = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "CREATE ", "DROP ", "ALTER ", " FROM ", " JOIN "]
        return SQLBindingReviewTests.literals(in: try String(contentsOf: file, encoding: .utf8)).filter { literal in
            keywords.contains { literal.text.uppercased().contains($0) }
        }
    }

    /// Table (and view) name → the module whose SQL creates it.
    static func owners() throws -> [String: String] {
        var owners: [String: String] = [:]
        let create = try NSRegularExpression(
            pattern: #"CREATE\s+(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)"#,
            options: .caseInsensitive)
        for (module, files) in try modules() {
            for file in files {
                for literal in try sqlLiterals(in: file) {
                    let text = literal.text
                    for match in create.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                        if let range = Range(match.range(at: 1), in: text) { owners[String(text[range])] = module }
                    }
                }
            }
        }
        return owners
    }

    @Test func everyDomainTableIsCreatedByItsOwnModule() throws {
        let owners = try Self.owners()
        #expect(owners["notices"] == "NeuvoNotifications")
        #expect(owners["notice_content"] == "NeuvoNotifications")
        #expect(owners["residents"] == "NeuvoArrangements")
        #expect(owners["arrangements"] == "NeuvoArrangements")
        #expect(owners["conversation_sessions"] == "NeuvoConversation")
        #expect(owners["registry_units"] == "NeuvoRegistry")
        #expect(owners["api_keys"] == "NeuvoAPI")
        #expect(owners["neuvo_metadata"] == "NeuvoStorage")
        #expect(owners["idempotent_requests"] == "NeuvoAPI")  // created, then dropped, by api migrations
    }

    @Test func noModulesSQLNamesAnotherModulesTable() throws {
        let owners = try Self.owners()
        var offences: [String] = []
        for (module, files) in try Self.modules() {
            for file in files {
                for literal in try Self.sqlLiterals(in: file) {
                    // A foreign key may point at a table of a module below: that is the schema's dependency.
                    let text = literal.text.replacingOccurrences(
                        of: #"REFERENCES\s+[a-z_]+"#, with: "", options: [.regularExpression, .caseInsensitive])
                    for (table, owner) in owners where owner != module {
                        let pattern = #"(?i)\b(FROM|JOIN|INTO|UPDATE|TABLE|EXISTS|ON)\s+"# + table + #"\b"#
                        if text.range(of: pattern, options: .regularExpression) != nil {
                            offences.append(
                                "\(file.lastPathComponent):\(literal.line): \(module) names \(owner)'s \(table)")
                        }
                    }
                }
            }
        }
        #expect(offences.isEmpty, "\(offences.sorted().joined(separator: "\n"))")
    }
}
