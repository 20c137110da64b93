import ArgumentParsing
import CCurl
import CSQLite
import NeuvoAPI
import NeuvoStorage
import NeuvoSupport

/// The `neuvo` command: the root of every subcommand.
public struct Neuvo: ParsableCommand {
    public static let version = "0.1.0"

    public static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "neuvo",
            abstract: "Helsinki's city-services chatbot and notification gateway.",
            discussion: """
                Residents chat in Finnish, Swedish or English; the city's notices reach them by email and SMS.
                Everything runs in this one process on one SQLite file; no configuration is needed to start.
                """,
            version: "neuvo \(version) (SQLite \(String(cString: sqlite3_libversion())), "
                + "libcurl \(String(cString: neuvo_curl_version_string())))",
            subcommands: [
                ServeCommand.self, ChatCommand.self, ResidentsCommand.self, ArrangeCommand.self, DispatchCommand.self,
                NoticesCommand.self,
                NluCommand.self, CheckCommand.self, RegistryCommand.self, TranscriptsCommand.self, KeysCommand.self,
                StaffCommand.self, ConfigCommand.self,
                DatabaseCommand.self,
            ])
    }

    public init() {}

    /// Maps an error from a command to its exit code and one line for standard error: no stack traces.
    public static func exitCode(for error: any Error) -> (ExitCode, String) {
        switch error {
        case let failure as CommandFailure: return (failure.exitCode, failure.message)
        case let failure as RuntimeFailure:
            switch failure.kind {
            case .configuration: return (.configuration, failure.message)
            case .data: return (.dataError, failure.message)
            case .io: return (.ioError, failure.message)
            }
        case let error as ConfigurationError: return (.configuration, error.description)
        case let error as DatabaseOpenError:
            switch error {
            case .cannotCreate, .readOnly: return (.cannotCreate, error.description)
            case .notADatabase, .notANeuvoDatabase, .newerSchema: return (.dataError, error.description)
            }
        case let error as SQLiteError where error.isStorageFailure: return (.ioError, error.storageProblem)
        case let error as SQLiteError: return (.ioError, error.description)
        default: return (.failure, "\(error)")
        }
    }
}
