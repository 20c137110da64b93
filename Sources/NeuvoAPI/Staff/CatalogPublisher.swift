import Foundation
import NeuvoCatalog
import NeuvoCore
import NeuvoLanguage

/// What publishing the draft would do: the catalog's problems, and accuracy per language before (live) and after
/// (the draft) on the catalog's own cross-validation and, when one is configured, the evaluation set.
public struct PublishEvaluation: Sendable, Codable, Hashable {
    public struct Figure: Sendable, Codable, Hashable {
        public let measure: String
        public let lang: String
        public let live: Double
        public let draft: Double
    }

    /// Cross-validation recall of one intent (its examples the other folds' model files under it), live and draft.
    public struct IntentFigure: Sendable, Codable, Hashable {
        public let intent: String
        public let live: Double
        public let draft: Double
    }

    public let problems: [CatalogProblem]
    public let figures: [Figure]
    /// Per intent, for review beside the per-language figures (the tolerance applies to the languages).
    public var intents: [IntentFigure] = []
    /// Figures whose drop is beyond the tolerance, described.
    public let drops: [String]
    public let tolerance: Double

    public var errors: [CatalogProblem] { problems.filter { $0.severity == .error } }
}

/// Builds a candidate catalog from the live folder and the draft, checks and measures it, and writes a published
/// version back to the folder: the one place that changes the catalog's files.
struct CatalogPublisher: Sendable {
    let root: URL
    let tolerance: Double
    let evaluationSet: URL?

    static let folders = ["intents", "locales"]

    /// The catalog's files as they are on disk now (relative path → content).
    func currentFiles() throws -> [String: String] {
        var files: [String: String] = [:]
        for folder in Self.folders {
            let url = root.appendingPathComponent(folder)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            where name.hasSuffix(".json") && !name.hasPrefix(".") {
                files["\(folder)/\(name)"] = try String(
                    contentsOf: url.appendingPathComponent(name), encoding: .utf8)
            }
        }
        return files
    }

    /// Whether a catalog file was modified after `date` (an edit by hand that no reload has read yet).
    func changed(since date: Date) -> Bool {
        let manager = FileManager.default
        for folder in Self.folders {
            let url = root.appendingPathComponent(folder)
            for name in (try? manager.contentsOfDirectory(atPath: url.path)) ?? [] where name.hasSuffix(".json") {
                let modified =
                    try? manager.attributesOfItem(atPath: url.appendingPathComponent(name).path)[
                        .modificationDate] as? Date
                if let modified, modified > date { return true }
            }
        }
        return false
    }

    /// The files with every change of the draft applied, or the reason one could not be.
    func apply(_ draft: [DraftChange], to files: [String: String], catalog: Catalog) throws(CatalogEditError)
        -> [String: String]
    {
        var files = files
        for change in draft {
            switch change.kind {
            case .example:
                guard let intent = catalog.intents[change.target] else {
                    throw CatalogEditError(description: "there is no intent \(change.target)")
                }
                try CatalogFileEditor.addExample(
                    change.text, language: change.lang.rawValue, file: intent.file, in: &files)
            case .exampleRemoval:
                guard let intent = catalog.intents[change.target] else {
                    throw CatalogEditError(description: "there is no intent \(change.target)")
                }
                try CatalogFileEditor.removeExample(
                    change.text, language: change.lang.rawValue, file: intent.file, in: &files)
            case .translation:
                guard let string = catalog.locales.strings[change.target] else {
                    throw CatalogEditError(description: "there is no locale key \(change.target)")
                }
                try CatalogFileEditor.setTranslation(
                    change.text, key: change.target, language: change.lang.rawValue, file: string.file, in: &files)
            }
        }
        return files
    }

