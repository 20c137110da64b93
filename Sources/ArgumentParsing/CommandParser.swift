import NeuvoSupport

/// A usage problem: reported with the usage of the command that was being parsed, and exit code 64.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public enum Reason: Sendable, Equatable {
        case unknownOption(String, suggestion: String?)
        case missingValue(String)
        case invalidValue(option: String, value: String, allowed: [String])
        case missingRequired(String)
        case unexpectedArgument(String)
        case unknownSubcommand(String, suggestion: String?)
        case missingSubcommand
        case flagWithValue(String)
        case validation(String)
    }

    public let reason: Reason
    /// The command path, e.g. ["neuvo", "nlu", "eval"].
    public let commandPath: [String]

    public var description: String {
        switch reason {
        case .unknownOption(let option, let suggestion):
            "unknown option '\(option)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .missingValue(let option): "missing value for '\(option)'"
        case .invalidValue(let option, let value, let allowed):
            "invalid value '\(value)' for '\(option)'"
                + (allowed.isEmpty ? "" : "; expected one of: \(allowed.joined(separator: ", "))")
        case .missingRequired(let option): "missing required '\(option)'"
        case .unexpectedArgument(let argument): "unexpected argument '\(argument)'"
        case .unknownSubcommand(let name, let suggestion):
            "unknown subcommand '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .missingSubcommand: "missing subcommand"
        case .flagWithValue(let flag): "'\(flag)' does not take a value"
        case .validation(let message): message
        }
    }
}

/// The outcome of parsing a command line.
public enum ParseResult {
    /// A command ready to run.
    case command(any ParsableCommand)
    /// `--help` or `help`: print this text and exit 0.
    case help(String)
    /// `--version`.
    case version(String)
}

public enum CommandParser {
    /// Parses `arguments` (without the program name) against a root command and its subcommands.
    public static func parse(_ arguments: [String], root: any ParsableCommand.Type) throws(UsageError) -> ParseResult {
        var path: [any ParsableCommand.Type] = [root]
        var remaining = arguments[...]

        // `neuvo help nlu eval` is the same as `neuvo nlu eval --help`.
        if remaining.first == "help" {
            remaining = remaining.dropFirst()
            var target = root
            while let name = remaining.first, let sub = subcommand(named: name, of: target) {
                target = sub
                path.append(sub)
                remaining = remaining.dropFirst()
            }
            return .help(HelpFormatter.help(for: path))
        }

        while let first = remaining.first, !first.hasPrefix("-") {
            let current = path.last!
            let subcommands = current.configuration.subcommands
            if subcommands.isEmpty { break }
            guard let sub = subcommand(named: first, of: current) else {
                let suggestion = nearest(first, in: subcommands.map { $0.commandName })
                throw UsageError(reason: .unknownSubcommand(first, suggestion: suggestion), commandPath: names(path))
            }
            path.append(sub)
            remaining = remaining.dropFirst()
        }

        if let fallback = path.last!.configuration.defaultSubcommand,
            remaining.first.map({ $0.hasPrefix("-") && $0 != "--help" && $0 != "-h" }) ?? true
        {
            path.append(fallback)
        }
        let leaf = path.last!
        if remaining.prefix(while: { $0 != "--" }).contains(where: { $0 == "--help" || $0 == "-h" }) {
            return .help(HelpFormatter.help(for: path))
        }
        if let version = leaf.configuration.version, remaining.first == "--version" {
            return .version(version)
        }
        if !leaf.configuration.subcommands.isEmpty {
            if remaining.isEmpty { throw UsageError(reason: .missingSubcommand, commandPath: names(path)) }
            let first = remaining.first!
            throw UsageError(
                reason: first.hasPrefix("-")
                    ? .unknownOption(first, suggestion: nil) : .unexpectedArgument(first), commandPath: names(path))
        }

        let command = leaf.init()
        try fill(command, with: Array(remaining), path: names(path))
        do {
            try command.validate()
        } catch {
            throw UsageError(reason: .validation("\(error)"), commandPath: names(path))
        }
        return .command(command)
    }

