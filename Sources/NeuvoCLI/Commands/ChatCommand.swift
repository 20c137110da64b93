import ArgumentParsing
import Foundation
import NeuvoAPI
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoLanguage
import NeuvoNotifications
import NeuvoRegistry
import NeuvoStorage
import NeuvoSupport
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// `neuvo chat`: the conversation in a terminal, or a line at a time for scripts.
struct ChatCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "chat", abstract: "Chat with Neuvo in Finnish, Swedish or English.",
            discussion: """
                Works offline on the embedded database (created on first run) and the bundled catalog and registry.
                In a terminal: line editing, history (up/down), numbered suggestions; Ctrl-C or Ctrl-D ends.
                Otherwise one message per input line and the reply after each; with --json one object a line:
                {"text", "lang", "intent", "confidence", "reply", "suggestions", "actions", "sources", "session_id"}.
                """)
    }

    @OptionGroup var global: GlobalOptions
    @Option(name: "lang", valueName: "fi|sv|en", help: "Language to start in (default: detected from the messages).")
    var language: String?
    @Option(name: "resident", valueName: "id", help: "Chat as this identified resident (their own arrangements).")
    var residentID: String?
    @Flag(help: "Write one JSON object a line instead of text.") var json = false
    @Option(
        name: "connect", valueName: "url",
        help: "Talk to a running neuvo serve over its HTTP API instead of the local database.")
    var connect: String?

    func validate() throws {
        if let language, Language(rawValue: language) == nil {
            throw ValidationError("--lang must be fi, sv or en, not '\(language)'")
        }
    }

    func run() async throws {
        if let connect {
            try await runRemote(connect)
            return
        }
        let runtime = try await global.openRuntime(.conversation, label: "chat")
        let database = runtime.database
        // Agents answer in the widget, never here: the terminal's hand-off is a request in their queue.
        let engine = try await runtime.application().engine.withoutLiveDesk()
        if let residentID, try await ArrangementStore(database: database).resident(residentID) == nil {
            throw CommandFailure(exitCode: .dataError, message: "no resident \(residentID)")
        }
        // Staff edits go live on SIGHUP; a broken set is refused and the current one keeps answering.
        try await runtime.withSignals(stoppingOn: []) { _ in try await converse(engine: engine, runtime: runtime) }
        await runtime.close()
        UntilExit.keep(engine)
    }

    func converse(engine: ConversationEngine, runtime: NeuvoRuntime) async throws {
        let configuration = runtime.configuration
        var session = ChatSession(
            engine: engine, residentID: residentID, language: language.flatMap(Language.init(rawValue:)))
        if !json, let terminal = RawTerminal.enable() {
            defer { terminal.restore() }
            let style = TerminalStyle(enabled: TerminalStyle.colourWanted())
            let start = session.language ?? Language(rawValue: configuration.defaultLanguage) ?? .fi
            if let welcome = try? runtime.texts.locales.render("conversation.cli.welcome", language: start) {
                ChatOutput.write(style.dim(welcome) + "\n")
            }
            var editor = LineEditor()
            let ratings = ConversationStore(database: runtime.database)
            var last: Reply?
            while true {
                let outcome = terminal.readLine(editor: &editor, prompt: style.prompt("> "), write: ChatOutput.write)
                guard case .submit(let line) = outcome else { break }
                // "+" or "-" after a reply rates it, as the widget's 👍 👎 do; staff see the 👎 among the
                // misunderstood messages.
                if let reply = last, let helpful = ChatRating.helpful(line) {
                    _ = try await ratings.rate(session: reply.sessionID, helpful: helpful, now: runtime.clock.now())
                    let thanks = try? runtime.texts.locales.render("widget.rate.thanks", language: reply.language)
                    ChatOutput.write(style.dim(thanks ?? "") + "\n\n")
                    last = nil
                    continue
                }
                let reply = try await session.send(line)
                ChatOutput.write(ChatOutput.text(reply, style: style))
                if let question = try? runtime.texts.locales.render("conversation.cli.rate", language: reply.language) {
                    ChatOutput.write(style.dim(question) + "\n\n")
                }
                last = reply
            }
            return
        }
        let style = TerminalStyle(enabled: !json && TerminalStyle.colourWanted())
        for line in StandardInputLines() {
            let reply = try await session.send(line)
            if json {
                StandardOutput.writeLine(try StandardOutput.json(ChatLine(text: line, reply: reply)))
            } else {
                ChatOutput.write(ChatOutput.text(reply, style: style))
            }
        }
    }
}

extension ChatCommand {
    /// `--connect URL`: the same conversation through `POST /v1/chat` of a running server.
    func runRemote(_ address: String) async throws {
        guard let base = URL(string: address), ["http", "https"].contains(base.scheme ?? ""), base.host != nil else {
            throw CommandFailure(
                exitCode: .usage, message: "--connect needs an http(s) URL such as http://127.0.0.1:8080")
        }
        if residentID != nil {
            throw CommandFailure(
                exitCode: .usage,
                message: "--resident works on the local database; over HTTP, open a notice's link instead")
        }
        var client = RemoteChat(base: base, language: language.flatMap(Language.init(rawValue:)))
        let style = TerminalStyle(enabled: !json && TerminalStyle.colourWanted())
        if !json, let terminal = RawTerminal.enable() {
            defer { terminal.restore() }
            var editor = LineEditor()
            while case .submit(let line) = terminal.readLine(
                editor: &editor, prompt: style.prompt("> "), write: ChatOutput.write)
            {
                ChatOutput.write(ChatOutput.text(try await client.send(line), style: style))
            }
            return
        }
        for line in StandardInputLines() {
            let reply = try await client.send(line)
            if json {
                StandardOutput.writeLine(try StandardOutput.json(ChatLine(text: line, reply: reply)))
            } else {
                ChatOutput.write(ChatOutput.text(reply, style: style))
            }
        }
    }
}

