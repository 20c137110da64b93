import Foundation
import Synchronization

public enum LogLevel: String, Sendable, CaseIterable, Comparable, Codable {
    case debug
    case info
    case notice
    case warning
    case error

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

public enum LogFormat: String, Sendable, CaseIterable, Codable {
    /// One JSON object a line.
    case json
    /// `key=value` pairs, easy to read in a terminal and to grep.
    case logfmt
}

/// A structured value in a log line.
public enum LogValue: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral, CustomStringConvertible
{
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }

    public var description: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .bool(let value): String(value)
        }
    }
}

/// Where log lines go. Every line passes through the redactor here, once, so no call site can forget.
public final class LogSink: Sendable {
    private let write: @Sendable (String) -> Void
    private let redactor: Redactor
    public let format: LogFormat
    public let minimumLevel: LogLevel
    private let lock = Mutex(())

    public init(
        format: LogFormat = .logfmt, minimumLevel: LogLevel = .info, redactor: Redactor = .standard,
        write: @escaping @Sendable (String) -> Void
    ) {
        self.format = format
        self.minimumLevel = minimumLevel
        self.redactor = redactor
        self.write = write
    }

    /// Writes to standard error, unbuffered, one whole line per call.
    public static func standardError(format: LogFormat, minimumLevel: LogLevel) -> LogSink {
        LogSink(format: format, minimumLevel: minimumLevel) { line in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    func emit(
        level: LogLevel, label: String, event: String, metadata: [(String, LogValue)], date: Date
    ) {
        guard level >= minimumLevel else { return }
        let line = formatLine(level: level, label: label, event: event, metadata: metadata, date: date)
        lock.withLock { _ in write(line) }
    }

    /// Several lines in one write (`BufferedLog`), each redacted like any other.
    func emitBatch(
        _ records: [(level: LogLevel, label: String, event: String, metadata: [(String, LogValue)], date: Date)]
    ) {
        var text = ""
        for record in records where record.level >= minimumLevel {
            text += formatLine(
                level: record.level, label: record.label, event: record.event, metadata: record.metadata,
                date: record.date)
        }
        if !text.isEmpty { lock.withLock { _ in write(text) } }
    }

    private func formatLine(
        level: LogLevel, label: String, event: String, metadata: [(String, LogValue)], date: Date
    ) -> String {
        // The time and the level are written here, never taken from a caller: only the rest is redacted (the
        // timestamp's seventeen digits sent every line through the redactor's number patterns).
        var fields: [(String, LogValue)] = [("ts", .string(cachedTimestamp(date))), ("level", .string(level.rawValue))]
        fields.reserveCapacity(4 + metadata.count)
        for (key, value) in [("logger", LogValue.string(label)), ("event", .string(event))] + metadata {
            if case .string(let text) = value {
                fields.append((key, .string(redactor.redact(text))))
            } else {
                fields.append((key, value))
            }
        }
        return format == .json ? Self.jsonLine(fields) : Self.logfmtLine(fields)
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    /// The last whole second formatted, per sink: `timestamp` for every line of a busy access log cost more than
    /// the rest of the line; within one second only the milliseconds change.
    private let secondCache = Mutex<(second: Int, text: String)>((Int.min, ""))

    func cachedTimestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let second = Int(seconds.rounded(.down))
        let milliseconds = min(999, max(0, Int(((seconds - Double(second)) * 1000).rounded(.down))))
        let base = secondCache.withLock { $0.second == second ? $0.text : nil }
        let text: String
        if let base {
            text = base
        } else {
            text = Self.timestamp(Date(timeIntervalSince1970: Double(second)))
            secondCache.withLock { $0 = (second, text) }
        }
        // "...:SS.000Z": the three digits after the only "." are the milliseconds.
        guard let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 else {
            return Self.timestamp(date)
        }
        // Spliced in Swift: `replacingCharacters(in:with:)` went through NSString for every line.
        let start = text.index(after: dot)
        var line = String(text[..<start])
        line.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") + UInt8(milliseconds / 100)))
        line.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") + UInt8(milliseconds / 10 % 10)))
        line.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: "0") + UInt8(milliseconds % 10)))
        line += text[text.index(start, offsetBy: 3)...]
        return line
    }

    static func jsonLine(_ fields: [(String, LogValue)]) -> String {
        var line = "{"
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { line += "," }
            line += JSONString.quote(key) + ":"
            switch value {
            case .string(let text): line += JSONString.quote(text)
            case .int(let number): line += String(number)
            case .double(let number): line += number.isFinite ? String(number) : JSONString.quote(String(number))
            case .bool(let flag): line += flag ? "true" : "false"
            }
        }
        return line + "}\n"
    }

    static func logfmtLine(_ fields: [(String, LogValue)]) -> String {
        let pairs = fields.map { key, value -> String in
            let text = value.description
            // By scalar: a prepend mark before a space makes one `Character` of both, and the value could then
            // spoof a field of its own (`x=\u{605} level=error`).
            let needsQuotes =
                text.isEmpty
                || text.unicodeScalars.contains {
                    $0 == "=" || $0 == "\"" || $0.value < 0x20 || $0.isUnicodeWhitespace
                }
            return needsQuotes ? "\(key)=\(JSONString.quote(text))" : "\(key)=\(text)"
        }
        return pairs.joined(separator: " ") + "\n"
    }
}

/// A named logger; cheap to copy and pass around.
public struct Logger: Sendable {
    public let label: String
    public let sink: LogSink
    private let clock: any WallClock

    public init(label: String, sink: LogSink, clock: any WallClock = SystemClock()) {
        self.label = label
        self.sink = sink
        self.clock = clock
    }

    public func log(_ level: LogLevel, _ event: String, _ metadata: KeyValuePairs<String, LogValue> = [:]) {
        guard level >= sink.minimumLevel else { return }
        sink.emit(level: level, label: label, event: event, metadata: Array(metadata), date: clock.now())
    }

    public func debug(_ event: String, _ metadata: KeyValuePairs<String, LogValue> = [:]) {
        log(.debug, event, metadata)
    }
    public func info(_ event: String, _ metadata: KeyValuePairs<String, LogValue> = [:]) { log(.info, event, metadata) }
    public func notice(_ event: String, _ metadata: KeyValuePairs<String, LogValue> = [:]) {
        log(.notice, event, metadata)
    }
    public func warning(_ event: String, _ metadata: KeyValuePairs<String, LogValue> = [:]) {
        log(.warning, event, metadata)
    }
    public func error(_ event: String, _ metadata: KeyValuePairs<String, LogValue> = [:]) {
        log(.error, event, metadata)
    }
}
