/// The ways a notice can reach a resident.
public enum ChannelKind: String, Sendable, Codable, CaseIterable {
    case email, sms
}

/// One rendered notice, ready for a channel. Built by the dispatcher from an outbox row.
public struct OutgoingMessage: Sendable, Hashable {
    /// Stable id of the notice: the webhook-id and the base of the Message-ID, so a retry is recognisable.
    public var noticeID: String
    public var idempotencyKey: String
    /// An email address or an E.164 phone number, depending on the channel.
    public var recipient: String
    /// Email only.
    public var subject: String?
    public var textBody: String
    /// Email only; already escaped by the renderer.
    public var htmlBody: String?
    /// fi, sv or en.
    public var locale: String
    /// Email only: a one-click unsubscribe URL for non-essential notices (RFC 2369, RFC 8058).
    public var listUnsubscribe: String?
    /// SMS only: the text's encoding and segments when the renderer already counted them (nil: count again).
    public var smsSegments: SMSSegments?

    public init(
        noticeID: String, idempotencyKey: String, recipient: String, subject: String? = nil, textBody: String,
        htmlBody: String? = nil, locale: String, listUnsubscribe: String? = nil, smsSegments: SMSSegments? = nil
    ) {
        self.listUnsubscribe = listUnsubscribe
        self.smsSegments = smsSegments
        self.noticeID = noticeID
        self.idempotencyKey = idempotencyKey
        self.recipient = recipient
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.locale = locale
    }
}

/// What the provider said. Reasons never contain the recipient or the message text.
public enum DeliveryOutcome: Sendable, Hashable {
    case accepted(providerMessageID: String?)
    /// 5xx, 429, timeouts, refused connections, SMTP 4xx; `retryAfter` in seconds when the provider named one.
    case temporaryFailure(reason: String, retryAfter: Double?)
    /// 4xx other than 429, SMTP 5xx, an invalid address or header value.
    case permanentFailure(reason: String)
}

/// Delivers one message. Never throws: every failure is classified as temporary or permanent for the dispatcher.
public protocol NotificationChannel: Sendable {
    var kind: ChannelKind { get }
    func send(_ message: OutgoingMessage) async -> DeliveryOutcome
}

/// A channel that takes a whole batch and paces it itself, so a campaign does not cost a task, a rate-limiter hop
/// and a thread hand-off per message. `ratePerSecond` and `concurrency` are the dispatcher's limits for the
/// channel (nil: none, and the channel's own maximum).
public protocol BatchNotificationChannel: NotificationChannel {
    /// One outcome per message, in the same order; `progress` is told of each outcome as soon as it is known (by
    /// message index), so the dispatcher can record accepted sends before the whole batch is done.
    func send(
        _ messages: [OutgoingMessage], ratePerSecond: Double?, concurrency: Int?,
        progress: @escaping @Sendable (Int, DeliveryOutcome) -> Void
    ) async -> [DeliveryOutcome]
    /// One outcome per message, in the same order.
    func send(_ messages: [OutgoingMessage], ratePerSecond: Double?, concurrency: Int?) async -> [DeliveryOutcome]
}

extension BatchNotificationChannel {
    /// Without progress of its own: every outcome is reported once the batch is done.
    public func send(
        _ messages: [OutgoingMessage], ratePerSecond: Double?, concurrency: Int?,
        progress: @escaping @Sendable (Int, DeliveryOutcome) -> Void
    ) async -> [DeliveryOutcome] {
        let outcomes = await send(messages, ratePerSecond: ratePerSecond, concurrency: concurrency)
        for (index, outcome) in outcomes.enumerated() { progress(index, outcome) }
        return outcomes
    }
}
