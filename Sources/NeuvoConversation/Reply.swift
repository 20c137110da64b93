import Foundation
import NeuvoLanguage
import NeuvoSupport

/// A chat session's id, 32 hex digits: the creation time in milliseconds (48 bits), then 80 bits from the system's
/// secure generator. Holding it is what continues a conversation, and 80 random bits cannot be guessed; the time
/// prefix makes new sessions sort after older ones, so the session table and the transcript's index grow at
/// their end instead of dirtying a random page of each for every new conversation (that random I/O was the
/// largest part of a chat turn's database time).
public struct SessionID: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// A fresh id for a session created at `date`.
    public static func random(at date: Date = Date()) -> SessionID {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1000).rounded())) & 0xFFFF_FFFF_FFFF
        let random = (generator.next() as UInt64, generator.next() as UInt16)
        return SessionID(
            rawValue: hex(milliseconds, digits: 12) + hex(random.0, digits: 16) + hex(UInt64(random.1), digits: 4))
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: digits - text.count) + text
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

extension Reply {
    /// The reply as `POST /v1/chat` returns it: exactly the bytes `JSONEncoder` with `.sortedKeys` and
    /// `.withoutEscapingSlashes` writes for `encode(to:)` (a test holds them equal), without its cost, which was
    /// a tenth of a chat turn's CPU.
    public var json: String {
        var out = "{\"actions\":["
        for (index, action) in actions.enumerated() {
            if index > 0 { out += "," }
            out += "{"
            if let arrangementID = action.arrangementID {
                out += "\"arrangement_id\":" + JSONString.quote(arrangementID) + ","
            }
            out += "\"kind\":" + JSONString.quote(action.kind)
            if let status = action.status { out += ",\"status\":" + JSONString.quote(status) }
            out += "}"
        }
        out += "],\"confidence\":" + Self.number((confidence * 10_000).rounded() / 10_000)
        out += ",\"intent\":" + (intent.map(JSONString.quote) ?? "null")
        out += ",\"lang\":" + JSONString.quote(language.rawValue)
        out += ",\"reply\":" + JSONString.quote(text)
        out += ",\"session_id\":" + JSONString.quote(sessionID.rawValue)
        out += ",\"sources\":["
        for (index, source) in sources.enumerated() {
            if index > 0 { out += "," }
            out += "{\"id\":" + JSONString.quote(source.id) + ",\"kind\":" + JSONString.quote(source.kind)
            if let title = source.title { out += ",\"title\":" + JSONString.quote(title) }
            if let url = source.url { out += ",\"url\":" + JSONString.quote(url) }
            out += "}"
        }
        out += "],\"suggestions\":" + JSONString.array(suggestions) + "}"
        return out
    }

    /// A finite number as JSONEncoder writes it: integral values without ".0".
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
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
    /// An identified session past its absolute expiry or idle limit: the client starts over.
    case sessionExpired

    public var description: String {
        switch self {
        case .unknownResident(let id): "no resident \(id)"
        case .locale(let problem): "the catalog cannot answer: \(problem)"
        case .sessionBusy(let id): "session \(id) is busy; try again"
        case .sessionExpired: "the session has expired; start again"
        }
    }
}
