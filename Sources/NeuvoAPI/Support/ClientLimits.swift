import NeuvoHTTP
import NeuvoSupport

/// Rate limits per client address and per session (token buckets), configured by `limits.*` and listed in
/// docs/SECURITY.md, "Limits". The chat is anonymous, so an address is the only thing a flood of new sessions
/// shares; a session bucket stops one conversation from being driven by a script.
public struct ClientLimits: Sendable {
    let chatByAddress: KeyedRateLimiter
    let chatBySession: KeyedRateLimiter
    let handoffsByAddress: KeyedRateLimiter
    /// "The resident is typing" signals a session may send: the widget sends at most one every few seconds, and
    /// each is a session check (a write), so a script cannot drive the database with them.
    let typingBySession: KeyedRateLimiter
    let metrics: Metrics
    /// How long a 429 of the chat waits before it is sent.
    static let refusalPause: Duration = .milliseconds(250)

    init(configuration: Configuration, metrics: Metrics) {
        chatByAddress = KeyedRateLimiter(limit: configuration.chatPerAddressPerMinute)
        chatBySession = KeyedRateLimiter(limit: configuration.chatPerSessionPerMinute)
        typingBySession = KeyedRateLimiter(limit: configuration.typingPerSessionPerMinute)
        handoffsByAddress = KeyedRateLimiter(limit: configuration.handoffsPerAddressPerHour, per: .seconds(3600))
        self.metrics = metrics
    }

    /// Takes a chat message's tokens, or throws 429 with `Retry-After` (RFC 6585 §4).
    func admitChat(address: String, session: String?, now: ContinuousClock.Instant = .now) throws {
        if let wait = chatByAddress.take(address, now: now) {
            throw refused("chat_address", wait, "too many messages from your address; wait a moment")
        }
        if let session, let wait = chatBySession.take(session, now: now) {
            throw refused("chat_session", wait, "too many messages in this conversation; wait a moment")
        }
    }

    /// Takes a typing signal's token, or throws 429 with `Retry-After`.
    func admitTyping(session: String, now: ContinuousClock.Instant = .now) throws {
        if let wait = typingBySession.take(session, now: now) {
            throw refused("typing_session", wait, "too many typing signals in this conversation; wait a moment")
        }
    }

    /// Whether `address` may queue another hand-off for staff now (a token is taken if so).
    func admitHandoff(address: String) -> Bool {
        guard handoffsByAddress.take(address) == nil else {
            metrics.recordRefusal("handoff_address")
            return false
        }
        return true
    }

    private func refused(_ reason: String, _ wait: Duration, _ detail: String) -> HTTPError {
        metrics.recordRefusal(reason)
        return Problem.error(
            .tooManyRequests, "rate-limited", "Too many requests", detail,
            headers: ["Retry-After": String(wait.retryAfterSeconds)])
    }
}
