/// Generates usage and help text from the declarations, so help can never drift from the parser.
enum HelpFormatter {
    static func usage(for path: [any ParsableCommand.Type]) -> String {
        let leaf = path.last!
        let prefix = path.map { $0.commandName }.joined(separator: " ")
        if !leaf.configuration.subcommands.isEmpty { return "\(prefix) <subcommand>" }
        let slots = CommandParser.slots(of: leaf.init())
        var parts = [prefix]
        for slot in slots where slot.kind != .positional {
            var part = "--\(slot.name ?? "")"
            if slot.kind == .option { part += " <\(slot.displayValueName)>" }
            parts.append(slot.isRequired ? part : "[\(part)]")
        }
        for slot in slots where slot.kind == .positional {
            var part = "<\(slot.displayValueName)>"
            if slot.isRepeating { part += " ..." }
            parts.append(slot.isRequired ? part : "[\(part)]")
        }
        return parts.joined(separator: " ")
    }

    static func help(for path: [any ParsableCommand.Type]) -> String {
        let leaf = path.last!
        let configuration = leaf.configuration
        var text = "OVERVIEW: \(configuration.abstract)\n"
        if !configuration.discussion.isEmpty { text += "\n\(configuration.discussion)\n" }
        text += "\nUSAGE: \(usage(for: path))\n"

        if !configuration.subcommands.isEmpty {
            text += "\nSUBCOMMANDS:\n"
            text += table(configuration.subcommands.map { ($0.commandName, $0.configuration.abstract) })
            let root = path.first!.commandName
            let rest = path.dropFirst().map { $0.commandName }.joined(separator: " ")
            text += "\n  See '\(root) help \(rest.isEmpty ? "" : rest + " ")<subcommand>' for detailed help.\n"
        }

        let slots = configuration.subcommands.isEmpty ? CommandParser.slots(of: leaf.init()) : []
        let positionals = slots.filter { $0.kind == .positional }
        if !positionals.isEmpty {
            text += "\nARGUMENTS:\n"
            text += table(positionals.map { ("<\($0.displayValueName)>", describe($0)) })
        }
        var rows: [(String, String)] = slots.filter { $0.kind != .positional }.map { slot in
            var left = slot.short.map { "-\($0), " } ?? ""
            left += "--\(slot.name ?? "")"
            if slot.kind == .option { left += " <\(slot.displayValueName)>" }
            return (left, describe(slot))
        }
        if configuration.version != nil { rows.append(("--version", "Show the version.")) }
        rows.append(("-h, --help", "Show help information."))
        text += "\nOPTIONS:\n" + table(rows)
        return text
    }

    static func describe(_ slot: ArgumentSlot) -> String {
        var text = slot.help
        if !slot.allowedValues.isEmpty { text += " (values: \(slot.allowedValues.joined(separator: ", ")))" }
        if let defaultDescription = slot.defaultDescription, slot.kind == .option {
            text += " (default: \(defaultDescription))"
        }
        return text
    }

    static func table(_ rows: [(String, String)]) -> String {
        let width = min(max(rows.map(\.0.count).max() ?? 0, 10), 32)
        return rows.map { left, right in
            if left.count > width {
                return "  \(left)\n  \(String(repeating: " ", count: width))  \(right)\n"
            }
            return "  \(left)\(String(repeating: " ", count: width - left.count))  \(right)\n"
        }.joined()
    }
}

extension UsageError {
    /// The error and the usage of the command, as printed on standard error.
    public func report(root: any ParsableCommand.Type) -> String {
        var path: [any ParsableCommand.Type] = [root]
        for name in commandPath.dropFirst() {
            guard let sub = CommandParser.subcommand(named: name, of: path.last!) else { break }
            path.append(sub)
        }
        let names = path.map { $0.commandName }.joined(separator: " ")
        return "error: \(description)\nusage: \(HelpFormatter.usage(for: path))\n  See '\(names) --help' for more.\n"
    }
}
