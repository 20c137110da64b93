import ArgumentParsing
import Foundation
import NeuvoSupport

/// `neuvo config`: the effective configuration, where each value came from, secrets masked.
struct ConfigCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "config",
            abstract: "Print the effective configuration, with secrets masked.",
            discussion: """
                Values come from built-in defaults, then the JSON file (--config, NEUVO_CONFIG or
                ~/.config/neuvo/config.json), then NEUVO_* environment variables, then options such as --db.
                """)
    }

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let rows = configuration.describe()
        if json {
            var object: [String: [String: String]] = [:]
            for row in rows {
                let setting = Configuration.setting(named: row.key)!
                object[row.key] = ["value": row.value, "source": row.source, "env": setting.environmentName]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(object), as: UTF8.self))
            return
        }
        let keyWidth = rows.map(\.key.count).max() ?? 0
        let valueWidth = min(rows.map(\.value.count).max() ?? 0, 48)
        for row in rows {
            let key = row.key.padding(toLength: keyWidth, withPad: " ", startingAt: 0)
            let value =
                row.value.count < valueWidth
                ? row.value.padding(toLength: valueWidth, withPad: " ", startingAt: 0) : row.value
            print("\(key)  \(value)  (\(row.source))")
        }
    }
}
