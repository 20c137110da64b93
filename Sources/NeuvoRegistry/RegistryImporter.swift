import Foundation
import NeuvoStorage
import NeuvoSupport

/// A record that was not stored, with where it was and why.
public struct RejectedRecord: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    /// Position of the record in the file's record list (0-based).
    public let index: Int
    /// The record's id as written, when it has one.
    public let id: String?
    public let kind: RecordKind?
    public let reason: RejectionReason

    public var description: String {
        "\(file) record \(index)\(id.map { " (id \($0))" } ?? ""): \(reason)"
    }
}

/// What happened to one file.
public struct FileImportReport: Sendable {
    public let file: URL
    /// Nil when the file could not be read as registry data (see `error`).
    public let format: RegistryFileFormat?
    public let counts: ImportCounts
    public let error: RegistryFileError?
}

/// The outcome of `RegistryImporter.importFiles`: counts per kind, every rejected record, every failed file.
public struct ImportReport: Sendable {
    public var files: [FileImportReport] = []
    public var counts: [RecordKind: ImportCounts] = [:]
    public var rejected: [RejectedRecord] = []

    public func counts(_ kind: RecordKind) -> ImportCounts { counts[kind] ?? ImportCounts() }
    public var failedFiles: [FileImportReport] { files.filter { $0.error != nil } }
}

/// Imports palvelukarttaws v4 files (service tree, keywords, units), Service Map exports and districts files.
///
/// Each file is parsed and stored in its own transaction: a broken file does not stop the others, and a file's
/// good records are stored even when some of its records are rejected. Records are upserted by source id.
public struct RegistryImporter: Sendable {
    public let repository: RegistryRepository

    public init(database: Database, clock: any WallClock = SystemClock()) {
        repository = RegistryRepository(database: database, clock: clock)
    }

    public func importFiles(_ urls: [URL]) async -> ImportReport {
        var report = ImportReport()
        for url in urls {
            let data: Data
            do {
                data = try Data(contentsOf: url)
            } catch {
                report.files.append(fail(url, "cannot read the file (\(error.localizedDescription))"))
                continue
            }
            await importData(data, name: url.lastPathComponent, url: url, into: &report)
        }
        return report
    }

    func importData(_ data: Data, name: String, url: URL, into report: inout ImportReport) async {
        let format: RegistryFileFormat
        let records: [ParsedRecord]
        do {
            (format, records) = try RegistryParser.parse(data)
        } catch {
            report.files.append(FileImportReport(file: url, format: nil, counts: ImportCounts(), error: error))
            return
        }
        var batch = RegistryBatch()
        var rejected = 0
        for record in records {
            switch record.result {
            case .success(.service(let service)): batch.services.append(service)
            case .success(.keyword(let keyword)): batch.keywords.append(keyword)
            case .success(.unit(let unit)): batch.units.append(unit)
            case .success(.district(let district)): batch.districts.append(district)
            case .failure(let error):
                rejected += 1
                report.rejected.append(
                    RejectedRecord(
                        file: name, index: record.index, id: record.sourceID, kind: format.recordKind,
                        reason: error.reason))
            }
        }
        var fileCounts = ImportCounts(rejected: rejected)
        do {
            let stored = try await repository.store(batch)
            for (kind, counts) in stored {
                report.counts[kind] = report.counts(kind) + counts
                fileCounts = fileCounts + counts
            }
        } catch {
            report.files.append(
                FileImportReport(
                    file: url, format: format, counts: ImportCounts(rejected: rejected),
                    error: RegistryFileError(message: "cannot store the records: \(error)")))
            return
        }
        report.counts[format.recordKind] = report.counts(format.recordKind) + ImportCounts(rejected: rejected)
        report.files.append(FileImportReport(file: url, format: format, counts: fileCounts, error: nil))
    }

    private func fail(_ url: URL, _ message: String) -> FileImportReport {
        FileImportReport(file: url, format: nil, counts: ImportCounts(), error: RegistryFileError(message: message))
    }
}
