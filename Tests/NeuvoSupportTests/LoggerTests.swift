import Foundation
import Synchronization
import Testing

@testable import NeuvoSupport

@Suite("Structured, redacted logs")
struct LoggerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))

    @Test func jsonLinesAreValidJSONAndRedacted() throws {
        let lines = Lines()
        let sink = LogSink(format: .json, minimumLevel: .debug) { lines.append($0) }
        let logger = Logger(label: "chat", sink: sink, clock: clock)
        logger.info("message received", ["text": "hetuni on 131052-308T", "session": "s1", "count": 3, "ok": true])
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("\n"))
        let object = try JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
        #expect(object["level"] == .string("info"))
        #expect(object["logger"] == .string("chat"))
        #expect(object["event"] == .string("message received"))
        #expect(object["text"] == .string("hetuni on [HETU]"))
        #expect(object["count"] == .number(3))
        #expect(object["ok"] == .bool(true))
        #expect(object["ts"] == .string("2027-01-15T08:00:00.000Z"))
        #expect(!line.contains("131052"))
    }

    @Test func logfmtQuotesWhatNeedsQuotingAndRedactsTheEventToo() throws {
        let lines = Lines()
        let logger = Logger(label: "http", sink: LogSink(format: .logfmt) { lines.append($0) }, clock: clock)
        logger.warning(
            "login failed for maija@example.fi", ["path": "/v1/chat", "note": "two words", "q": #"say "hi""#])
        let line = try #require(lines.all.first)
        #expect(line.contains(#"event="login failed for [EMAIL]""#))
        #expect(line.contains("path=/v1/chat"))
        #expect(line.contains(#"note="two words""#))
        #expect(line.contains(#"q="say \"hi\"""#))
        #expect(line.contains("level=warning"))
    }

    @Test func linesBelowTheLevelAreDropped() {
        let lines = Lines()
        let logger = Logger(label: "x", sink: LogSink(minimumLevel: .warning) { lines.append($0) }, clock: clock)
        logger.debug("a")
        logger.info("b")
        logger.error("c")
        #expect(lines.all.count == 1)
        #expect(lines.all[0].contains("event=c"))
    }

    @Test func controlCharactersCannotForgeALine() throws {
        let lines = Lines()
        let logger = Logger(label: "x", sink: LogSink(format: .json) { lines.append($0) }, clock: clock)
        logger.info("evil", ["text": "a\n{\"level\":\"error\"}\u{1}"])
        let line = try #require(lines.all.first)
        #expect(line.filter { $0 == "\n" }.count == 1)
        #expect(line.contains(#"\u0001"#))
    }

    /// U+0605 is a grapheme "Prepend": with the space after it, it is one `Character`. A value scanned by
    /// Character was left unquoted, and its own ` level=error` read as a field of the line.
    @Test func aPrependMarkCannotSpoofAFieldInLogfmt() throws {
        let lines = Lines()
        let logger = Logger(label: "x", sink: LogSink(format: .logfmt) { lines.append($0) }, clock: clock)
        logger.info("evil", ["text": "\u{605} level=error", "tab": "a\u{605}\tb"])
        let line = try #require(lines.all.first)
        #expect(line.contains("text=\"\u{605} level=error\""))
        #expect(line.contains(#"tab="a\#u{605}\tb""#))
        #expect(line.components(separatedBy: "level=").count == 3)  // the real level, and the quoted one
    }

    /// Whitespace outside ASCII quotes a value as ASCII whitespace does; plain ASCII and letters do not.
    @Test func unicodeWhitespaceIsQuotedInLogfmt() throws {
        let lines = Lines()
        let logger = Logger(label: "x", sink: LogSink(format: .logfmt) { lines.append($0) }, clock: clock)
        logger.info(
            "spaces", ["nbsp": "a\u{00A0}b", "line": "a\u{2028}b", "del": "a\u{7F}b", "plain": "/v1/chat?x=ä"])
        let line = try #require(lines.all.first)
        #expect(line.contains("nbsp=\"a\u{00A0}b\""))
        #expect(line.contains("line=\"a\\u2028b\"") || line.contains("line=\"a\u{2028}b\""))
        #expect(line.contains("del=a\u{7F}b "))
        #expect(line.contains("plain=\"/v1/chat?x=ä\""))  // "=" is quoted
    }
}
