import ArgumentParsing
import Foundation
import NeuvoAPI
import NeuvoSupport

/// `neuvo staff invite`: staff members for a machine without the city's OpenID provider.
struct StaffCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "staff", abstract: "Staff of the console at /staff: invite a member with a sign-in link.",
            subcommands: [StaffInviteCommand.self])
    }
}

struct StaffInviteCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "invite",
            abstract: "Create a staff member and print a single-use, short-lived sign-in link for them.",
            discussion: """
                Opening the link signs the member in to the staff console (/staff/) once; a used or expired link
                signs nobody in. Only the link's hash is stored. Roles: editor (intents, translations), publisher
                (publish, roll back), agent, operator.
                """)
    }

    @OptionGroup var global: GlobalOptions
    @Option(help: "The member's name, as the audit log and git commits show it.") var name: String
    @Option(help: "Comma-separated roles: editor, publisher, agent, operator.") var roles: String
    @Option(help: "Minutes the link stays valid (1-1440).") var minutes: Int = 30

    func validate() throws {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 100 else { throw ValidationError("--name needs 1 to 100 characters") }
        let names = roles.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let unknown = names.filter { StaffRole(rawValue: $0) == nil }
        guard unknown.isEmpty, !names.isEmpty else {
            throw ValidationError(
                "--roles takes editor, publisher, agent or operator, comma-separated (not \(unknown.joined(separator: ", ")))"
            )
        }
        guard (1...1440).contains(minutes) else { throw ValidationError("--minutes must be 1 to 1440") }
    }

    func run() async throws {
        let link = try await global.withDatabase { configuration, database in
            let token = try await StaffStore(database: database).invite(
                name: name.trimmingCharacters(in: .whitespacesAndNewlines), roles: StaffRole.parse(roles),
                lifetime: Double(minutes) * 60, now: Date())
            let base = configuration.publicBaseURL().absoluteString.trimmingCharacters(
                in: CharacterSet(charactersIn: "/"))
            return base + "/staff/signin/" + token
        }
        print(link)
    }
}
