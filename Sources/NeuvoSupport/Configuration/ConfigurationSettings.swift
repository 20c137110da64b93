import Foundation

/// The declaration of one setting.
public struct ConfigurationSetting: Sendable {
    public let key: String
    public let summary: String
    public let expected: String
    public let isSecret: Bool
    let apply: @Sendable (String, inout Configuration) -> String?
    let current: @Sendable (Configuration) -> String?

    /// `NEUVO_` + the key in upper case with dots as underscores: `log.level` → `NEUVO_LOG_LEVEL`.
    public var environmentName: String {
        "NEUVO_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    init(
        _ key: String, _ summary: String, expected: String, secret: Bool = false,
        current: @escaping @Sendable (Configuration) -> String?,
        apply: @escaping @Sendable (String, inout Configuration) -> String?
    ) {
        self.key = key
        self.summary = summary
        self.expected = expected
        self.isSecret = secret
        self.current = current
        self.apply = apply
    }
}

extension Configuration {
    /// Every setting Neuvo reads. `apply` returns a problem description, or nil when the value was taken.
    public static let settings: [ConfigurationSetting] =
        basicSettings + dispatchSettings + identitySettings + limitSettings

    static let identitySettings: [ConfigurationSetting] = [
        ConfigurationSetting(
            "links.previous_secret", "the links key before the last rotation; still verifies links already sent",
            expected: "at least 32 characters", secret: true,
            current: { $0.linkPreviousSecret },
            apply: { value, config in
                guard value.count >= 32 else { return "the secret has \(value.count) characters, too short to be safe" }
                config.linkPreviousSecret = value
                return nil
            }),
        integer(
            "links.lifetime_days", "how long a notice's link can be redeemed (once)", range: 1...90,
            keyPath: \.linkLifetimeDays),
        number(
            "session.max_seconds", "an identified session ends this long after it began", range: 1...2_592_000,
            keyPath: \.sessionMaxSeconds),
        number(
            "session.idle_seconds", "an identified session ends after this long without use", range: 1...2_592_000,
            keyPath: \.sessionIdleSeconds),
        ConfigurationSetting(
            "oidc.issuer", "the city's OpenID provider (discovery at /.well-known/openid-configuration)",
            expected: "an https:// URL (http:// only on a loopback address)",
            current: { $0.oidcIssuer?.absoluteString },
            apply: { value, config in
                guard let url = httpURL(value) else { return "'\(value)' is not an absolute https URL" }
                let loopback = ["127.0.0.1", "::1", "[::1]", "localhost"].contains(url.host?.lowercased() ?? "")
                guard url.scheme?.lowercased() == "https" || loopback else {
                    return "the issuer must use https:// (http:// is accepted only on a loopback address, for tests)"
                }
                config.oidcIssuer = url
                return nil
            }),
        ConfigurationSetting(
            "oidc.client_id", "this relying party's client id at the provider", expected: "a client id",
            current: { $0.oidcClientID },
            apply: { value, config in
                config.oidcClientID = value.isEmpty ? nil : value
                return nil
            }),
        ConfigurationSetting(
            "oidc.client_secret", "this relying party's client secret", expected: "a secret", secret: true,
            current: { $0.oidcClientSecret },
            apply: { value, config in
                config.oidcClientSecret = value.isEmpty ? nil : value
                return nil
            }),
        ConfigurationSetting(
            "oidc.sensitive_acr", "acr values that count as strong identification (none: every login)",
            expected: "comma-separated acr values",
            current: { $0.oidcSensitiveACR.joined(separator: ",") },
            apply: { value, config in
                config.oidcSensitiveACR = value.split(separator: ",").map {
                    $0.trimmingCharacters(in: .whitespaces)
                }.filter { !$0.isEmpty }
                return nil
            }),
        ConfigurationSetting(
            "oidc.resident_claim", "the ID-token claim matched against residents' identity", expected: "a claim name",
            current: { $0.oidcResidentClaim },
            apply: { value, config in
                guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
                else { return "'\(value)' is not a claim name" }
                config.oidcResidentClaim = value
                return nil
            }),
        ConfigurationSetting(
            "staff.roles_claim", "the ID-token claim that lists a staff member's roles (editor, publisher, ...)",
            expected: "a claim name",
            current: { $0.staffRolesClaim },
            apply: { value, config in
                guard !value.isEmpty, value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
                else { return "'\(value)' is not a claim name" }
                config.staffRolesClaim = value
                return nil
            }),
        number(
            "staff.publish_tolerance", "how much accuracy per language a publication may lose without an override",
            range: 0...1, keyPath: \.staffPublishTolerance),
        ConfigurationSetting(
            "staff.evaluation_set", "labelled messages (JSONL) measured before and after each publication",
            expected: "a file path",
            current: { $0.staffEvaluationSet },
            apply: { value, config in
                config.staffEvaluationSet = value.isEmpty ? nil : value
                return nil
            }),
    ]

