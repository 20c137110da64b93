import Testing

@testable import ArgumentParsing

enum Color: String, CaseIterable, ExpressibleByArgument {
    case red
    case green
}

struct Shared: ParsableArguments {
    @Option(name: "db", valueName: "path", help: "Database file.") var database: String?
}

struct Paint: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(abstract: "Paint things.") }
    @OptionGroup var shared: Shared
    @Option(help: "Colour to use.") var color: Color = .red
    @Option(short: "n", help: "How many coats.") var coats: Int = 1
    @Option(help: "Required label.") var label: String
    @Option(help: "Optional ratio.") var ratio: Double?
    @Flag(help: "Print JSON.") var json = false
    @Argument(valueName: "file", help: "Files to paint.") var files: [String]

    func validate() throws {
        if coats < 1 { throw ValidationError("--coats must be at least 1") }
    }
}

struct Wipe: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(abstract: "Wipe one thing.") }
    @Argument(valueName: "thing", help: "What to wipe.") var thing: String
}

struct Tools: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            abstract: "Tool group.", subcommands: [Wipe.self, ListTools.self], defaultSubcommand: ListTools.self)
    }
}

struct ListTools: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: "List tools.")
    }
    @Option(help: "Tags to match (repeatable).") var tag: [String]
}

struct Root: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "tool", abstract: "A test tool.", version: "tool 1.0", subcommands: [Paint.self, Tools.self])
    }
}

@Suite("Command-line parser")
struct CommandParserTests {
    func command<T: ParsableCommand>(_ arguments: [String], as type: T.Type = T.self) throws -> T {
        guard case .command(let command) = try CommandParser.parse(arguments, root: Root.self) else {
            throw ValidationError("not a command")
        }
        return try #require(command as? T)
    }

    func usageError(_ arguments: [String]) -> UsageError? {
        do {
            _ = try CommandParser.parse(arguments, root: Root.self)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesTypedOptionsFlagsAndPositionals() throws {
        let paint = try command(
            ["paint", "--color", "green", "-n", "3", "--label=front door", "--json", "a.txt", "b.txt", "--db", "x.db"],
            as: Paint.self)
        #expect(paint.color == .green)
        #expect(paint.coats == 3)
        #expect(paint.label == "front door")
        #expect(paint.json)
        #expect(paint.ratio == nil)
        #expect(paint.files == ["a.txt", "b.txt"])
        #expect(paint.shared.database == "x.db")
    }

    @Test func appliesDefaults() throws {
        let paint = try command(["paint", "--label", "x"], as: Paint.self)
        #expect(paint.color == .red)
        #expect(paint.coats == 1)
        #expect(!paint.json)
        #expect(paint.files.isEmpty)
        #expect(paint.shared.database == nil)
    }

    @Test func doubleDashEndsOptions() throws {
        let paint = try command(["paint", "--label", "x", "--", "--json", "-n"], as: Paint.self)
        #expect(!paint.json)
        #expect(paint.files == ["--json", "-n"])
    }

    @Test func negativeNumbersAreValues() throws {
        let paint = try command(["paint", "--label", "x", "--ratio", "-0.5"], as: Paint.self)
        #expect(paint.ratio == -0.5)
    }

    @Test func nestedSubcommands() throws {
        let wipe = try command(["tools", "wipe", "table"], as: Wipe.self)
        #expect(wipe.thing == "table")
    }

    @Test func unknownOptionSuggestsTheNearestOne() {
        let error = usageError(["paint", "--colour", "red", "--label", "x"])
        #expect(error?.reason == .unknownOption("--colour", suggestion: "--color"))
        #expect(error?.commandPath == ["tool", "paint"])
    }

    @Test func missingValueIsAUsageError() {
        #expect(usageError(["paint", "--label"])?.reason == .missingValue("--label"))
        // The next token is an option, not a value.
        #expect(usageError(["paint", "--label", "--json"])?.reason == .missingValue("--label"))
    }

    @Test func invalidValuesListWhatIsAllowed() {
        #expect(
            usageError(["paint", "--label", "x", "--color", "blue"])?.reason
                == .invalidValue(option: "--color", value: "blue", allowed: ["red", "green"]))
        #expect(
            usageError(["paint", "--label", "x", "-n", "three"])?.reason
                == .invalidValue(option: "-n", value: "three", allowed: []))
    }

