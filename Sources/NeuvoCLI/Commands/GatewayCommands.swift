import ArgumentParsing
import Foundation
import NeuvoAPI
import NeuvoArrangements
import NeuvoCatalog
import NeuvoCrypto
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport

/// `neuvo residents import FILE`.
struct ResidentsCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "residents", abstract: "Import residents (JSONL or CSV).",
            subcommands: [ResidentsImportCommand.self])
    }
}

struct ResidentsImportCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "import",
            abstract: "Import residents from JSONL or CSV; bad rows are reported, good rows stored.",
            discussion: """
                One resident a line: {"id": "R1", "name": "Resident One", "lang": "fi", "email": "r1@example.org",
                "phone": "+358401234567", "channel": "email", "consent": {"email": true, "sms": true},
                "quiet_hours": "21:00-08:00"}. CSV uses the same column names (consent.email, consent.sms).
                Re-importing updates residents by id. Exits 65 when a row was rejected.
                """)
    }

    @OptionGroup var global: GlobalOptions
    @Argument(valueName: "file", help: "JSONL or CSV file.") var file: String

    func run() async throws {
        let runtime = try await global.openRuntime(.notices, label: "gateway")
        let (rows, errors) = try BulkFile.read(URL(fileURLWithPath: file))
        let result = try await runtime.intake.importResidents(rows, file: file)
        await runtime.close()
        let rejected = errors + result.rejected
        for error in rejected.sorted(by: { $0.line < $1.line }) { print("rejected: \(error)") }
        print("\(result.stored) residents stored, \(rejected.count) rejected")
        if !rejected.isEmpty {
            throw CommandFailure(exitCode: .dataError, message: "\(rejected.count) row(s) were rejected (see above)")
        }
    }
}