    static let dispatchSettings: [ConfigurationSetting] = [
        number(
            "dispatch.lease_seconds", "how long a claimed notice is reserved before a restart resends it",
            range: 1...3600, keyPath: \.dispatchLeaseSeconds),
        number(
            "dispatch.retry_base_seconds", "first retry delay; later ones double, with jitter", range: 0.01...3600,
            keyPath: \.dispatchRetryBaseSeconds),
        number("dispatch.email_rate", "emails per second at most", range: 0.01...100_000, keyPath: \.dispatchEmailRate),
        number(
            "dispatch.sms_rate", "SMS webhooks per second at most", range: 0.01...100_000, keyPath: \.dispatchSMSRate),
        integer(
            "dispatch.email_concurrency", "emails sent at once", range: 1...64, keyPath: \.dispatchEmailConcurrency),
        integer(
            "dispatch.sms_concurrency", "SMS webhooks sent at once", range: 1...512, keyPath: \.dispatchSMSConcurrency),
        integer(
            "dispatch.record_every",
            "delivery results journaled while a batch sends, once this many wait (or 100 ms passed)",
            range: 1...100_000, keyPath: \.dispatchRecordEvery),
    ]

    static let basicSettings: [ConfigurationSetting] = [
        ConfigurationSetting(
            "db", "SQLite database file, created on first run", expected: "a file path",
            current: { $0.databasePath },
            apply: { value, config in
                guard !value.isEmpty else { return "the path is empty" }
                config.databasePath = value
                return nil
            }),
        integer(
            "db_cache_kib",
            "SQLite's page cache per connection in KiB: memory grows to it as the database is used, then stays",
            range: 256...1_048_576, keyPath: \.databaseCacheKiB),
        ConfigurationSetting(
            "catalog", "folder holding intents/ and locales/ (default: the one bundled with the binary)",
            expected: "a folder path",
            current: { $0.catalogPath },
            apply: { value, config in
                guard !value.isEmpty else { return "the path is empty" }
                config.catalogPath = value
                return nil
            }),
        ConfigurationSetting(
            "log.level", "lowest level written to standard error",
            expected: "one of debug, info, notice, warning, error",
            current: { $0.logLevel.rawValue },
            apply: { value, config in
                guard let level = LogLevel(rawValue: value.lowercased()) else { return "'\(value)' is not a log level" }
                config.logLevel = level
                return nil
            }),
        ConfigurationSetting(
            "log.format", "log line format", expected: "json or logfmt",
            current: { $0.logFormat.rawValue },
            apply: { value, config in
                guard let format = LogFormat(rawValue: value.lowercased()) else {
                    return "'\(value)' is not a log format"
                }
                config.logFormat = format
                return nil
            }),
        ConfigurationSetting(
            "timezone", "time zone for quiet hours, dates and deadlines",
            expected: "an IANA zone such as Europe/Helsinki",
            current: { $0.timeZone.identifier },
            apply: { value, config in
                guard value.contains("/") || value == "UTC", let zone = TimeZone(identifier: value) else {
                    return "'\(value)' is not a known time zone"
                }
                config.timeZone = zone
                return nil
            }),
        ConfigurationSetting(
            "language", "language used before a resident's language is known", expected: "fi, sv or en",
            current: { $0.defaultLanguage },
            apply: { value, config in
                let code = value.lowercased()
                guard ["fi", "sv", "en"].contains(code) else { return "'\(value)' is not a supported language" }
                config.defaultLanguage = code
                return nil
            }),
        ConfigurationSetting(
            "server.host", "address the HTTP server listens on", expected: "an IP address or host name",
            current: { $0.serverHost },
            apply: { value, config in
                guard !value.isEmpty, !value.contains(where: { $0.isWhitespace || $0 == "/" }) else {
                    return "'\(value)' is not a host"
                }
                config.serverHost = value
                return nil
            }),
        ConfigurationSetting(
            "server.port", "TCP port the HTTP server listens on", expected: "an integer from 1 to 65535",
            current: { String($0.serverPort) },
            apply: { value, config in
                guard let port = Int(value) else { return "'\(value)' is not a number" }
                guard (1...65535).contains(port) else { return "\(port) is out of range" }
                config.serverPort = port
                return nil
            }),
        ConfigurationSetting(
            "public_base_url", "base of links sent to residents (default: http://server.host:server.port)",
            expected: "an absolute http(s) URL",
            current: { $0.publicBaseURL?.absoluteString },
            apply: { value, config in
                guard let url = httpURL(value) else { return "'\(value)' is not an absolute http(s) URL" }
                config.publicBaseURL = url
                return nil
            }),
        ConfigurationSetting(
            "quiet_hours", "local hours when no notice is delivered",
            expected: "HH:MM-HH:MM, such as 21:00-08:00, or none",
            current: { $0.quietHours.description },
            apply: { value, config in
                if value.lowercased() == "none" {
                    config.quietHours = QuietHours(start: 0, end: 0)
                    return nil
                }
                guard let hours = QuietHours(parsing: value) else { return "'\(value)' is not a time range" }
                config.quietHours = hours
                return nil
            }),
        ConfigurationSetting(
            "transcript_retention_days", "days chat transcripts are kept", expected: "an integer from 1 to 3650",
            current: { String($0.transcriptRetentionDays) },
            apply: { value, config in
                guard let days = Int(value) else { return "'\(value)' is not a number" }
                guard (1...3650).contains(days) else { return "\(days) is out of range" }
                config.transcriptRetentionDays = days
                return nil
            }),
        ConfigurationSetting(
            "handoff.hours", "when staff answer hand-offs", expected: "days and hours such as mon-fri 08:00-16:00",
            current: { $0.handoffHours },
            apply: { value, config in
                // The same parser as the conversation's: days, then a window that may end at 24:00 but not wrap.
                guard ServiceHours(parsing: value, timeZone: .gmt) != nil else {
                    return "'\(value)' is not days and hours"
                }
                config.handoffHours = value.lowercased()
                return nil
            }),
        integer(
            "handoff.answer_seconds",
            "seconds an open hand-off waits for an agent before the resident is told and offered another route",
            range: 10...86_400, keyPath: \.handoffAnswerSeconds),
        ConfigurationSetting(
            "smtp.url", "SMTP server for email notices, or a folder for .eml files",
            expected: "smtp://host:port, smtps://host:port or file:///folder",
            current: { $0.smtpURL?.absoluteString },
            apply: { value, config in
                if let url = fileURL(value) {
                    config.smtpURL = url
                    return nil
                }
                guard let url = URL(string: value), ["smtp", "smtps"].contains(url.scheme?.lowercased() ?? ""),
                    url.host?.isEmpty == false
                else { return "'\(value)' is not an smtp://, smtps:// or file:/// URL" }
                config.smtpURL = url
                return nil
            }),
        ConfigurationSetting(
            "smtp.tls", "whether SMTP must use STARTTLS",
            expected: "required or none (none only for local test servers)",
            current: { $0.smtpTLSRequired ? "required" : "none" },
            apply: { value, config in
                switch value.lowercased() {
                case "required": config.smtpTLSRequired = true
                case "none": config.smtpTLSRequired = false
                default: return "'\(value)' is not a TLS mode"
                }
                return nil
            }),
        ConfigurationSetting(
            "smtp.user", "SMTP user name", expected: "a user name",
            current: { $0.smtpUsername },
            apply: { value, config in
                config.smtpUsername = value.isEmpty ? nil : value
                return nil
            }),
        ConfigurationSetting(
            "smtp.password", "SMTP password", expected: "a password", secret: true,
            current: { $0.smtpPassword },
            apply: { value, config in
                config.smtpPassword = value.isEmpty ? nil : value
                return nil
            }),
        ConfigurationSetting(
            "smtp.from", "sender of email notices", expected: "an address such as Name <neuvo@hel.fi>",
            current: { $0.smtpFrom },
            apply: { value, config in
                guard value.contains("@"),
                    !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
                else {
                    return "'\(value)' is not a single email address"
                }
                config.smtpFrom = value
                return nil
            }),
        ConfigurationSetting(
            "sms.webhook_url", "SMS provider webhook for text-message notices, or a folder for .sms.json files",
            expected: "an absolute http(s) URL or file:///folder",
            current: { $0.smsWebhookURL?.absoluteString },
            apply: { value, config in
                guard let url = httpURL(value) ?? fileURL(value) else {
                    return "'\(value)' is not an absolute http(s) or file:/// URL"
                }
                config.smsWebhookURL = url
                return nil
            }),
        ConfigurationSetting(
            "sms.webhook_secret", "Standard Webhooks signing secret", expected: "whsec_ followed by base64",
            secret: true,
            current: { $0.smsWebhookSecret },
            apply: { value, config in
                if let problem = webhookSecretProblem(value) { return problem }
                config.smsWebhookSecret = value
                return nil
            }),
        ConfigurationSetting(
            "sms.receipt_secret",
            "Standard Webhooks secret of the provider's delivery receipts (required for receipts; not the webhook secret)",
            expected: "whsec_ followed by base64", secret: true,
            current: { $0.smsReceiptSecret },
            apply: { value, config in
                if let problem = webhookSecretProblem(value) { return problem }
                config.smsReceiptSecret = value
                return nil
            }),
        ConfigurationSetting(
            "links.secret", "key that signs residents' identification links", expected: "at least 32 characters",
            secret: true,
            current: { $0.linkSigningSecret },
            apply: { value, config in
                guard value.count >= 32 else { return "the secret has \(value.count) characters, too short to be safe" }
                config.linkSigningSecret = value
                return nil
            }),
    ]

