import CCurl
import Foundation
import NeuvoSupport

public struct SMTPConfiguration: Sendable, CustomStringConvertible {
    /// STARTTLS on an `smtp://` URL (RFC 3207); `smtps://` is TLS from the first byte regardless.
    public enum STARTTLSPolicy: String, Sendable {
        /// Fail rather than send in clear text.
        case required
        /// Use it when the server offers it (open to downgrade; only for trusted networks).
        case opportunistic
        /// Never (a relay on localhost, the test sink).
        case never
    }

    /// `smtp://host:port` or `smtps://host:port`; a path names the EHLO domain (libcurl convention).
    public var url: String
    public var username: String?
    public var password: String?
    /// The envelope sender (MAIL FROM) and the From header.
    public var fromAddress: String
    /// Display name in From, e.g. "Helsingin kaupunki".
    public var fromName: String?
    /// Right-hand side of Message-IDs; the domain of `fromAddress` when nil.
    public var messageIDDomain: String?
    public var startTLS: STARTTLSPolicy
    /// CA bundle for TLS verification; the system default when nil.
    public var caBundlePath: String?
    /// Seconds to establish the TCP (and TLS) connection.
    public var connectTimeout: Double
    /// Seconds for the whole SMTP transaction, connection included.
    public var timeout: Double
    /// Transfers that may run at once, each on its own dedicated thread.
    public var maxConcurrentTransfers: Int
    /// Source of the Date header.
    public var clock: any WallClock

    public init(
        url: String, fromAddress: String, fromName: String? = nil, username: String? = nil, password: String? = nil,
        messageIDDomain: String? = nil, startTLS: STARTTLSPolicy = .required, caBundlePath: String? = nil,
        connectTimeout: Double = 10, timeout: Double = 60, maxConcurrentTransfers: Int = 2,
        clock: any WallClock = SystemClock()
    ) {
        self.url = url
        self.fromAddress = fromAddress
        self.fromName = fromName
        self.username = username
        self.password = password
        self.messageIDDomain = messageIDDomain
        self.startTLS = startTLS
        self.caBundlePath = caBundlePath
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxConcurrentTransfers = maxConcurrentTransfers
        self.clock = clock
    }

    public var description: String {
        "SMTPConfiguration(url: \(url), from: \(fromAddress), username: \(username ?? "-"), password: "
            + (password == nil ? "-" : "<redacted>") + ", startTLS: \(startTLS.rawValue))"
    }

    /// Why this configuration cannot send anything, or nil. Checked once at start-up by the owner of the channel;
    /// a channel built from a bad configuration answers every send with a temporary failure.
    public var problem: String? {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("smtp://") || lowered.hasPrefix("smtps://") else {
            return "SMTP url must start with smtp:// or smtps://"
        }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return "SMTP url contains spaces, controls or non-ASCII"
        }
        do {
            try AddressValidation.email(fromAddress)
        } catch {
            return "from address: \(error)"
        }
        if let messageIDDomain {
            do {
                try AddressValidation.email("id@" + messageIDDomain)
            } catch {
                return "message id domain is not a host name"
            }
        }
        for (name, value) in [("username", username), ("password", password), ("from name", fromName)] {
            if let value, value.unicodeScalars.contains(where: { AddressValidation.forbiddenName($0) != nil }) {
                return "\(name) contains control characters"
            }
        }
        guard connectTimeout > 0, timeout > 0 else { return "timeouts must be positive" }
        return nil
    }
}

/// Email over SMTP (RFC 5321) through libcurl: one MAIL FROM, one RCPT TO, and the composed message after DATA.
///
/// Every value that reaches libcurl is validated first: libcurl 7.88 forwards CR/LF inside CURLOPT_MAIL_RCPT to the
/// server, so an unchecked recipient could inject SMTP commands.
public struct SMTPChannel: NotificationChannel {
    public var kind: ChannelKind { .email }

    private let configuration: SMTPConfiguration
    private let composer: EmailComposer
    private let pool: CurlWorkerPool
    private let problem: String?