    static func subcommand(named name: String, of command: any ParsableCommand.Type) -> (any ParsableCommand.Type)? {
        command.configuration.subcommands.first { $0.commandName == name }
    }

    static func names(_ path: [any ParsableCommand.Type]) -> [String] { path.map { $0.commandName } }

    /// The declared slots of a value, in declaration order, with names derived from property names.
    static func slots(of value: Any) -> [ArgumentSlot] {
        var result: [ArgumentSlot] = []
        for child in Mirror(reflecting: value).children {
            if let provider = child.value as? any ArgumentSlotProviding {
                let slot = provider.slot
                if slot.name == nil, let label = child.label {
                    slot.name = NameStyle.kebabCase(label.hasPrefix("_") ? String(label.dropFirst()) : label)
                }
                result.append(slot)
            } else if let group = child.value as? any ArgumentGroupProviding {
                result.append(contentsOf: slots(of: group.groupValue))
            }
        }
        return result
    }

    static func fill(_ command: any ParsableArguments, with arguments: [String], path: [String]) throws(UsageError) {
        let slots = slots(of: command)
        let named = slots.filter { $0.kind != .positional }
        var positionals = slots.filter { $0.kind == .positional }[...]
        func fail(_ reason: UsageError.Reason) -> UsageError { UsageError(reason: reason, commandPath: path) }
        func lookup(_ token: String) -> ArgumentSlot? {
            if token.hasPrefix("--") { return named.first { "--" + ($0.name ?? "") == token } }
            if token.count == 2, token.hasPrefix("-") { return named.first { $0.short.map { "-\($0)" } == token } }
            return nil
        }

        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            if !onlyPositionals && token == "--" {
                onlyPositionals = true
                continue
            }
            if !onlyPositionals && token.hasPrefix("-") && token != "-" && !isNegativeNumber(token) {
                var name = token
                var inlineValue: String?
                if token.hasPrefix("--"), let equals = token.firstIndex(of: "=") {
                    name = String(token[..<equals])
                    inlineValue = String(token[token.index(after: equals)...])
                }
                guard let slot = lookup(name) else {
                    let candidates = named.compactMap { $0.name.map { "--" + $0 } }
                    throw fail(.unknownOption(name, suggestion: nearest(name, in: candidates)))
                }
                if slot.kind == .flag {
                    if inlineValue != nil { throw fail(.flagWithValue(name)) }
                    slot.setFlag()
                    slot.isSet = true
                    continue
                }
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    // A following option is not a value: `--train --json` is a missing value, not a file named --json.
                    guard index < arguments.count, lookup(arguments[index]) == nil, arguments[index] != "--" else {
                        throw fail(.missingValue(name))
                    }
                    value = arguments[index]
                    index += 1
                }
                guard slot.parse(value) else {
                    throw fail(.invalidValue(option: name, value: value, allowed: slot.allowedValues))
                }
                slot.isSet = true
                continue
            }
            guard let slot = positionals.first else { throw fail(.unexpectedArgument(token)) }
            guard slot.parse(token) else {
                throw fail(
                    .invalidValue(option: "<\(slot.displayValueName)>", value: token, allowed: slot.allowedValues))
            }
            slot.isSet = true
            if !slot.isRepeating { positionals = positionals.dropFirst() }
        }
        for slot in slots where slot.isRequired && !slot.isSet {
            throw fail(
                .missingRequired(slot.kind == .positional ? "<\(slot.displayValueName)>" : "--" + (slot.name ?? "")))
        }
    }

    static func isNegativeNumber(_ token: String) -> Bool {
        token.count > 1 && token.hasPrefix("-") && Double(token) != nil
    }

    static func nearest(_ word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, EditDistance.between($0, word)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }
}
