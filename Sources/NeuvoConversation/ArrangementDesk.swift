import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoStorage

/// What a resident may do to an arrangement of their own from the chat.
public enum ArrangementDecision: String, Sendable, Hashable, Codable, CaseIterable {
    case accept
    case decline
    case reschedule

    public var status: ArrangementStatus {
        switch self {
        case .accept: .accepted
        case .decline: .declined
        case .reschedule: .rescheduled
        }
    }

    /// The intent id residents see in replies for this decision.
    public var intent: String { "arrangement.\(rawValue)" }

    /// The catalog action that asks for this decision.
    public var action: IntentAction {
        switch self {
        case .accept: .acceptArrangement
        case .decline: .declineArrangement
        case .reschedule: .rescheduleArrangement
        }
    }
}

/// Carries out residents' decisions on their own arrangements, through `ArrangementStore.transition` (the one place
/// statuses change), and runs the notification gateway's hook in the same transaction, so the confirmation notice
/// is queued exactly when the status changes.
public struct ArrangementDesk: Sendable {
    /// Called inside the transaction with the changed arrangement and its previous status; throwing rolls back.
    public typealias AfterTransition = @Sendable (Connection, Arrangement, ArrangementStatus) throws -> Void

    public let afterTransition: AfterTransition?

    public init(afterTransition: AfterTransition? = nil) {
        self.afterTransition = afterTransition
    }

    /// Applies `decision` to an arrangement the session may act on (`SessionAccess.mayAct`: its own, and for a link
    /// session only the link's non-sensitive one) inside the caller's transaction. Anything else reads as not found,
    /// in the same words.
    @discardableResult
    public func apply(
        _ decision: ArrangementDecision, to arrangementID: String, access: SessionAccess,
        details: [String: String] = [:], now: Date, in connection: Connection
    ) throws -> Arrangement {
        guard let current = try ArrangementStore.arrangement(arrangementID, in: connection),
            access.mayAct(on: current)
        else { throw ArrangementError.notFound(arrangementID) }
        let changed = try ArrangementStore.transition(
            arrangementID, to: decision.status, reason: "resident \(decision.rawValue) in chat",
            actor: "resident", now: now, in: connection, detailsUpdate: details)
        try afterTransition?(connection, changed, current.status)
        return changed
    }

    /// The same in a transaction of its own.
    @discardableResult
    public func apply(
        _ decision: ArrangementDecision, to arrangementID: String, access: SessionAccess,
        details: [String: String] = [:], now: Date, database: Database
    ) async throws -> Arrangement {
        try await database.write { connection in
            try apply(decision, to: arrangementID, access: access, details: details, now: now, in: connection)
        }
    }
}