    /// A Standard Webhooks secret: `whsec_` and the base64 of at least 16 bytes.
    static func webhookSecretProblem(_ value: String) -> String? {
        guard value.hasPrefix("whsec_"), let key = Data(base64Encoded: String(value.dropFirst(6))), key.count >= 16
        else { return "the value is not whsec_ followed by at least 16 base64-encoded bytes" }
        return nil
    }

    static func number(
        _ key: String, _ summary: String, range: ClosedRange<Double>,
        keyPath: WritableKeyPath<Configuration, Double> & Sendable
    ) -> ConfigurationSetting {
        ConfigurationSetting(
            key, summary, expected: "a number from \(range.lowerBound.formatted()) to \(range.upperBound.formatted())",
            current: { String($0[keyPath: keyPath]) },
            apply: { value, config in
                guard let number = Double(value), number.isFinite else { return "'\(value)' is not a number" }
                guard range.contains(number) else { return "\(value) is out of range" }
                config[keyPath: keyPath] = number
                return nil
            })
    }

    static func integer(
        _ key: String, _ summary: String, range: ClosedRange<Int>,
        keyPath: WritableKeyPath<Configuration, Int> & Sendable
    ) -> ConfigurationSetting {
        ConfigurationSetting(
            key, summary, expected: "an integer from \(range.lowerBound) to \(range.upperBound)",
            current: { String($0[keyPath: keyPath]) },
            apply: { value, config in
                guard let number = Int(value) else { return "'\(value)' is not a number" }
                guard range.contains(number) else { return "\(number) is out of range" }
                config[keyPath: keyPath] = number
                return nil
            })
    }

    static func httpURL(_ text: String) -> URL? {
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            url.host?.isEmpty == false
        else { return nil }
        return url
    }

    /// `file:///folder` (an absolute path): a channel that writes notices into a folder instead of sending them.
    static func fileURL(_ text: String) -> URL? {
        guard let url = URL(string: text), url.scheme?.lowercased() == "file", url.path.hasPrefix("/") else {
            return nil
        }
        return url
    }

    public static func setting(named key: String) -> ConfigurationSetting? {
        settings.first { $0.key == key }
    }
}
