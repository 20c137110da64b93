import Foundation
import NeuvoCore

/// Neuvo's effective configuration: built-in defaults, overridden by a JSON file, overridden by
/// `NEUVO_*` environment variables, overridden by command-line options such as `--db`.
///
/// Every setting is declared once in `Configuration.settings`, with its key, environment variable,
/// default, validation and whether it is a secret: loading, validation, `neuvo config` and the
/// documentation are all generated from that table.
public struct Configuration: Sendable, Equatable {
    public var databasePath: String
    /// SQLite's page cache of the writing connection (`PRAGMA cache_size`), KiB.
    public var databaseCacheKiB = Self.defaultDatabaseCacheKiB
    /// 8 MiB: the dispatcher's outbox pages stay cached (SQLite's own 2 MB made it re-read them from the OS), and a
    /// server on 30,000 units stays 9 MB further below its memory target than with 16 (docs/BENCHMARKS.md).
    public static let defaultDatabaseCacheKiB = 8 * 1024
    /// The folder holding `intents/` and `locales/`; nil: the catalog bundled with the binary.
    public var catalogPath: String?
    public var logLevel: LogLevel = .info
    public var logFormat: LogFormat = .logfmt
    public var timeZone: TimeZone = City.timeZone
    public var defaultLanguage: String = City.defaultLanguage.rawValue
    public var serverHost: String = "127.0.0.1"
    public var serverPort: Int = 8080
    /// The base of links sent to residents; nil: this process's own address (`publicBaseURL(port:)`).
    public var publicBaseURL: URL?
    public var quietHours: QuietHours = QuietHours(start: 21 * 60, end: 8 * 60)
    public var transcriptRetentionDays: Int = 30
    /// When staff answer hand-offs, e.g. `mon-fri 08:00-16:00` in the city's time zone.
    public var handoffHours: String = "mon-fri 08:00-16:00"
    /// How long an open hand-off waits for an agent to take it before the resident is told nobody could.
    public var handoffAnswerSeconds: Int = 180
    public var smtpURL: URL?
    /// STARTTLS is required unless explicitly turned off (local test servers).
    public var smtpTLSRequired: Bool = true
    public var smtpUsername: String?
    public var smtpPassword: String?
    public var smtpFrom: String = "Helsingin kaupunki <neuvo@hel.fi>"
    public var smsWebhookURL: URL?
    public var smsWebhookSecret: String?
    /// Verifies the provider's delivery receipts; required for the receipts route (never the outbound secret, or a
    /// captured outbound webhook would replay as a receipt).
    public var smsReceiptSecret: String?
    public var linkSigningSecret: String?
    /// The key before the last rotation: links it signed keep working for their lifetime.
    public var linkPreviousSecret: String?
    /// How long a notice's link may be redeemed.
    public var linkLifetimeDays: Int = 14
    /// Identified sessions: an absolute limit and an idle limit.
    public var sessionMaxSeconds: Double = 43_200
    public var sessionIdleSeconds: Double = 1_800
    /// OpenID Connect: the city's identity provider (nil: strong identification is not available).
    public var oidcIssuer: URL?
    public var oidcClientID: String?
    public var oidcClientSecret: String?
    /// `acr` values that count as strong identification (empty: any successful login is strong).
    public var oidcSensitiveACR: [String] = []
    /// The ID token's claim matched against residents' `identity`.
    public var oidcResidentClaim: String = "sub"
    /// The staff console: the ID-token claim that lists a staff member's roles (a staff sign-in through the
    /// provider without it is refused), how much accuracy a publication may lose per language, and an optional
    /// labelled evaluation set (JSONL) measured before and after.
    public var staffRolesClaim: String = "neuvo_roles"
    public var staffPublishTolerance: Double = 0.02
    public var staffEvaluationSet: String?

    /// The dispatcher: how long a claimed notice is ours, the first retry delay, and per-channel limits.
    public var dispatchLeaseSeconds = DispatchDefaults.leaseSeconds
    public var dispatchRetryBaseSeconds = DispatchDefaults.retryBaseSeconds
    public var dispatchEmailRate = DispatchDefaults.emailRate
    public var dispatchSMSRate = DispatchDefaults.smsRate
    public var dispatchEmailConcurrency = DispatchDefaults.emailConcurrency
    public var dispatchSMSConcurrency = DispatchDefaults.smsConcurrency
    /// Delivery results journaled as they come, once this many wait (or 100 ms passed): the most a crash resends
    /// beyond what was in flight.
    public var dispatchRecordEvery = 64

