import ArgumentParsing
import Foundation
import NeuvoConversation
import NeuvoSupport

/// `neuvo transcripts`: chat transcripts and what staff read from them.
struct TranscriptsCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "transcripts", abstract: "Look after stored chat transcripts.",
            subcommands: [TranscriptsPurgeCommand.self])
    }
}

/// `neuvo transcripts purge`: deletes what is older than the retention period (run it daily, e.g. from cron).
struct TranscriptsPurgeCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "purge",
            abstract: "Delete transcripts, hand-offs, feedback and unanswered questions past the retention period.",
            discussion: "The period is transcript_retention_days (default 30) unless --days is given.")
    }

    @OptionGroup var global: GlobalOptions
    @Option(valueName: "n", help: "Keep this many days instead of transcript_retention_days.") var days: Int?
    @Flag(name: "dry-run", help: "Count what would be deleted, delete nothing.") var dryRun = false
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if let days, !(1...3650).contains(days) { throw ValidationError("--days must be from 1 to 3650") }
    }

    func run() async throws {
        let (retention, report) = try await global.withDatabase { configuration, database in
            let retention = days ?? configuration.transcriptRetentionDays
            return (
                retention,
                try await ConversationStore(database: database).purge(
                    retentionDays: retention, now: SystemClock().now(), dryRun: dryRun)
            )
        }
        if json {
            StandardOutput.writeLine(try StandardOutput.json(report))
            return
        }
        let verb = dryRun ? "would delete" : "deleted"
        StandardOutput.writeLine(
            "\(verb) \(report.turns) turns, \(report.sessions) sessions, \(report.handoffs) hand-offs, "
                + "\(report.feedback) feedback, \(report.unanswered) unanswered questions "
                + "older than \(retention) days")
    }
}