    /// Writes `files` into a fresh folder, to be checked and trained away from the live one.
    static func stage(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-draft-\(UUID())")
        for folderName in folders {
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent(folderName), withIntermediateDirectories: true)
        }
        for (path, content) in files {
            try Data(content.utf8).write(to: folder.appendingPathComponent(path))
        }
        return folder
    }

    /// Checks the candidate and compares it with the live catalog. CPU-heavy (training, cross-validation): callers
    /// run it off the event loops.
    func evaluate(candidate files: [String: String], live: Catalog) throws -> PublishEvaluation {
        let folder = try Self.stage(files)
        defer { try? FileManager.default.removeItem(at: folder) }
        let source = CatalogLoader(root: folder).load()
        let problems = source.problems.filter { $0.severity != .note }
        guard !problems.contains(where: { $0.severity == .error }) else {
            return PublishEvaluation(problems: problems, figures: [], drops: [], tolerance: tolerance)
        }
        let liveValidation = CrossValidation.run(Array(live.intents.values).sorted { $0.id < $1.id })
        let draftValidation = CrossValidation.run(source.intents.sorted { $0.id < $1.id })
        var figures: [PublishEvaluation.Figure] = Language.allCases.map {
            .init(
                measure: "cross_validation", lang: $0.rawValue, live: liveValidation.accuracy(in: $0),
                draft: draftValidation.accuracy(in: $0))
        }
        if let evaluationSet {
            let lines = try CatalogEvaluation.read(evaluationSet)
            let candidate = try Catalog.load(root: folder)
            let before = CatalogEvaluation.run(live, lines: lines).figures
            let after = CatalogEvaluation.run(candidate, lines: lines).figures
            for figure in before {
                guard let next = after.first(where: { $0.lang == figure.lang }) else { continue }
                figures.append(
                    .init(measure: "evaluation_set", lang: figure.lang, live: figure.accuracy, draft: next.accuracy))
            }
        }
        let liveRecall = Dictionary(uniqueKeysWithValues: liveValidation.perIntent.map { ($0.intent, $0.recall) })
        let intents = draftValidation.perIntent.map {
            PublishEvaluation.IntentFigure(intent: $0.intent, live: liveRecall[$0.intent] ?? 0, draft: $0.recall)
        }
        let drops = figures.filter { $0.live - $0.draft > tolerance }.map {
            "\($0.measure) accuracy in \($0.lang) drops from \(Self.percent($0.live)) to \(Self.percent($0.draft))"
                + " (tolerance \(Self.percent(tolerance)))"
        }
        var evaluation = PublishEvaluation(problems: problems, figures: figures, drops: drops, tolerance: tolerance)
        evaluation.intents = intents
        return evaluation
    }

    /// The problems `neuvo check`'s rules find in `files` (no training): for the console's live check of a field.
    static func problems(in files: [String: String]) throws -> CatalogLoader.Result {
        let folder = try stage(files)
        defer { try? FileManager.default.removeItem(at: folder) }
        return CatalogLoader(root: folder).load()
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f %%", share * 100) }

    /// Replaces the catalog's files with `files`: each written beside its place and renamed over it (a reader sees
    /// the old file or the new one, never half of one); catalog files that the version does not have are removed.
    func write(_ files: [String: String]) throws {
        let manager = FileManager.default
        for folder in Self.folders {
            try manager.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for (path, content) in files.sorted(by: { $0.key < $1.key }) {
            let target = root.appendingPathComponent(path)
            if let existing = try? String(contentsOf: target, encoding: .utf8), existing == content { continue }
            let temporary = target.deletingLastPathComponent().appendingPathComponent(
                ".\(target.lastPathComponent).new")
            try Data(content.utf8).write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                throw CatalogEditError(description: "cannot replace \(path) (errno \(errno))")
            }
        }
        for (path, _) in try currentFiles() where files[path] == nil {
            try manager.removeItem(at: root.appendingPathComponent(path))
        }
    }

    /// Commits the catalog's folders with the staff member as author, when the folder is a git working tree.
    /// Returns what git said when it failed; nil when committed or not a repository.
    func commit(author: String, message: String) -> String? {
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path) else { return nil }
        func git(_ arguments: [String]) -> (Int32, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", root.path] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            do { try process.run() } catch { return (-1, "git could not be started") }
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: output, as: UTF8.self))
        }
        let safeName = String(author.filter { $0 != "<" && $0 != ">" && $0 != "\n" }.prefix(100))
        let (added, addOutput) = git(["add", "-A", "--"] + Self.folders)
        guard added == 0 else { return addOutput }
        let (status, output) = git(
            [
                "-c", "user.name=Neuvo", "-c", "user.email=neuvo@localhost", "commit", "--quiet",
                "--author", "\(safeName) <staff@neuvo.invalid>", "-m", message, "--",
            ] + Self.folders)
        return status == 0 || output.contains("nothing to commit") ? nil : output
    }
}
