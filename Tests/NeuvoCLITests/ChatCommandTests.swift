import Foundation
import NeuvoAPI
import NeuvoArrangements
import NeuvoStorage
import NeuvoTestSupport
import Testing

@testable import NeuvoCLI

struct ChatJSONLine: Decodable {
    let text: String
    let lang: String
    let intent: String?
    let confidence: Double
    let reply: String
    let suggestions: [String]
    let sessionID: String

    enum CodingKeys: String, CodingKey {
        case text, lang, intent, confidence, reply, suggestions
        case sessionID = "session_id"
    }
}

@Suite("neuvo chat: the real binary through a pipe")
struct ChatCommandTests {
    @Test func plusAndMinusRateTheLastReply() {
        #expect(ChatRating.helpful("+") == true)
        #expect(ChatRating.helpful(" 👎 ") == false)
        #expect(ChatRating.helpful("-") == false)
        #expect(ChatRating.helpful("+358 40 123") == nil)
        #expect(ChatRating.helpful("kiitos") == nil)
    }

    func chat(_ lines: [String], _ extra: [String] = [], folder: TemporaryFolder) async throws -> NeuvoProcess.Result {
        try await NeuvoProcess.run(
            ["chat", "--catalog", projectRoot.path, "--db", folder.path("neuvo.db")] + extra,
            environment: ["NO_COLOR": "1"], stdin: lines.joined(separator: "\n") + "\n")
    }