/// `neuvo arrange FILE` or `neuvo arrange --resident R1 --kind preschool_place --detail unit=...`.
struct ArrangeCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "arrange", abstract: "Create arrangements (and queue their notices) from a file or options.",
            discussion: """
                One arrangement a line: {"resident": "R1", "kind": "preschool_place", "details": {...},
                "idempotency_key": "..."}. Kinds and their details: preschool_place (unit, start_date, accept_by),
                health_checkup (unit, time), budgeting_vote (district, closes), planning_decision (title, url).
                Dates are YYYY-MM-DD. The same idempotency key never creates a second arrangement or notice.
                """)
    }

    @OptionGroup var global: GlobalOptions
    @Argument(valueName: "file", help: "JSONL or CSV file of arrangements.") var files: [String]
    @Option(help: "Resident id (for a single arrangement).") var resident: String?
    @Option(help: "Kind (for a single arrangement).") var kind: String?
    @Option(valueName: "key=value", help: "A detail (repeatable), e.g. --detail unit=\"Kallion ala-aste\".")
    var detail: [String]
    @Option(name: "idempotency-key", help: "Idempotency key (for a single arrangement).") var idempotencyKey: String?
    @Flag(help: "Send at once, even in quiet hours.") var urgent = false
    @Flag(help: "Print one JSON object a line.") var json = false

    func validate() throws {
        if files.count > 1 { throw ValidationError("give one file at a time") }
        if files.isEmpty && (resident == nil || kind == nil) {
            throw ValidationError("give a file, or --resident and --kind for a single arrangement")
        }
        if !files.isEmpty && (resident != nil || kind != nil) {
            throw ValidationError("give either a file or --resident/--kind, not both")
        }
        if let bad = detail.first(where: { !$0.contains("=") }) {
            throw ValidationError("--detail takes key=value, not '\(bad)'")
        }
    }

    /// Rows a transaction: large enough that the per-transaction cost vanishes, small enough that the server's
    /// dispatcher and chat are never kept from the database for long and memory stays flat for any file size.
    static let rowsPerTransaction = 2_000

    func run() async throws {
        let runtime = try await global.openRuntime(.notices, label: "gateway")
        var rejected: [BulkFileError] = []
        var report = ArrangeReport(json: json)
        if let file = files.first {
            // Pipelined: while chunk k is written (the database's thread), chunk k+1 is planned (rendered,
            // signed, encoded) and chunk k+2 parsed, so both cores work. Reports come out in file order. A failure
            // stops at once; chunks already committed stay, and re-running the file is safe, because an
            // idempotency key already used gives back what it made.
            let source = try BulkFile.open(URL(fileURLWithPath: file))
            typealias Outcomes = [(line: Int, outcome: Result<ArrangeOutcome, GatewayError>)]
            var inFlight: [Task<Outcomes, any Error>] = []
            for start in stride(from: 0, to: source.count, by: Self.rowsPerTransaction) {
                let (rows, errors) = source.rows(start..<min(start + Self.rowsPerTransaction, source.count))
                rejected += errors
                var requests: [(line: Int, request: ArrangementRequest)] = []
                for row in rows {
                    do {
                        requests.append((row.line, try IntakeService.arrangementRequest(from: row)))
                    } catch {
                        rejected.append(BulkFileError(file: file, line: row.line, message: error.description))
                    }
                }
                if inFlight.count == 2 {
                    try report.add(try await inFlight.removeFirst().value, into: &rejected, file: file)
                }
                let service = runtime.intake
                inFlight.append(
                    Task {
                        let outcomes = try await service.arrange(requests.map(\.request))
                        return zip(requests, outcomes).map { ($0.line, $1) }
                    })
            }
            for task in inFlight { try report.add(try await task.value, into: &rejected, file: file) }
        } else {
            var details: [String: String] = [:]
            for pair in detail {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                details[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            let request = ArrangementRequest(
                resident: resident!, kind: kind!, details: details, idempotencyKey: idempotencyKey, urgent: urgent)
            let outcomes = try await runtime.intake.arrange([request])
            try report.add([(0, outcomes[0])], into: &rejected, file: "options")
        }
        await runtime.close()
        for error in rejected.sorted(by: { $0.line < $1.line }) {
            FileHandle.standardError.write(Data("rejected: \(error)\n".utf8))
        }
        if !json {
            StandardOutput.writeLine(
                "\(report.created) created, \(report.existed) already existed, \(rejected.count) rejected")
        }
        if !rejected.isEmpty {
            throw CommandFailure(exitCode: .dataError, message: "\(rejected.count) arrangement(s) were rejected")
        }
    }
}

/// `neuvo dispatch [--until-idle]`.
struct DispatchCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "dispatch", abstract: "Deliver queued notices by email and SMS.",
            discussion:
                "Without --until-idle it runs until stopped (SIGTERM or Ctrl-C), sleeping until notices are due.")
    }

    @OptionGroup var global: GlobalOptions
    @Flag(name: "until-idle", help: "Deliver everything due now, then exit.") var untilIdle = false

    func run() async throws {
        let runtime = try await global.openRuntime(.notices, label: "gateway")
        let channels = runtime.channels
        if channels.isEmpty {
            await runtime.close()
            throw CommandFailure(
                exitCode: .configuration,
                message:
                    "no channel is configured: set NEUVO_SMTP_URL and/or NEUVO_SMS_WEBHOOK_URL with NEUVO_SMS_WEBHOOK_SECRET"
            )
        }
        try await runtime.gateway.queueReminders()
        guard untilIdle else {
            try await runtime.dispatchUntilStopped()
            return
        }
        let summary = try await runtime.makeDispatcher().runUntilIdle()
        print(
            "attempted \(summary.attempted): \(summary.sent) sent, \(summary.temporaryFailures) to retry, "
                + "\(summary.permanentFailures) failed permanently, \(summary.dead) dead")
        for kind in ChannelKind.allCases where channels[kind] == nil {
            let waiting = try await runtime.gateway.notices.notices(status: .queued, limit: 1).contains {
                $0.channel == kind
            }
            if waiting { print("note: \(kind.rawValue) notices are waiting: that channel is not configured") }
        }
        await runtime.close()
    }
}

/// `neuvo notices [--status S] [--resident ID]` and `neuvo notices show ID`.
struct NoticesCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "notices", abstract: "List notices or show one with its attempts and audit trail.",
            subcommands: [
                NoticesListCommand.self, NoticesShowCommand.self, NoticesRetryCommand.self, NoticesSamplesCommand.self,
            ],
            defaultSubcommand: NoticesListCommand.self)
    }
}

extension NoticeStatus: ExpressibleByArgument {}

struct NoticesListCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: "List notices, newest first.")
    }

    @OptionGroup var global: GlobalOptions
    @Option(help: "Only notices in this status.") var status: NoticeStatus?
    @Option(help: "Only this resident's notices.") var resident: String?
    @Option(help: "Most notices to list.") var limit: Int = 50
    @Flag(help: "Print one JSON object a line.") var json = false

    func run() async throws {
        let notices = try await global.withDatabase { configuration, database in
            try await NoticeStore(database: database, timeZone: configuration.timeZone).notices(
                status: status, residentID: resident, limit: limit)
        }
        for notice in notices {
            if json {
                print(try StandardOutput.json(NoticeView(notice)))
            } else {
                print(
                    "\(notice.id)  \(notice.status.rawValue.padding(toLength: 17, withPad: " ", startingAt: 0))  "
                        + "\(notice.channel.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0))  \(notice.residentID)  "
                        + "\(notice.templateID)  attempts \(notice.attempts)"
                        + (notice.lastError.map { "  last error: \($0)" } ?? ""))
            }
        }
        if notices.isEmpty && !json { print("no notices") }
    }
}

