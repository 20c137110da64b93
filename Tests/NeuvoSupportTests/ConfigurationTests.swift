import Foundation
import Testing

@testable import NeuvoSupport

@Suite("Configuration")
struct ConfigurationTests {
    let home = ["HOME": "/home/test"]

    @Test func worksWithNothingConfigured() throws {
        let config = try Configuration.load(environment: home)
        #expect(config.databasePath == "/home/test/.local/share/neuvo/neuvo.db")
        #expect(config.timeZone.identifier == "Europe/Helsinki")
        #expect(config.quietHours == QuietHours(start: 21 * 60, end: 8 * 60))
        #expect(config.sources["db"] == .defaultValue)
    }

    @Test func environmentWinsOverFileAndOptionsWinOverEnvironment() throws {
        let file = try temporaryFile(#"{"db": "/from/file.db", "log": {"level": "debug", "format": "json"}}"#)
        var environment = home
        environment["NEUVO_DB"] = "/from/env.db"
        environment["NEUVO_LOG_LEVEL"] = "warning"
        let config = try Configuration.load(environment: environment, configFile: file)
        #expect(config.databasePath == "/from/env.db")
        #expect(config.logLevel == .warning)
        #expect(config.logFormat == .json)  // only the file set it
        #expect(config.sources["log.format"] == .file(file))
        #expect(config.sources["log.level"] == .environment("NEUVO_LOG_LEVEL"))

        let overridden = try Configuration.load(
            environment: environment, configFile: file, overrides: [("db", "/from/option.db", "--db")])
        #expect(overridden.databasePath == "/from/option.db")
        #expect(overridden.sources["db"] == .commandLine("--db"))
    }

    @Test func configFileComesFromTheEnvironmentToo() throws {
        let file = try temporaryFile(#"{"server": {"port": 9090}}"#)
        let config = try Configuration.load(environment: home.merging(["NEUVO_CONFIG": file]) { $1 })
        #expect(config.serverPort == 9090)
    }

    @Test func anInvalidValueNamesKeySourceProblemAndExpectedForm() {
        do {
            _ = try Configuration.load(environment: home.merging(["NEUVO_SERVER_PORT": "http"]) { $1 })
            Issue.record("expected an error")
        } catch {
            #expect(error.key == "server.port")
            #expect(error.source == .environment("NEUVO_SERVER_PORT"))
            #expect(
                error.description
                    == "invalid configuration: server.port (environment NEUVO_SERVER_PORT): 'http' is not a number; "
                    + "expected an integer from 1 to 65535")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test(arguments: [
        ("NEUVO_SERVER_PORT", "70000"), ("NEUVO_LOG_LEVEL", "loud"), ("NEUVO_TIMEZONE", "Mars/Olympus"),
        ("NEUVO_QUIET_HOURS", "21-08"), ("NEUVO_SMTP_URL", "http://mail"), ("NEUVO_SMS_WEBHOOK_SECRET", "secret"),
        ("NEUVO_SMS_RECEIPT_SECRET", "whsec_c2hvcnQ="),
        ("NEUVO_LINKS_SECRET", "short"), ("NEUVO_LANGUAGE", "de"), ("NEUVO_TRANSCRIPT_RETENTION_DAYS", "0"),
        ("NEUVO_SMTP_FROM", "a@b\r\nBcc: x@y"), ("NEUVO_HANDOFF_HOURS", "mon-fri 16:00-08:00"),
        ("NEUVO_HANDOFF_HOURS", "daily 00:00-24:01"), ("NEUVO_HANDOFF_HOURS", "mon-fri"),
    ])
    func rejectsInvalidValues(name: String, value: String) {
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(environment: home.merging([name: value]) { $1 })
        }
    }

    @Test(arguments: ["daily 00:00-24:00", "mon-fri 08:00-16:00", "sat,sun 10:00-14:30"])
    func acceptsHandoffHours(value: String) throws {
        let config = try Configuration.load(environment: home.merging(["NEUVO_HANDOFF_HOURS": value]) { $1 })
        #expect(config.handoffHours == value)
    }

    @Test func serviceHoursParseAndDescribe() throws {
        let helsinki = TimeZone(identifier: "Europe/Helsinki")!
        let hours = try #require(ServiceHours(parsing: "mon-fri 08:00-16:00", timeZone: helsinki))
        #expect(hours == .weekdaysEightToFour)
        #expect(hours.description == "mon-fri 08:00-16:00")
        #expect(ServiceHours(parsing: "mon,wed 09:00-12:30", timeZone: helsinki)?.days == [1, 3])
        #expect(ServiceHours(parsing: "daily 10:00-14:00", timeZone: helsinki)?.days.count == 7)
        #expect(ServiceHours(parsing: "fri-mon 08:00-16:00", timeZone: helsinki) == nil)
        #expect(ServiceHours(parsing: "mon-fri 16:00-08:00", timeZone: helsinki) == nil)
        #expect(ServiceHours(parsing: "daily 00:00-24:00", timeZone: helsinki)?.isOpen(at: Date()) == true)
        #expect(ServiceHours(parsing: "daily 00:00-24:01", timeZone: helsinki) == nil)
    }

    @Test func fileErrorsAreClear() throws {
        let unknown = try temporaryFile(#"{"server": {"prot": 9090}}"#)
        #expect {
            try Configuration.load(environment: home, configFile: unknown)
        } throws: { error in
            "\(error)".contains("server.prot") && "\(error)".contains("unknown key")
                && "\(error)".contains("server.port")
        }
        let broken = try temporaryFile("{not json")
        #expect {
            try Configuration.load(environment: home, configFile: broken)
        } throws: { error in "\(error)".contains("not valid JSON") }
        #expect {
            try Configuration.load(environment: home, configFile: "/nonexistent/neuvo.json")
        } throws: { error in "\(error)".contains("cannot be read") }
        let array = try temporaryFile("[1, 2]")
        #expect {
            try Configuration.load(environment: home, configFile: array)
        } throws: { error in "\(error)".contains("not an object") }
    }

    @Test func secretsAreMasked() throws {
        let secret = "whsec_" + Data(repeating: 7, count: 24).base64EncodedString()
        let config = try Configuration.load(
            environment: home.merging(["NEUVO_SMS_WEBHOOK_SECRET": secret, "NEUVO_SMTP_PASSWORD": "hunter2"]) { $1 })
        #expect(config.smsWebhookSecret == secret)
        let shown = config.describe()
        #expect(shown.first { $0.key == "sms.webhook_secret" }?.value == "********")
        #expect(shown.first { $0.key == "smtp.password" }?.value == "********")
        #expect(!shown.contains { $0.value.contains("hunter2") || $0.value.contains(secret) })
    }

    @Test func quietHoursWrapPastMidnight() throws {
        let hours = try #require(QuietHours(parsing: "21:00-08:00"))
        #expect(hours.contains(minuteOfDay: 22 * 60))
        #expect(hours.contains(minuteOfDay: 7 * 60 + 59))
        #expect(!hours.contains(minuteOfDay: 8 * 60))
        #expect(!hours.contains(minuteOfDay: 12 * 60))
        #expect(QuietHours(parsing: "25:00-08:00") == nil)
        let none = try Configuration.load(environment: home.merging(["NEUVO_QUIET_HOURS": "none"]) { $1 })
        #expect(none.quietHours == QuietHours(start: 0, end: 0))
        #expect(!none.quietHours.contains(minuteOfDay: 23 * 60))
    }

    func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-config-\(UUID()).json").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
