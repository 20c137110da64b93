import ArgumentParsing
import Foundation
import NeuvoLanguage
import NeuvoRegistry
import NeuvoSupport

/// `neuvo registry`: the city's Service Map.
struct RegistryCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "registry",
            abstract: "Import and search the Service Map registry (services, keywords, units).",
            subcommands: [RegistryImportCommand.self, RegistrySearchCommand.self])
    }
}

/// `neuvo registry import FILE...`: idempotent; reports counts and every rejected record with its reason.
struct RegistryImportCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "import",
            abstract: "Import Service Map files (palvelukarttaws v4: ontologytree, ontologyword, unit).",
            discussion: """
                The kind of each file is recognised from its fields. A re-import updates records, never duplicates them.
                Good records of a file with broken ones are stored; each rejected record is listed with its reason.
                Exits 65 when a record or a whole file was rejected.
                """)
    }

    @OptionGroup var global: GlobalOptions
    @Argument(valueName: "file", atLeastOne: true, help: "Service Map JSON files.") var files: [String]

    func run() async throws {
        let report = try await global.withDatabase { _, database in
            // The bundled registry comes first on an empty database, so an import adds to it rather than replacing it.
            _ = try await RegistrySeeder.seedIfEmpty(database)
            return await RegistryImporter(database: database).importFiles(files.map { URL(fileURLWithPath: $0) })
        }
        for file in report.files {
            if let error = file.error {
                print("\(file.file.path): not imported: \(error)")
                continue
            }
            let counts = file.counts
            print(
                "\(file.file.path): \(file.format.map { "\($0)" } ?? "?"): \(counts.inserted) inserted, "
                    + "\(counts.updated) updated, \(counts.unchanged) unchanged, \(counts.rejected) rejected")
        }
        for rejected in report.rejected { print("  rejected: \(rejected)") }
        for kind in RecordKind.allCases {
            let counts = report.counts(kind)
            let total = counts.inserted + counts.updated + counts.unchanged + counts.rejected
            if total > 0 {
                print(
                    "\(kind.rawValue)s: \(counts.inserted) inserted, \(counts.updated) updated, "
                        + "\(counts.unchanged) unchanged, \(counts.rejected) rejected")
            }
        }
        if !report.rejected.isEmpty || !report.failedFiles.isEmpty {
            throw CommandFailure(
                exitCode: .dataError,
                message:
                    "\(report.rejected.count) record(s) and \(report.failedFiles.count) file(s) were rejected (see above)"
            )
        }
    }
}

/// `neuvo registry search QUERY`: what the bot would find.
struct RegistrySearchCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "search", abstract: "Search units by name, service, district or postal code in fi, sv or en.")
    }

    @OptionGroup var global: GlobalOptions
    @Option(help: "Language of the answers.") var lang: Language = .fi
    @Option(help: "Most results to show.") var limit: Int = 5
    @Argument(valueName: "words", atLeastOne: true, help: "What to look for, e.g. uimahalli Vuosaaressa.") var words:
        [String]

    func run() async throws {
        let search = try await global.withDatabase { _, database in
            _ = try await RegistrySeeder.seedIfEmpty(database)
            return try await RegistrySearch.load(from: database)
        }
        let result = search.search(words.joined(separator: " "), language: lang, limit: limit)
        if let district = result.district { print("district: \(district)") }
        if let postalCode = result.postalCode { print("postal code: \(postalCode)") }
        if result.units.isEmpty { print("no units found") }
        for unit in result.units {
            var line = "\(unit.name.text)"
            if let address = unit.streetAddress { line += ", \(address.text)" }
            if let postalCode = unit.postalCode { line += ", \(postalCode)" }
            if let distance = unit.distanceMeters { line += String(format: " (%.1f km)", distance / 1000) }
            if unit.isSample { line += " [sample data]" }
            if unit.usesFallbackLanguage {
                line += " [in \(unit.fallbackLanguages.map(\.rawValue).sorted().joined(separator: ", "))]"
            }
            print(line)
            if let hours = unit.openingHours {
                print("  hours: \(hours.text.replacingOccurrences(of: "\n", with: "; "))")
            }
            if let phone = unit.phone { print("  phone: \(phone)") }
            if let link = unit.link { print("  link: \(link.text)") }
        }
    }
}

extension Language: ExpressibleByArgument {}
