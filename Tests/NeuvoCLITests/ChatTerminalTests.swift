import Foundation
import NeuvoAPI
import NeuvoStorage
import NeuvoTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `neuvo chat` in a real pseudo-terminal: what a resident at a terminal sees and types.
@Suite("neuvo chat: the real binary in a pseudo-terminal")
struct ChatTerminalTests {
    let up: [UInt8] = [0x1B, 0x5B, 0x41]
    let left: [UInt8] = [0x1B, 0x5B, 0x44]
    let end: [UInt8] = [0x1B, 0x5B, 0x46]
    /// The first prompt comes after start-up, which trains the model when the cache is cold: in the full suite on
    /// a loaded machine (other builds, a dozen processes) that took over 60 s once. Later waits are for one turn.
    static let startUp = 240.0

    @Test func promptAnswerColoursSuggestionLineEditingHistoryAndCtrlD() async throws {
        let folder = try TemporaryFolder()
        let terminal = try PseudoTerminal()
        let before = try terminal.settings()
        try terminal.start(environment: ["NEUVO_DB": folder.path("neuvo.db")])
        defer { terminal.stop() }

        try await terminal.waitFor("Kirjoita viestisi ja paina Enter.", seconds: Self.startUp)
        try await terminal.waitFor("> ")
        #expect(try !terminal.settings().isCanonical, "the chat reads keys in raw mode")

        terminal.type("missä on lähin kirjasto Kalliossa?\r")
        try await terminal.waitFor("Osoite: Viides linja 11")
        try await terminal.waitFor("  1) Entä aukioloajat?")
        try await terminal.waitFor("> ")
        // Colours in a terminal: the prompt bold blue, replies cyan, suggestion numbers bold.
        #expect(terminal.raw.contains("\u{1B}[1;34m> \u{1B}[0m"))
        #expect(terminal.raw.contains("\u{1B}[36mKallion kirjasto"))
        #expect(terminal.raw.contains("\u{1B}[1m1)\u{1B}[0m Entä aukioloajat?"))

        // A suggestion picked by its number.
        terminal.type("1\r")
        try await terminal.waitFor("En tiedä näitä aukioloaikoja: Kallion kirjasto.")
        try await terminal.waitFor("> ")

        // Line editing: a typo fixed three characters back, then the end of the line written.
        terminal.type(Array("missä on lähin kirjsto".utf8) + left + left + left + Array("a".utf8) + end)
        terminal.type(" Kalliossa?\r")
        try await terminal.waitFor("Osoite: Viides linja 11")
        try await terminal.waitFor("> ")

        // History: Up recalls the line just sent (redrawn after the prompt), Enter sends it again.
        terminal.type(up)
        try await terminal.waitFor("> missä on lähin kirjasto Kalliossa?")
        terminal.type("\r")
        try await terminal.waitFor("Osoite: Viides linja 11")
        try await terminal.waitFor("> ")

        // Each reply asks whether it helped; "-" rates it (not sent as a message), and staff see it.
        #expect(terminal.raw.contains("Oliko vastauksesta apua? Vastaa + tai -."))
        terminal.type("-\r")
        try await terminal.waitFor("Kiitos palautteesta!")
        try await terminal.waitFor("> ")

        // Ctrl-D on an empty line ends the chat: exit 0, the terminal as it was.
        terminal.type([0x04])
        #expect(try await terminal.waitForExit() == 0)
        #expect(try terminal.settings() == before, "terminal settings restored")
        #expect(try await ratings(in: folder.path("neuvo.db")) == [false])

        let sent = try await residentTurns(in: folder.path("neuvo.db"))
        #expect(
            sent == [
                "missä on lähin kirjasto Kalliossa?", "1", "missä on lähin kirjasto Kalliossa?",
                "missä on lähin kirjasto Kalliossa?",
            ])
    }

    @Test func noColourWithNoColorAndCtrlCEndsCleanly() async throws {
        let folder = try TemporaryFolder()
        let terminal = try PseudoTerminal()
        let before = try terminal.settings()
        try terminal.start(environment: ["NEUVO_DB": folder.path("neuvo.db"), "NO_COLOR": "1"])
        defer { terminal.stop() }

        try await terminal.waitFor("> ", seconds: Self.startUp)
        // An escape sequence typed or pasted into the line is swallowed, never echoed to the terminal.
        terminal.type(Array("\u{1B}[31mhei".utf8) + [0x0D])
        try await terminal.waitFor("Hei! Olen Neuvo")
        try await terminal.waitFor("> ")
        // Ctrl-C in the middle of a line ends the chat without sending the line.
        terminal.type(Array("kesken".utf8) + [0x03])
        #expect(try await terminal.waitForExit() == 0)
        #expect(try terminal.settings() == before, "terminal settings restored")

        #expect(!terminal.raw.contains("\u{1B}[31m"))
        #expect(terminal.raw.range(of: #"\x1B\[[0-9;]*m"#, options: .regularExpression) == nil, "no colour codes")
        #expect(try await residentTurns(in: folder.path("neuvo.db")) == ["hei"])
    }

    /// What the resident sent, as the transcript stored it.
    func ratings(in path: String) async throws -> [Bool] {
        let database = try NeuvoRuntime.openDatabase(path: path)
        let helpful = try await database.read { connection in
            try connection.query("SELECT helpful FROM conversation_ratings ORDER BY turn_id").map {
                try $0.get("helpful", as: Bool.self)
            }
        }
        await database.close()
        return helpful
    }

    func residentTurns(in path: String) async throws -> [String] {
        let database = try NeuvoRuntime.openDatabase(path: path)
        let texts = try await database.read { connection in
            try connection.query("SELECT text FROM conversation_turns WHERE speaker = 'resident' ORDER BY id").map {
                try $0.get("text", as: String.self)
            }
        }
        await database.close()
        return texts
    }
}