    @Test func pipedLinesGetARepliesEachWithNumberedSuggestions() async throws {
        let folder = try TemporaryFolder()
        let result = try await chat(["missä on lähin kirjasto Kalliossa?", "1", "kerro vitsi"], folder: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Kallion kirjasto\nOsoite: Viides linja 11"))
        #expect(result.stdout.contains("  1) Entä aukioloajat?"))
        #expect(result.stdout.contains("Valitettavasti en ymmärtänyt"))
        #expect(!result.stdout.contains("\u{1B}"))  // not a terminal, NO_COLOR: no escapes at all
        #expect(FileManager.default.fileExists(atPath: folder.path("neuvo.db")))
    }

    @Test func jsonIsOneObjectALineAndTheSessionCarriesOn() async throws {
        let folder = try TemporaryFolder()
        let result = try await chat(
            ["hej", "var ligger närmaste bibliotek i Berghäll?", "och telefonnumret?", "", "\u{1B}[2Jtack"],
            ["--json"], folder: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try result.stdout.split(separator: "\n").map {
            try JSONDecoder().decode(ChatJSONLine.self, from: Data($0.utf8))
        }
        #expect(lines.count == 5)
        #expect(lines.allSatisfy { $0.lang == "sv" })
        #expect(lines.map(\.intent) == ["greeting", "unit.find", "unit.contact", nil, "thanks"])
        #expect(Set(lines.map(\.sessionID)).count == 1)
        #expect(lines[1].reply.contains("Berghälls bibliotek"))
        #expect(lines[1].suggestions == ["Och öppettiderna?", "Och kontaktuppgifterna?"])
        #expect(!lines[4].reply.contains("\u{1B}"))
    }

    @Test func langOptionStartsTheConversationInThatLanguage() async throws {
        let folder = try TemporaryFolder()
        let result = try await chat(["ok"], ["--lang", "en", "--json"], folder: folder)
        let line = try JSONDecoder().decode(ChatJSONLine.self, from: Data(result.stdout.utf8))
        #expect(line.lang == "en")
        let wrong = try await chat(["ok"], ["--lang", "de"], folder: folder)
        #expect(wrong.status == 64)
    }

    @Test func identifiedResidentAcceptsWithConfirmation() async throws {
        let folder = try TemporaryFolder()
        let database = try NeuvoRuntime.openDatabase(path: folder.path("neuvo.db"))
        let now = Date()
        try await ArrangementStore(database: database).upsert(
            Resident(id: "resident-1", name: "Maija", language: "fi"), now: now)
        _ = try await database.write { connection in
            try ArrangementStore.insert(
                Arrangement(
                    id: "arr-1", residentID: "resident-1", kind: .preschoolPlace,
                    details: ["unit": "Kallion ala-aste", "start_date": "2027-08-01"], createdAt: now),
                idempotencyKey: nil, in: connection)
        }
        await database.close()
        let result = try await chat(["hyväksyn paikan", "kyllä"], ["--resident", "resident-1"], folder: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("esiopetuspaikka, Kallion ala-aste, 1.8.2027 alkaen? Vastaa kyllä tai ei."))
        #expect(result.stdout.contains("Kiitos, tallensin hyväksyntäsi."))
        let reopened = try NeuvoRuntime.openDatabase(path: folder.path("neuvo.db"))
        #expect(try await ArrangementStore(database: reopened).arrangement("arr-1")?.status == .accepted)
        await reopened.close()
    }

    /// The binary carries its catalog: from a folder with no intents/ or locales/, without --catalog, it answers.
    @Test func chatAnswersFromAnyFolderWithTheBundledCatalog() async throws {
        let folder = try TemporaryFolder()
        let result = try await NeuvoProcess.run(
            ["chat", "--db", folder.path("neuvo.db"), "--json"], stdin: "hei\n", directory: folder.url)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(#""intent":"greeting""#))
        let missing = try await NeuvoProcess.run(
            ["chat", "--db", folder.path("neuvo.db"), "--catalog", folder.path("nowhere")], stdin: "hei\n",
            directory: folder.url)
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("nowhere"))
    }

    @Test func unknownResidentIsADataError() async throws {
        let folder = try TemporaryFolder()
        let result = try await chat(["hei"], ["--resident", "nobody"], folder: folder)
        #expect(result.status == 65)
        #expect(result.stderr.contains("no resident nobody"))
    }

    @Test func purgeReportsWhatItDeletes() async throws {
        let folder = try TemporaryFolder()
        _ = try await chat(["hei"], folder: folder)
        let dry = try await NeuvoProcess.run(["transcripts", "purge", "--db", folder.path("neuvo.db"), "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would delete 0 turns"))
        let bad = try await NeuvoProcess.run(["transcripts", "purge", "--db", folder.path("neuvo.db"), "--days", "0"])
        #expect(bad.status == 64)
    }
}

@Suite("Line editor: raw key bytes in, line and cursor out")
struct LineEditorTests {
    /// Feeds bytes through the decoder into the editor; returns the outcomes that were not `.editing`.
    func type(_ bytes: [UInt8], into editor: inout LineEditor) -> [LineEditor.Outcome] {
        var decoder = KeyDecoder()
        var outcomes: [LineEditor.Outcome] = []
        for byte in bytes {
            guard let key = decoder.feed(byte) else { continue }
            let outcome = editor.handle(key)
            if outcome != .editing { outcomes.append(outcome) }
        }
        return outcomes
    }

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func typingUTF8AndEnterSubmits() {
        var editor = LineEditor()
        #expect(type(bytes("hyväksyn Töölö\r"), into: &editor) == [.submit("hyväksyn Töölö")])
        #expect(editor.history == ["hyväksyn Töölö"])
        #expect(editor.line.isEmpty)
    }

    @Test func arrowsHomeEndBackspaceAndDelete() {
        var editor = LineEditor()
        // "helo", left, insert "l" → "hello"; Home, Delete → "ello"; End, Backspace → "ell"; Ctrl-A, "x" → "xell".
        let input =
            bytes("helo") + [0x1B, 0x5B, 0x44] + bytes("l") + [0x1B, 0x5B, 0x48] + [0x1B, 0x5B, 0x33, 0x7E]
            + [0x1B, 0x4F, 0x46] + [0x7F] + [0x01] + bytes("x")
        #expect(type(input, into: &editor).isEmpty)
        #expect(editor.line == "xell")
        #expect(editor.cursor == 1)
        #expect(editor.render(prompt: "> ") == "\r> xell\u{1B}[K\u{1B}[3D")
        // rxvt/VT220 Home and End, Ctrl-E.
        _ = type([0x1B, 0x5B, 0x34, 0x7E], into: &editor)
        #expect(editor.cursor == 4)
        _ = type([0x1B, 0x5B, 0x31, 0x7E], into: &editor)
        #expect(editor.cursor == 0)
        _ = type([0x05], into: &editor)
        #expect(editor.cursor == 4)
    }

    @Test func historyUpAndDownKeepsTheLineBeingWritten() {
        var editor = LineEditor(history: ["first", "second"])
        _ = type(bytes("draft"), into: &editor)
        _ = type([0x1B, 0x5B, 0x41], into: &editor)
        #expect(editor.line == "second")
        _ = type([0x1B, 0x5B, 0x41, 0x1B, 0x5B, 0x41], into: &editor)
        #expect(editor.line == "first")
        _ = type([0x1B, 0x5B, 0x42, 0x1B, 0x5B, 0x42], into: &editor)
        #expect(editor.line == "draft")
        #expect(type([0x0D], into: &editor) == [.submit("draft")])
        #expect(editor.history == ["first", "second", "draft"])
    }

    @Test func ctrlCAndCtrlDEnd() {
        var editor = LineEditor()
        #expect(type([0x03], into: &editor) == [.interrupt])
        #expect(type([0x04], into: &editor) == [.endOfFile])
        // Ctrl-D on a non-empty line deletes under the cursor instead.
        _ = type(bytes("ab") + [0x01, 0x04], into: &editor)
        #expect(editor.line == "b")
    }

    @Test func escapeSequencesAndControlsNeverEnterTheLine() {
        var editor = LineEditor()
        let hostile =
            bytes("a") + [0x1B, 0x5B, 0x33, 0x31, 0x6D] + bytes("b") + [0x07, 0x00, 0x1B, 0x5B, 0x32, 0x30, 0x30, 0x7E]
            + [0xFF, 0xC3] + bytes("c") + Array("\u{202E}".utf8) + [0x1B, 0x78] + bytes("d")
        #expect(type(hostile, into: &editor).isEmpty)
        #expect(editor.line == "abcd")
        #expect(editor.line.unicodeScalars.allSatisfy { $0.value >= 0x20 })
    }

    @Test func ctrlUClearsAndEmptyLinesStayOutOfHistory() {
        var editor = LineEditor()
        _ = type(bytes("something") + [0x15], into: &editor)
        #expect(editor.line.isEmpty)
        #expect(type(bytes("   \r"), into: &editor) == [.submit("   ")])
        #expect(editor.history.isEmpty)
    }
}