    public init(configuration: SMTPConfiguration) {
        self.configuration = configuration
        problem = configuration.problem
        let fromDomain = configuration.fromAddress.split(separator: "@").last.map(String.init) ?? "localhost"
        composer = EmailComposer(
            fromAddress: configuration.fromAddress, fromName: configuration.fromName,
            messageIDDomain: configuration.messageIDDomain ?? fromDomain)
        pool = CurlWorkerPool(threads: configuration.maxConcurrentTransfers, name: "neuvo-smtp")
    }

    public func send(_ message: OutgoingMessage) async -> DeliveryOutcome {
        if let problem { return .temporaryFailure(reason: "SMTP channel misconfigured: \(problem)", retryAfter: nil) }
        do {
            try AddressValidation.email(message.recipient)
        } catch {
            return .permanentFailure(reason: "invalid recipient: \(error)")
        }
        let data: [UInt8]
        do {
            data = try composer.compose(message, date: configuration.clock.now())
        } catch {
            return .permanentFailure(reason: "invalid header value: \(error)")
        }
        let messageID = composer.messageID(for: message.noticeID)
        let options = transferOptions(recipient: message.recipient, size: data.count)
        return await pool.run { handle in
            guard let handle else {
                return .temporaryFailure(reason: "libcurl could not create a handle", retryAfter: nil)
            }
            return Self.classify(handle.perform(options, upload: data), messageID: messageID)
        }
    }

    private func transferOptions(recipient: String, size: Int) -> [CurlOption] {
        let tls: curl_usessl =
            switch configuration.startTLS {
            case .required: CURLUSESSL_ALL
            case .opportunistic: CURLUSESSL_TRY
            case .never: CURLUSESSL_NONE
            }
        var options: [CurlOption] = [
            .string(CURLOPT_URL, configuration.url),
            // Nothing but SMTP, whatever the URL says.
            .string(CURLOPT_PROTOCOLS_STR, "smtp,smtps"),
            .long(CURLOPT_USE_SSL, Int(tls.rawValue)),
            // RFC 5321 §4.1.2 reverse-path and forward-path, both already validated.
            .string(CURLOPT_MAIL_FROM, "<\(configuration.fromAddress)>"),
            .list(CURLOPT_MAIL_RCPT, ["<\(recipient)>"]),
            .long(CURLOPT_UPLOAD, 1),
            .long(CURLOPT_INFILESIZE, size),
            .long(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000)),
            .long(CURLOPT_TIMEOUT_MS, Int(configuration.timeout * 1000)),
        ]
        if let username = configuration.username { options.append(.string(CURLOPT_USERNAME, username)) }
        if let password = configuration.password { options.append(.string(CURLOPT_PASSWORD, password)) }
        if let path = configuration.caBundlePath { options.append(.string(CURLOPT_CAINFO, path)) }
        return options
    }

    /// RFC 5321 §4.2.1: 4yz is a transient negative completion (try again), 5yz a permanent one. Failures before
    /// any reply (refused, timed out, reset) are transient too.
    static func classify(_ response: CurlResponse, messageID: String) -> DeliveryOutcome {
        if response.succeeded { return .accepted(providerMessageID: messageID) }
        let code = response.responseCode
        // Authentication replies (RFC 4954 §6: 530, 534, 535, 538) are about our account, not this message:
        // every message would fail the same way, so keep them for a retry once an operator has fixed it.
        if response.result == CURLE_LOGIN_DENIED || [530, 534, 535, 538].contains(code) {
            return .temporaryFailure(reason: "SMTP authentication failed (\(code)): \(response.error)", retryAfter: nil)
        }
        switch code {
        case 400..<500:
            return .temporaryFailure(reason: "SMTP \(code): \(response.error)", retryAfter: nil)
        case 500..<600:
            return .permanentFailure(reason: "SMTP \(code): \(response.error)")
        default:
            return .temporaryFailure(
                reason: "SMTP transfer failed: \(response.error) (curl \(response.result.rawValue))", retryAfter: nil)
        }
    }
}
