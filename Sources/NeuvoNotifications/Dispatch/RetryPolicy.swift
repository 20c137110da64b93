import Foundation
import NeuvoCore

/// What happens after an attempt: exponential backoff with jitter for temporary failures, at once for
/// permanent ones, and death after too many attempts or too long.
public struct RetryPolicy: Sendable, Hashable {
    public var baseDelay: TimeInterval = DispatchDefaults.retryBaseSeconds
    public var maximumDelay: TimeInterval = 3600
    public var maximumAttempts: Int = 10
    public var maximumAge: TimeInterval = 48 * 3600
    /// Share of the delay that is randomised ("equal jitter"), so that retries of a failed batch spread out
    /// instead of hitting a recovering provider all at once.
    public var jitter: Double = 0.5

    public init() {}

    /// The delay before attempt `attempt + 1`, given `attempt` attempts so far (1-based), and a random number
    /// in 0..<1.
    public func delay(afterAttempt attempt: Int, random: Double) -> TimeInterval {
        let exponential = min(maximumDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return exponential * (1 - jitter) + exponential * jitter * random
    }

    public struct Decision: Sendable, Hashable {
        public let status: NoticeStatus
        public let nextAttemptAt: Date?
        public let reason: String
    }

    public func decide(
        _ outcome: DeliveryOutcome, attempt: Int, createdAt: Date, now: Date, random: Double
    ) -> Decision {
        switch outcome {
        case .accepted(let providerID):
            return Decision(
                status: .sent, nextAttemptAt: nil,
                reason: "accepted by provider" + (providerID.map { " (\($0))" } ?? ""))
        case .permanentFailure(let reason):
            return Decision(status: .permanentFailure, nextAttemptAt: nil, reason: reason)
        case .temporaryFailure(let reason, let retryAfter):
            if attempt >= maximumAttempts {
                return Decision(
                    status: .dead, nextAttemptAt: nil, reason: "gave up after \(attempt) attempts; last: \(reason)")
            }
            let wait = max(delay(afterAttempt: attempt, random: random), retryAfter ?? 0)
            let next = now.addingTimeInterval(wait)
            if next.timeIntervalSince(createdAt) > maximumAge {
                return Decision(
                    status: .dead, nextAttemptAt: nil,
                    reason: "gave up after \(Int(maximumAge / 3600)) hours (\(attempt) attempts); last: \(reason)")
            }
            return Decision(status: .temporaryFailure, nextAttemptAt: next, reason: reason)
        }
    }
}

/// Quiet hours in the city's time zone: the window may wrap midnight (21:00–08:00); start == end means none.
public struct QuietHoursCalendar: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// `date` itself when it is outside the window, otherwise the moment the window ends.
    public func nextAllowed(_ date: Date, start: Int, end: Int) -> Date {
        guard start != end else { return date }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        let inside = start < end ? (minute >= start && minute < end) : (minute >= start || minute < end)
        guard inside else { return date }
        // The end of the window is today when we are past midnight (or the window does not wrap), else tomorrow.
        let endsToday = start < end || minute < end
        let day = endsToday ? date : calendar.date(byAdding: .day, value: 1, to: date)!
        // Matching the wall-clock time handles the days when clocks change.
        return calendar.date(bySettingHour: end / 60, minute: end % 60, second: 0, of: day) ?? date
    }
}