/// The terminal settings that matter for a line editor, comparable before and after.
private struct TerminalSettings: Equatable {
    let input: tcflag_t
    let output: tcflag_t
    let control: tcflag_t
    let local: tcflag_t
    let characters: [UInt8]

    init(_ settings: termios) {
        input = settings.c_iflag
        output = settings.c_oflag
        control = settings.c_cflag
        local = settings.c_lflag
        characters = withUnsafeBytes(of: settings.c_cc) { Array($0) }
    }

    var isCanonical: Bool { local & tcflag_t(ICANON) != 0 }
}

private struct TerminalTimeout: Error, CustomStringConvertible {
    let description: String
}

/// A pseudo-terminal with `neuvo chat` on its far side. The test holds both ends: it types into and reads from the
/// master, and reads the line settings from the slave, before, during and after the chat.
private final class PseudoTerminal: @unchecked Sendable {  // used by one test at a time
    let master: Int32
    let slave: Int32
    private(set) var output: [UInt8] = []
    /// Where the next `waitFor` starts looking, in the output with escape sequences removed.
    private var mark = 0
    private var process: Process?

    init() throws {
        var master: Int32 = -1
        var slave: Int32 = -1
        var size = winsize(ws_row: 24, ws_col: 120, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, nil, nil, &size) == 0 else {
            throw TerminalTimeout(description: "openpty failed: errno \(errno)")
        }
        self.master = master
        self.slave = slave
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        stop()
        close(master)
        close(slave)
    }

    func start(environment: [String: String]) throws {
        let process = Process()
        process.executableURL = NeuvoProcess.executable
        process.arguments = ["chat", "--catalog", projectRoot.path]
        var base = ["HOME": FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-home-\(UUID())").path]
        base["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        base["TERM"] = "xterm-256color"
        process.environment = base.merging(environment) { $1 }
        let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardInput = handle
        process.standardOutput = handle
        process.standardError = handle
        try ProcessLaunch.run(process)
        self.process = process
    }

    func stop() {
        if let process, process.isRunning { process.terminate() }
    }

    func settings() throws -> TerminalSettings {
        var settings = termios()
        guard tcgetattr(slave, &settings) == 0 else {
            throw TerminalTimeout(description: "tcgetattr failed: errno \(errno)")
        }
        return TerminalSettings(settings)
    }

    func type(_ text: String) { type(Array(text.utf8)) }

    func type(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if errno != EINTR && errno != EAGAIN {
                return
            }
        }
    }

    /// Everything the chat wrote, as text.
    var raw: String { String(decoding: output, as: UTF8.self) }

    /// Reads until `text` appears in the output (escape sequences and carriage returns removed) after the previous
    /// match, or fails at the deadline with what was seen.
    /// Waits on a dispatch thread: a blocking poll must not hold one of the cooperative pool's few threads.
    func waitFor(_ text: String, seconds: Double = 60) async throws {
        try await Self.offPool { try self.waitForBlocking(text, seconds: seconds) }
    }

    func waitForExit(seconds: Double = 60) async throws -> Int32 {
        try await Self.offPool { try self.waitForExitBlocking(seconds: seconds) }
    }

    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    func waitForBlocking(_ text: String, seconds: Double = 60) throws {
        let deadline = Date().addingTimeInterval(seconds)
        let needle = Array(text.utf8)
        while true {
            let plain = Self.plain(output)
            if let found = Self.find(needle, in: plain, from: mark) {
                mark = found + needle.count
                return
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0, readAvailable(waitingUpTo: remaining) else {
                throw TerminalTimeout(
                    description: "no '\(text)' within \(seconds) s; after the last match the chat wrote: "
                        + String(decoding: plain[min(mark, plain.count)...], as: UTF8.self).debugDescription)
            }
        }
    }

    /// Waits for the chat to end, reading what it still writes; its exit status.
    func waitForExitBlocking(seconds: Double = 60) throws -> Int32 {
        guard let process else { throw TerminalTimeout(description: "not started") }
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            guard deadline.timeIntervalSinceNow > 0 else {
                throw TerminalTimeout(description: "the chat did not end within \(seconds) s")
            }
            _ = readAvailable(waitingUpTo: 0.05)
        }
        process.waitUntilExit()
        while readAvailable(waitingUpTo: 0) {}
        return process.terminationStatus
    }

    /// Appends what the master has to read, waiting up to `seconds` for something; false when nothing came.
    private func readAvailable(waitingUpTo seconds: Double) -> Bool {
        var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(max(0, seconds * 1000))) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
        guard count > 0 else { return false }
        output += buffer[..<count]
        return true
    }

    /// The output without CSI escape sequences and carriage returns. An unfinished sequence at the end is left out,
    /// so the result only ever grows as output arrives and match positions stay valid.
    static func plain(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x1B {
                guard index + 1 < bytes.count else { break }
                guard bytes[index + 1] == UInt8(ascii: "[") else {
                    index += 2
                    continue
                }
                var end = index + 2
                while end < bytes.count && !(0x40...0x7E).contains(bytes[end]) { end += 1 }
                guard end < bytes.count else { break }
                index = end + 1
                continue
            }
            if byte != 0x0D { result.append(byte) }
            index += 1
        }
        return result
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else {
            return nil
        }
        for position in start...(haystack.count - needle.count)
        where haystack[position] == needle[0] && Array(haystack[position..<(position + needle.count)]) == needle {
            return position
        }
        return nil
    }
}
