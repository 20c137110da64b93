import ArgumentParsing
import Foundation
import NeuvoAPI
import NeuvoSupport

extension APIScope: ExpressibleByArgument {}

/// `neuvo keys create|revoke`: API keys for city systems and staff, stored hashed.
struct KeysCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "keys", abstract: "Create and revoke API keys (stored hashed, with scopes).",
            subcommands: [KeysCreateCommand.self, KeysRevokeCommand.self])
    }
}

struct KeysCreateCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "create", abstract: "Create a key and print it once; only its hash is stored.")
    }

    @OptionGroup var global: GlobalOptions
    @Option(help: "Who or what uses the key.") var name: String
    @Option(help: "A scope (repeatable).") var scope: [APIScope]

    func validate() throws {
        if scope.isEmpty {
            throw ValidationError("give at least one --scope (arrangements:write, notices:read, admin)")
        }
    }

    func run() async throws {
        let key = try await global.withDatabase { _, database in
            try await APIKeyStore(database: database).create(name: name, scopes: Set(scope), now: Date())
        }
        print(key)
    }
}

struct KeysRevokeCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "revoke", abstract: "Revoke a key by its id (the part after neuvo_).")
    }

    @OptionGroup var global: GlobalOptions
    @Argument(valueName: "id", help: "The key's id.") var id: String

    func run() async throws {
        let revoked = try await global.withDatabase { _, database in
            try await APIKeyStore(database: database).revoke(id: id, now: Date())
        }
        guard revoked else { throw CommandFailure(exitCode: .dataError, message: "no active key \(id)") }
        print("revoked \(id)")
    }
}