struct NoticesShowCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "show", abstract: "Show a notice with its attempts and audit trail.")
    }

    @OptionGroup var global: GlobalOptions
    @Argument(valueName: "id", help: "Notice id.") var id: String

    func run() async throws {
        let (notice, history) = try await global.withDatabase { configuration, database in
            let store = NoticeStore(database: database, timeZone: configuration.timeZone)
            guard let notice = try await store.notice(id) else {
                throw CommandFailure(exitCode: .dataError, message: "no notice \(id)")
            }
            return (notice, try await store.history(of: id))
        }
        let format = Date.ISO8601FormatStyle()
        print("notice     \(notice.id)")
        print("status     \(notice.status.rawValue)")
        print("resident   \(notice.residentID)  channel \(notice.channel.rawValue)  locale \(notice.locale)")
        print("template   \(notice.templateID) (version \(notice.templateVersion))")
        print("next       \(notice.nextAttemptAt.formatted(format))")
        if let error = notice.lastError { print("last error \(error)") }
        print("\nattempts:")
        for attempt in history.attempts {
            print(
                "  #\(attempt.attempt) \(attempt.startedAt.formatted(format)) \(attempt.outcome)"
                    + (attempt.detail.map { ": \($0)" } ?? ""))
        }
        print("\naudit trail:")
        for transition in history.transitions {
            print(
                "  \(transition.at.formatted(format)) \(transition.from ?? "-") → \(transition.to): \(transition.reason)"
            )
        }
    }
}

/// `neuvo notices retry ID`: the staff desk's retry for an operator at the server (same rule, same audit row).
struct NoticesRetryCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "retry",
            abstract: "Send a dead or permanently failed notice again after a fix, with the same id.",
            discussion:
                "Receivers de-duplicate on the id. A notice whose content retention erased cannot be sent again.")
    }

    @OptionGroup var global: GlobalOptions
    @Argument(valueName: "id", help: "Notice id.") var id: String

    func run() async throws {
        let previous: NoticeStatus
        do {
            previous = try await global.withDatabase { configuration, database in
                try await NoticeStore(database: database, timeZone: configuration.timeZone).retry(
                    id, reason: "retried with neuvo notices retry", now: Date())
            }
        } catch let error as NoticeError {
            throw CommandFailure(exitCode: .dataError, message: error.description)
        }
        print("notice \(id) was \(previous.rawValue) and is queued again; the dispatcher sends it with the same id")
    }
}

/// What `neuvo arrange` prints: a line per arrangement, written a chunk at a time (one write, not one per row).
struct ArrangeReport {
    let json: Bool
    var created = 0
    var existed = 0

    mutating func add(
        _ outcomes: [(line: Int, outcome: Result<ArrangeOutcome, GatewayError>)], into rejected: inout [BulkFileError],
        file: String
    ) throws {
        var text = ""
        for (line, outcome) in outcomes {
            switch outcome {
            case .success(let result):
                if result.created { created += 1 } else { existed += 1 }
                if json {
                    text += try StandardOutput.json(result) + "\n"
                } else {
                    text +=
                        "\(result.created ? "created" : "exists ") \(result.arrangementID)"
                        + (result.noticeID.map { " notice \($0) (\(result.channel ?? "?"))" } ?? "")
                        + (result.note.map { " — \($0)" } ?? "") + (result.heldUntilText.map { " — \($0)" } ?? "")
                        + "\n"
                }
            case .failure(let error):
                rejected.append(BulkFileError(file: file, line: line, message: error.description))
            }
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// `neuvo notices samples --out docs/samples`: every notice kind in every language, for reviewers.
struct NoticesSamplesCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "samples",
            abstract: "Write every notice kind, rendered in fi, sv and en (email and SMS), as Markdown files.")
    }

    @OptionGroup var global: GlobalOptions
    @Option(help: "Folder to write into (created if missing).") var out: String = "docs/samples"

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let source = CatalogLoader(root: try GlobalOptions.catalogRoot(configuration)).load()
        if let error = source.problems.first(where: { $0.severity == .error }) {
            throw CommandFailure(exitCode: .dataError, message: "the catalog has problems: \(error)")
        }
        let files = try NoticeSamples.render(with: NoticeRenderer(locales: LocaleTable(source.locales)))
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        print("wrote \(files.count) files to \(folder.path)")
    }
}