/// Values kept until the process exits. A city-scale engine is hundreds of thousands of small objects (gazetteer
/// patterns, index postings); releasing them one by one when `neuvo chat` ends only delays its exit, since the
/// kernel takes the memory back at once.
enum UntilExit {
    private static let kept = Mutex<[any Sendable]>([])

    static func keep(_ value: any Sendable) {
        kept.withLock { $0.append(value) }
    }
}

/// A conversation with a running server: the same turns as the local engine, over `POST /v1/chat`.
struct RemoteChat {
    let base: URL
    var language: Language?
    var session: SessionID?

    init(base: URL, language: Language?) {
        self.base = base
        self.language = language
    }

    mutating func send(_ text: String) async throws -> Reply {
        var body: [String: String] = ["text": text]
        if let session { body["session_id"] = session.rawValue }
        if session == nil, let language { body["lang"] = language.rawValue }
        var request = URLRequest(url: base.appendingPathComponent("v1/chat"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONEncoder().encode(body)
        request.timeoutInterval = 30
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CommandFailure(
                exitCode: .ioError, message: "cannot reach \(base.absoluteString): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            let detail = (try? JSONDecoder().decode([String: JSONValue].self, from: data))?["detail"]?.scalarText
            throw CommandFailure(
                exitCode: .failure, message: "the server answered \(status): \(detail ?? "no details")")
        }
        let reply = try JSONDecoder().decode(Reply.self, from: data)
        session = reply.sessionID
        return reply
    }
}

/// A terminal line that rates the last reply: "+" or "👍" helpful, "-" or "👎" not.
enum ChatRating {
    static func helpful(_ line: String) -> Bool? {
        switch line.trimmingCharacters(in: .whitespaces) {
        case "+", "👍": true
        case "-", "👎": false
        default: nil
        }
    }
}

/// The terminal's side of one conversation: the session id between turns.
struct ChatSession {
    let engine: ConversationEngine
    let residentID: String?
    /// The explicit --lang, sent with the first message only; after that the session keeps or switches it.
    var language: Language?
    var session: SessionID?

    init(engine: ConversationEngine, residentID: String?, language: Language?) {
        self.engine = engine
        self.residentID = residentID
        self.language = language
    }

    mutating func send(_ text: String) async throws -> Reply {
        let reply = try await engine.respond(
            to: text, session: session, residentID: residentID, language: session == nil ? language : nil)
        session = reply.sessionID
        return reply
    }
}

/// One line of `neuvo chat --json`.
struct ChatLine: Encodable {
    let text: String
    let reply: Reply

    enum CodingKeys: String, CodingKey {
        case text, lang, intent, confidence, reply, suggestions, actions, sources
        case sessionID = "session_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(reply.language.rawValue, forKey: .lang)
        try container.encode(reply.intent, forKey: .intent)
        try container.encode((reply.confidence * 10_000).rounded() / 10_000, forKey: .confidence)
        try container.encode(reply.text, forKey: .reply)
        try container.encode(reply.suggestions, forKey: .suggestions)
        try container.encode(reply.actions, forKey: .actions)
        try container.encode(reply.sources, forKey: .sources)
        try container.encode(reply.sessionID.rawValue, forKey: .sessionID)
    }
}

/// Colours for a terminal, or none (`NO_COLOR`, or output that is not a terminal).
struct TerminalStyle {
    let enabled: Bool

    static func colourWanted(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard environment["NO_COLOR"].map({ $0.isEmpty }) ?? true else { return false }
        return isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb"
    }

    private func wrap(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func prompt(_ text: String) -> String { wrap("1;34", text) }
    func reply(_ text: String) -> String { wrap("36", text) }
    func dim(_ text: String) -> String { wrap("2", text) }
    func number(_ text: String) -> String { wrap("1", text) }
}

enum ChatOutput {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// A reply and its numbered suggestions, then an empty line. Text from the registry or arrangement details is
    /// data: control characters in it are dropped so it cannot move the cursor or recolour the terminal.
    static func text(_ reply: Reply, style: TerminalStyle) -> String {
        var output =
            reply.text.split(separator: "\n", omittingEmptySubsequences: false).map {
                style.reply(safe(String($0)))
            }.joined(separator: "\n") + "\n"
        for (index, suggestion) in reply.suggestions.enumerated() {
            output += "  " + style.number("\(index + 1))") + " " + safe(suggestion) + "\n"
        }
        return output + "\n"
    }

    static func safe(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.filter { scalar in
                    scalar.value >= 0x20 && scalar.value != 0x7F && !(0x80...0x9F).contains(scalar.value)
                }))
    }
}
