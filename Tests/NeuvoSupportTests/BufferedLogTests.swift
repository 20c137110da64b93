import Foundation
import NeuvoTestSupport
import Synchronization
import Testing

@testable import NeuvoSupport

struct BufferedLogTests {
    final class Lines: Sendable {
        let text = Mutex("")
        let writes = Mutex(0)
    }

    func make(_ lines: Lines, maxPending: Int = 100_000) -> BufferedLog {
        let sink = LogSink(format: .logfmt, minimumLevel: .info) { text in
            lines.text.withLock { $0 += text }
            lines.writes.withLock { $0 += 1 }
        }
        return BufferedLog(logger: Logger(label: "access", sink: sink), maxPending: maxPending)
    }

    @Test func linesAreWrittenInOrderInFewWritesAndFlushLosesNone() {
        let lines = Lines()
        let log = make(lines)
        for index in 0..<1000 { log.append(.info, "http.request", [("n", .int(index)), ("phone", "040 123 4567")]) }
        log.append(.debug, "ignored", [])
        log.close()  // graceful stop: everything queued is written before it returns
        let text = lines.text.withLock { $0 }
        let numbers = text.split(separator: "\n").compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("n=") }.flatMap { Int($0.dropFirst(2)) }
        }
        #expect(numbers == Array(0..<1000))
        #expect(!text.contains("040 123 4567") && text.contains("[PHONE]"))  // redacted like any line
        #expect(!text.contains("ignored"))
        #expect(lines.writes.withLock { $0 } < 1000)
    }

    @Test func theWriterThreadWritesWithoutAFlush() async throws {
        let lines = Lines()
        let log = make(lines)
        log.append(.info, "one", [])
        try await waitUntil("the writer thread wrote the line") { lines.text.withLock { $0.contains("event=one") } }
        log.close()
    }

    @Test func aFloodBeyondTheBoundIsCountedNotBuffered() {
        let lines = Lines()
        let log = make(lines, maxPending: 10)
        log.flush()
        for index in 0..<50 { log.append(.info, "line", [("n", .int(index))]) }
        log.close()
        let text = lines.text.withLock { $0 }
        #expect(text.contains("event=log.dropped"))
        #expect(text.split(separator: "\n").count <= 50)
    }

    @Test func theCachedTimestampIsTheFormattedOne() {
        let sink = LogSink { _ in }
        var date = Date(timeIntervalSince1970: 1_795_600_800.9995)
        for step in [0.0004, 0.001, 0.25, 0.5, 0.999, 1, 3.0007, 59.123, 86_400.5] {
            date += step
            #expect(sink.cachedTimestamp(date) == LogSink.timestamp(date), "at \(date.timeIntervalSince1970)")
        }
    }
}
