import NeuvoLanguage
import NeuvoSupport

/// One intent as staff wrote it in `intents/<id>.json`.
public struct IntentDefinition: Sendable, Hashable {
    public struct Example: Sendable, Hashable {
        public let text: String
        public let language: Language
        public let line: Int
    }

    public struct Slot: Sendable, Hashable {
        public let name: String
        public let entity: EntityKind
        public let required: Bool
        /// Locale key of the question asked when the slot is required and missing.
        public let ask: String?
        public let line: Int
    }

    public let id: String
    public let summary: String
    public let examples: [Example]
    public let responses: [String]
    public let services: [String]
    public let slots: [Slot]
    public let action: IntentAction?
    public let file: String
    /// Lines of fields, for problems that refer to them.
    public let lines: [String: Int]

    public func examples(in language: Language) -> [Example] { examples.filter { $0.language == language } }
}

/// What the conversation does for an intent besides answering; staff name it in the intent's `action` field.
/// The engine switches over these exhaustively, so a new action cannot be forgotten, and a decision on an
/// arrangement comes from the action, never from the intent's id or file name.
public enum IntentAction: String, Sendable, Hashable, CaseIterable {
    case listArrangements = "arrangements.list"
    case acceptArrangement = "arrangement.accept"
    case declineArrangement = "arrangement.decline"
    case rescheduleArrangement = "arrangement.reschedule"
    case findUnit = "registry.find_unit"
    case openingHours = "registry.opening_hours"
    case contactDetails = "registry.contact"
    case handoff = "handoff.request"
    case changeLanguage = "language.change"
    case recordFeedback = "feedback.record"
    case notificationPreferences = "notifications.preferences"
    case unsubscribe = "notifications.unsubscribe"

    public static var known: Set<String> { Set(allCases.map(\.rawValue)) }
}
