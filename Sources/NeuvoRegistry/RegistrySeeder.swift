import Foundation
import NeuvoStorage
import NeuvoSupport

/// Loads the bundled default registry (see Resources/SOURCES.md) into an empty database, so the bot can answer
/// out of the box.
public enum RegistrySeeder {
    /// The bundled files, in import order.
    public static let bundledFileNames = [
        "tpr_v4_ontology_tree.json", "tpr_v4_ontology_words.json", "tpr_units_detailed.json",
        "playgrounds_helsinki.json", "neuvo_sample_units.json", "helsinki_districts.json",
    ]

    public static func bundledFileURLs() -> [URL] {
        bundledFileNames.compactMap { name in
            Bundle.module.url(forResource: (name as NSString).deletingPathExtension, withExtension: "json")
        }
    }

    /// What seeding stored; nil from `seedIfEmpty` when the registry already had data.
    public struct Report: Sendable {
        public let counts: [RecordKind: ImportCounts]
        public let rejected: [RejectedRecord]
    }

    /// Stores the bundled registry when no service, keyword, unit or district is stored yet: one transaction,
    /// whose emptiness check and inserts cannot interleave with another seeder's.
    @discardableResult
    public static func seedIfEmpty(_ database: Database, clock: any WallClock = SystemClock()) async throws -> Report? {
        let repository = RegistryRepository(database: database, clock: clock)
        // Most starts find the registry already there: check before parsing the bundled files. The store below
        // checks again inside its transaction, so two processes starting at once still seed only once.
        guard try await repository.isEmpty() else { return nil }
        var batch = RegistryBatch()
        var rejected: [RejectedRecord] = []
        for url in bundledFileURLs() {
            let (format, records) = try RegistryParser.parse(try Data(contentsOf: url))
            for record in records {
                switch record.result {
                case .success(.service(let service)): batch.services.append(service)
                case .success(.keyword(let keyword)): batch.keywords.append(keyword)
                case .success(.unit(let unit)): batch.units.append(unit)
                case .success(.district(let district)): batch.districts.append(district)
                case .failure(let error):
                    rejected.append(
                        RejectedRecord(
                            file: url.lastPathComponent, index: record.index, id: record.sourceID,
                            kind: format.recordKind, reason: error.reason))
                }
            }
        }
        guard let counts = try await repository.store(batch, onlyIfEmpty: true) else { return nil }
        return Report(counts: counts, rejected: rejected)
    }
}
