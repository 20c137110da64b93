import ArgumentParsing
import Foundation
import NeuvoAPI
import NeuvoBundledCatalog
import NeuvoCatalog
import NeuvoStorage
import NeuvoSupport

/// Options every command that touches configuration or the database accepts.
public struct GlobalOptions: ParsableArguments {
    @Option(name: "config", valueName: "file", help: "JSON configuration file (or NEUVO_CONFIG).")
    var configFile: String?

    @Option(name: "db", valueName: "path", help: "SQLite database file (or NEUVO_DB); created on first run.")
    var databasePath: String?

    @Option(name: "catalog", valueName: "folder", help: "Folder holding intents/ and locales/ (or NEUVO_CATALOG).")
    var catalogPath: String?

    public init() {}

    /// The effective configuration: defaults < file < NEUVO_* environment < these options.
    /// `options`: a command's own options that override settings, such as `serve --port`.
    func loadConfiguration(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        options: [(key: String, value: String, option: String)] = []
    ) throws -> Configuration {
        var overrides = options
        if let databasePath { overrides.append(("db", databasePath, "--db")) }
        if let catalogPath { overrides.append(("catalog", catalogPath, "--catalog")) }
        return try Configuration.load(environment: environment, configFile: configFile, overrides: overrides)
    }

    func makeLogger(_ configuration: Configuration, label: String) -> Logger {
        Logger(
            label: label,
            sink: .standardError(format: configuration.logFormat, minimumLevel: configuration.logLevel))
    }

    /// Loads, validates and trains the intent catalog; a broken catalog is a data error naming its problems.
    func loadCatalog(_ configuration: Configuration) throws -> Catalog {
        let root = try Self.catalogRoot(configuration)
        do {
            return try Catalog.load(root: root)
        } catch {
            throw CommandFailure(exitCode: .dataError, message: error.description)
        }
    }

    /// The runtime every serving command runs on: configuration, database, catalog, services, built once.
    /// `seedingCatalog`: a deployment's catalog folder (`NEUVO_CATALOG`) that does not exist yet, or is empty,
    /// starts as a copy of the bundled one, which staff then edit (`serve` only: a mistyped `--catalog` for a one-off
    /// command stays an error rather than a new folder).
    func openRuntime(
        _ use: NeuvoRuntime.CatalogUse, label: String, options: [(key: String, value: String, option: String)] = [],
        seedingCatalog: Bool = false
    ) async throws -> NeuvoRuntime {
        let configuration = try loadConfiguration(options: options)
        if seedingCatalog, let folder = configuration.catalogPath {
            do {
                if try BundledCatalog.seed(URL(fileURLWithPath: folder)) {
                    FileHandle.standardError.write(
                        Data("neuvo: seeded the catalog folder \(folder) from the bundled catalog\n".utf8))
                }
            } catch {
                throw CommandFailure(
                    exitCode: .ioError,
                    message: "cannot seed the catalog folder \(folder): \(error.localizedDescription)")
            }
        }
        return try await NeuvoRuntime.open(
            configuration: configuration, logger: makeLogger(configuration, label: label), use: use)
    }

    /// The folder `--catalog` or `NEUVO_CATALOG` names, else the catalog bundled with the binary.
    static func catalogRoot(_ configuration: Configuration) throws -> URL {
        guard let root = BundledCatalog.root(configured: configuration.catalogPath) else {
            throw CommandFailure(
                exitCode: .configuration,
                message:
                    "no catalog: the bundle beside the binary is missing; name a folder with --catalog or NEUVO_CATALOG"
            )
        }
        return root
    }

    /// Opens (creating and migrating on first run) the configured database.
    func openDatabase(_ configuration: Configuration) throws -> Database {
        try NeuvoRuntime.openDatabase(path: configuration.databasePath, cacheKiB: configuration.databaseCacheKiB)
    }

    /// Loads the configuration, opens the database, runs `body`, and closes the database whether or not `body`
    /// throws (the last connection to close checkpoints the log and removes it).
    func withDatabase<T>(_ body: (Configuration, Database) async throws -> T) async throws -> T {
        let configuration = try loadConfiguration()
        let database = try openDatabase(configuration)
        do {
            let result = try await body(configuration, database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }
}
