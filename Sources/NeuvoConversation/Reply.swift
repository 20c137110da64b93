import Foundation
import NeuvoLanguage

/// A chat session's id: 128 random bits in hex, unguessable, so holding it is what continues a conversation.
public struct SessionID: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// A fresh id from the system's secure generator.
    public static func random() -> SessionID {
        var generator = SystemRandomNumberGenerator()
        let words = [generator.next() as UInt64, generator.next() as UInt64]
        return SessionID(
            rawValue: words.map { word in
                let hex = String(word, radix: 16)
                return String(repeating: "0", count: 16 - hex.count) + hex
            }.joined())
    }

    /// Ids from clients are checked before they reach SQL or logs.
    public var isWellFormed: Bool {
        (8...64).contains(rawValue.count) && rawValue.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    public var description: String { rawValue }
}

/// Something the engine did besides answering, for clients that show it (a widget's status line, an integration).
public struct ReplyAction: Sendable, Hashable, Codable {
    /// `arrangement.accepted`, `arrangement.declined`, `arrangement.rescheduled`, `confirmation.requested`,
    /// `handoff.requested`, `feedback.recorded`, `language.changed`.
    public let kind: String
    public let arrangementID: String?
    /// A status word: the arrangement's new status, or `open`/`closed` for a hand-off.
    public let status: String?

    public init(kind: String, arrangementID: String? = nil, status: String? = nil) {
        self.kind = kind
        self.arrangementID = arrangementID
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case kind, status
        case arrangementID = "arrangement_id"
    }
}

/// Where an answer came from: the intent catalog, a registry unit, or the resident's own arrangements.
public struct ReplySource: Sendable, Hashable, Codable {
    /// `catalog`, `unit` or `arrangement`.
    public let kind: String
    public let id: String
    public let title: String?
    public let url: String?

    public init(kind: String, id: String, title: String? = nil, url: String? = nil) {
        self.kind = kind
        self.id = id
        self.title = title
        self.url = url
    }
}

/// One answer, in the shape `POST /v1/chat` returns:
/// `{session_id, lang, reply, intent, confidence, suggestions[], actions[], sources[]}`.
public struct Reply: Sendable, Hashable, Codable {
    public let sessionID: SessionID
    public let language: Language
    /// The whole answer, in `language` only.
    public let text: String
    /// The intent the answer is for; nil when Neuvo did not understand.
    public let intent: String?
    public let confidence: Double
    /// Messages the resident can send next (choices; a client may offer them as buttons or numbers).
    public let suggestions: [String]
    public let actions: [ReplyAction]
    public let sources: [ReplySource]

    public init(
        sessionID: SessionID, language: Language, text: String, intent: String?, confidence: Double,
        suggestions: [String], actions: [ReplyAction], sources: [ReplySource]
    ) {
        self.sessionID = sessionID
        self.language = language
        self.text = text
        self.intent = intent
        self.confidence = confidence
        self.suggestions = suggestions
        self.actions = actions
        self.sources = sources
    }

    enum CodingKeys: String, CodingKey {
        case intent, confidence, suggestions, actions, sources
        case sessionID = "session_id"
        case language = "lang"
        case text = "reply"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sessionID, forKey: .sessionID)
        try container.encode(language, forKey: .language)
        try container.encode(text, forKey: .text)
        try container.encode(intent, forKey: .intent)  // null when not understood, never left out
        try container.encode((confidence * 10_000).rounded() / 10_000, forKey: .confidence)
        try container.encode(suggestions, forKey: .suggestions)
        try container.encode(actions, forKey: .actions)
        try container.encode(sources, forKey: .sources)
    }
}

/// Why a turn could not be answered at all (everything else gets a reply).
public enum ConversationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The caller vouched for a resident Neuvo does not know.
    case unknownResident(String)
    /// A locale key the engine needs is missing from the catalog (run `neuvo check`).
    case locale(String)
    /// The session kept changing under this turn (concurrent requests on one session).
    case sessionBusy(SessionID)

    public var description: String {
        switch self {
        case .unknownResident(let id): "no resident \(id)"
        case .locale(let problem): "the catalog cannot answer: \(problem)"
        case .sessionBusy(let id): "session \(id) is busy; try again"
        }
    }
}