    /// Abuse limits (`ConfigurationLimits.swift`; every one is listed in docs/SECURITY.md, "Limits").
    public var trustedProxies: String = ""
    public var connectionsPerAddress = 256
    public var bufferedRequestBytes = 64 * 1024 * 1024
    /// Chat messages per minute from one client address, and from one session (token buckets: the burst is one
    /// minute's worth).
    public var chatPerAddressPerMinute = 120
    public var chatPerSessionPerMinute = 20
    /// "The resident is typing" signals per minute from one session (the widget sends one every few seconds).
    public var typingPerSessionPerMinute = 30
    /// Hand-offs to staff per hour from one client address (a session never has more than one open).
    public var handoffsPerAddressPerHour = 10
    /// Hosts whose URLs become links in emails and chat replies; empty: the public base URL's host and the
    /// city's domains in the catalog.
    public var linkHosts: [String] = []
    /// Days after a notice's final state when its personalisation and rendered body are erased.
    public var noticeRetentionDays = 7

    /// Where each value came from, by key (`database`, `log.level`, ...).
    public var sources: [String: ConfigurationSource] = [:]

    public init(environment: [String: String] = [:]) {
        databasePath = Self.defaultDatabasePath(environment: environment)
    }

    /// The base of the links this process signs: `public_base_url` when set, otherwise the server's own address
    /// (`server.host`, and `port` when the listener is bound, else `server.port`). A wildcard address (0.0.0.0,
    /// ::) becomes `localhost`; an IPv6 literal is bracketed.
    public func publicBaseURL(port: Int? = nil) -> URL {
        if let publicBaseURL { return publicBaseURL }
        var components = URLComponents()
        components.scheme = "http"
        let host = ["0.0.0.0", "::", "[::]", ""].contains(serverHost) ? "localhost" : serverHost
        components.host = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        components.port = port ?? serverPort
        return components.url ?? URL(fileURLWithPath: "/")
    }

    public static func defaultDatabasePath(environment: [String: String]) -> String {
        let dataHome =
            environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return dataHome + "/neuvo/neuvo.db"
    }

    public static func defaultConfigFilePath(environment: [String: String]) -> String {
        let configHome =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return configHome + "/neuvo/config.json"
    }
}

public enum ConfigurationSource: Sendable, Equatable, CustomStringConvertible {
    case defaultValue
    case file(String)
    case environment(String)
    case commandLine(String)

    public var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(let path): "file \(path)"
        case .environment(let name): "environment \(name)"
        case .commandLine(let option): "option \(option)"
        }
    }
}

/// Quiet hours in minutes after local midnight; the window may wrap past midnight (21:00–08:00).
public struct QuietHours: Sendable, Equatable, CustomStringConvertible {
    public let start: Int
    public let end: Int

    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }

    public var description: String { "\(Self.clock(start))-\(Self.clock(end))" }

    static func clock(_ minutes: Int) -> String {
        let hours = minutes / 60
        let rest = minutes % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (rest < 10 ? "0" : "") + "\(rest)"
    }

    /// Whether a local time of day (minutes after midnight) falls in the quiet window.
    public func contains(minuteOfDay minute: Int) -> Bool {
        if start == end { return false }
        return start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
    }

    /// Parses `HH:MM-HH:MM`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]) else { return nil }
        self.init(start: start, end: end)
    }

    static func minutes(_ text: Substring) -> Int? {
        let pieces = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces[0].count <= 2, pieces[1].count == 2,
            let hours = Int(pieces[0]), let minutes = Int(pieces[1]), (0...23).contains(hours),
            (0...59).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }
}

/// One invalid value: which key, where it came from, what is wrong and what is expected.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let source: ConfigurationSource
    public let problem: String
    public let expected: String

    public init(key: String, source: ConfigurationSource, problem: String, expected: String) {
        self.key = key
        self.source = source
        self.problem = problem
        self.expected = expected
    }

    public var description: String {
        var line = "invalid configuration: \(key) (\(source)): \(problem)"
        if !expected.isEmpty { line += "; expected \(expected)" }
        return line
    }
}
