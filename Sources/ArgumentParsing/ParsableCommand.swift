/// A set of declared options, flags and arguments (`@Option`, `@Flag`, `@Argument`, `@OptionGroup`).
public protocol ParsableArguments {
    init()
    /// Checks combinations after parsing; throw a `ValidationError` to report a usage problem.
    func validate() throws
}

extension ParsableArguments {
    public func validate() throws {}
}

/// One command or subcommand, one type each, as in swift-argument-parser.
public protocol ParsableCommand: ParsableArguments {
    static var configuration: CommandConfiguration { get }
    /// Does the command's work. Commands with subcommands need not implement it.
    mutating func run() async throws
}

extension ParsableCommand {
    public mutating func run() async throws {
        throw CommandFailure(exitCode: .usage, message: "a subcommand is required")
    }
}

public struct CommandConfiguration {
    public var commandName: String?
    public var abstract: String
    public var discussion: String
    public var version: String?
    public var subcommands: [any ParsableCommand.Type]
    /// Used when no subcommand is named: `neuvo notices --status dead` means `neuvo notices list --status dead`.
    public var defaultSubcommand: (any ParsableCommand.Type)?

    public init(
        commandName: String? = nil, abstract: String, discussion: String = "", version: String? = nil,
        subcommands: [any ParsableCommand.Type] = [], defaultSubcommand: (any ParsableCommand.Type)? = nil
    ) {
        self.commandName = commandName
        self.abstract = abstract
        self.discussion = discussion
        self.version = version
        self.subcommands = subcommands
        self.defaultSubcommand = defaultSubcommand
    }
}

extension ParsableCommand {
    /// The name used on the command line: the configured one, or the type name in kebab case.
    static var commandName: String {
        configuration.commandName ?? NameStyle.kebabCase(String(describing: Self.self))
    }
}

/// sysexits.h codes, which scripts and service managers understand.
public struct ExitCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static let success = ExitCode(0)
    public static let failure = ExitCode(1)
    /// EX_USAGE: the command was used incorrectly.
    public static let usage = ExitCode(64)
    /// EX_DATAERR: the input data was incorrect.
    public static let dataError = ExitCode(65)
    /// EX_NOINPUT: an input file did not exist or was not readable.
    public static let noInput = ExitCode(66)
    /// EX_SOFTWARE: an internal error.
    public static let software = ExitCode(70)
    /// EX_CANTCREAT: an output file cannot be created.
    public static let cannotCreate = ExitCode(73)
    /// EX_IOERR: an error while doing I/O.
    public static let ioError = ExitCode(74)
    /// EX_CONFIG: something was found in an unconfigured or misconfigured state.
    public static let configuration = ExitCode(78)

    public var description: String { String(rawValue) }
}

/// An error a command reports as one line and an exit code, without a stack trace.
public struct CommandFailure: Error, CustomStringConvertible {
    public let exitCode: ExitCode
    public let message: String

    public init(exitCode: ExitCode, message: String) {
        self.exitCode = exitCode
        self.message = message
    }

    public var description: String { message }
}

/// Thrown from `validate()` for a usage problem the declarations cannot express.
public struct ValidationError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

enum NameStyle {
    /// `residentID` → `resident-id`, `NluEval` → `nlu-eval`.
    static func kebabCase(_ name: String) -> String {
        var result = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            if character.isUppercase {
                let previousIsLower = index > 0 && characters[index - 1].isLowercase
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                let previousIsUpper = index > 0 && characters[index - 1].isUppercase
                if index > 0 && (previousIsLower || (previousIsUpper && nextIsLower)) { result.append("-") }
                result.append(Character(character.lowercased()))
            } else if character == "_" {
                result.append("-")
            } else {
                result.append(character)
            }
        }
        return result
    }
}
