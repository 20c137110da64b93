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
    public let action: String?
    public let file: String
    /// Lines of fields, for problems that refer to them.
    public let lines: [String: Int]

    public func examples(in language: Language) -> [Example] { examples.filter { $0.language == language } }
}

/// Actions the conversation engine knows how to carry out.
public enum IntentAction {
    public static let known: Set<String> = [
        "arrangements.list", "arrangement.accept", "arrangement.decline", "arrangement.reschedule",
        "registry.find_unit", "registry.opening_hours", "registry.contact", "handoff.request", "language.change",
        "feedback.record", "notifications.preferences", "notifications.unsubscribe",
    ]
}