    @Test func requiredOptionsAndArguments() {
        #expect(usageError(["paint"])?.reason == .missingRequired("--label"))
        #expect(usageError(["tools", "wipe"])?.reason == .missingRequired("<thing>"))
        #expect(usageError(["tools", "wipe", "a", "b"])?.reason == .unexpectedArgument("b"))
    }

    @Test func flagsTakeNoValue() {
        #expect(usageError(["paint", "--label", "x", "--json=yes"])?.reason == .flagWithValue("--json"))
    }

    @Test func subcommandErrors() {
        #expect(usageError(["pain"])?.reason == .unknownSubcommand("pain", suggestion: "paint"))
        #expect(usageError([])?.reason == .missingSubcommand)
    }

    @Test func aDefaultSubcommandRunsWhenNoneIsNamed() throws {
        #expect(try command(["tools"], as: ListTools.self).tag == [])
        #expect(try command(["tools", "--tag", "a", "--tag=b"], as: ListTools.self).tag == ["a", "b"])
        #expect(try command(["tools", "list", "--tag", "c"], as: ListTools.self).tag == ["c"])
        #expect(try command(["tools", "wipe", "x"], as: Wipe.self).thing == "x")
    }

    @Test func validationRunsAfterParsing() {
        #expect(usageError(["paint", "--label", "x", "-n", "0"])?.reason == .validation("--coats must be at least 1"))
    }

    @Test func helpIsGeneratedFromTheDeclarations() throws {
        guard case .help(let text) = try CommandParser.parse(["paint", "--help"], root: Root.self) else {
            Issue.record("expected help")
            return
        }
        #expect(text.contains("OVERVIEW: Paint things."))
        #expect(
            text.contains(
                "USAGE: tool paint [--db <path>] [--color <value>] [--coats <n>] --label <text> [--ratio <number>] [--json] [<file> ...]"
            ))
        #expect(text.contains("--color <value>"))
        #expect(text.contains("(values: red, green) (default: red)"))
        #expect(text.contains("-n, --coats <n>"))
        #expect(text.contains("Database file."))
        guard case .help(let same) = try CommandParser.parse(["help", "paint"], root: Root.self) else {
            Issue.record("expected help")
            return
        }
        #expect(same == text)
    }

    @Test func rootHelpListsSubcommandsWithOneLineEach() throws {
        guard case .help(let text) = try CommandParser.parse(["--help"], root: Root.self) else {
            Issue.record("expected help")
            return
        }
        #expect(text.contains("  paint       Paint things.\n"))
        #expect(text.contains("  tools       Tool group.\n"))
        guard case .version(let version) = try CommandParser.parse(["--version"], root: Root.self) else {
            Issue.record("expected version")
            return
        }
        #expect(version == "tool 1.0")
    }

    @Test func usageReportShowsTheSubcommandsUsage() throws {
        let error = try #require(usageError(["paint", "--bogus"]))
        let report = error.report(root: Root.self)
        #expect(report.hasPrefix("error: unknown option '--bogus'\nusage: tool paint "))
        #expect(report.contains("See 'tool paint --help'"))
    }

    @Test func kebabCaseNames() {
        #expect(NameStyle.kebabCase("residentID") == "resident-id")
        #expect(NameStyle.kebabCase("NluEval") == "nlu-eval")
        #expect(NameStyle.kebabCase("json") == "json")
        #expect(NameStyle.kebabCase("HTTPServer") == "http-server")
    }
}
