import Foundation
import NeuvoCatalog
import NeuvoLanguage
import NeuvoStorage
import NeuvoSupport
import Synchronization

/// One thing said or done in a hand-off, as the resident's event stream and the agent's desk carry it.
/// `id` grows with every event (per session too), so a reconnect resumes after the last id it saw.
public struct LiveEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Someone wrote: `from` says who.
        case message
        /// An agent took the conversation.
        case joined
        /// The hand-off ended; the assistant answers again.
        case closed
        /// Nobody took it in time; the text says where else to turn.
        case unanswered
    }

    public enum Sender: String, Sendable, Hashable, Codable {
        case resident, agent, neuvo
    }

    public let id: Int64
    public let handoffID: Int64
    public let kind: Kind
    public let from: Sender
    /// Redacted as stored.
    public let text: String
    public let at: Date

    enum CodingKeys: String, CodingKey {
        case id, kind, from, text, at
        case handoffID = "handoff_id"
    }
}

/// Not stored, only passed on: someone is typing.
public enum LiveSignal: Sendable, Hashable {
    /// New events are stored for the session (or hand-off): read them after the last id seen.
    case stored
    /// The other side is typing.
    case typing(LiveEvent.Sender)
}

/// What the desk's agents are told: which hand-off changed, and whether a resident is typing in it.
public struct DeskSignal: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// The queue changed: a hand-off was opened, taken or closed.
        case queue
        /// An event was stored in the hand-off.
        case event
        /// The resident is typing.
        case typing
    }

    public let kind: Kind
    public let handoffID: Int64
    /// For `event`: the stored event.
    public let event: LiveEvent?
}

/// An agent as the conversation knows them: an id to compare and a name other agents see.
public struct AgentRef: Sendable, Hashable {
    public let id: String
    public let name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// An open hand-off in the agents' queue.
public struct QueuedHandoff: Sendable, Hashable {
    public struct Message: Sendable, Hashable, Codable {
        /// The event id for what was said during the hand-off; nil for the transcript before it.
        public let id: Int64?
        public let from: LiveEvent.Sender
        /// Redacted; a reply that showed a sensitive arrangement is a placeholder.
        public let text: String
        public let at: Date
    }

    public let id: Int64
    public let language: Language
    public let createdAt: Date
    public let assurance: Assurance
    /// The agent who holds it; nil while it waits.
    public let agent: AgentRef?
    public let messages: [Message]
}

/// The live hand-off: agents take open hand-offs, write to the resident and read their messages, close them; the
/// resident's event stream and the desk are told as it happens.
///
/// State is in SQLite (hand-offs and events); what is kept here in memory is only who listens, who is typing and
/// which agents are available, none of which must survive a restart. Every write goes through this type, which is
/// where the rules live: one agent at a time, only the holder writes or closes, texts redacted before storing.
public final class LiveHandoffs: Sendable {
    public struct Options: Sendable {
        /// An open hand-off nobody took for this long is closed and the resident told where else to turn.
        public var answerSeconds: Double = 180
        /// A held hand-off whose resident has had no event stream for this long is closed (the resident left).
        public var residentGoneSeconds: Double = 120
        /// An agent marked available counts only while signed in and seen (desk stream or API) within this.
        public var presenceSeconds: Double = 60

        public init() {}
    }

    public enum TakeResult: Sendable, Hashable {
        case taken
        /// Another agent holds it: their name.
        case heldByAnother(String)
        case notFound
    }

    public enum ActError: Error, Sendable, Hashable {
        /// Not open, or unknown.
        case notFound
        /// Open, but held by someone else or by nobody.
        case notHolder
    }

    private struct Presence {
        var available: Bool
        var lastSeen: Date
        var streams: Int
    }

    private struct Listeners {
        var nextID = 0
        var sessions: [String: [Int: AsyncStream<LiveSignal>.Continuation]] = [:]
        var desk: [Int: AsyncStream<DeskSignal>.Continuation] = [:]
        /// Open resident streams per session, and when the last one closed.
        var residentStreams: [String: Int] = [:]
        var residentLeft: [String: Date] = [:]
        var presence: [String: Presence] = [:]
    }

    let database: Database
    let store: ConversationStore
    let catalog: @Sendable () -> Catalog
    let clock: any WallClock
    public let options: Options
    private let listeners = Mutex(Listeners())

    public init(
        database: Database, catalog: @escaping @Sendable () -> Catalog, clock: any WallClock = SystemClock(),
        options: Options = Options(), redactor: Redactor = .standard
    ) {
        self.database = database
        store = ConversationStore(database: database, redactor: redactor)
        self.catalog = catalog
        self.clock = clock
        self.options = options
    }

    // MARK: Availability

    /// Marks an agent available or not; called again by every desk request, so presence follows the signed-in agent.
    public func setPresence(_ agent: AgentRef, available: Bool) {
        let now = clock.now()
        listeners.withLock { state in
            var presence = state.presence[agent.id] ?? Presence(available: available, lastSeen: now, streams: 0)
            presence.available = available
            presence.lastSeen = now
            state.presence[agent.id] = presence
        }
        signalDesk(DeskSignal(kind: .queue, handoffID: 0, event: nil))
    }

    /// The agent did something at the desk: they are still there.
    public func seen(_ agent: AgentRef) {
        let now = clock.now()
        listeners.withLock { state in state.presence[agent.id]?.lastSeen = now }
    }

    /// Agents marked available who are there now (a desk stream open, or seen within `presenceSeconds`).
    public func availableAgents() -> Int {
        let now = clock.now()
        return listeners.withLock { state in
            state.presence.values.count {
                $0.available && ($0.streams > 0 || now.timeIntervalSince($0.lastSeen) <= options.presenceSeconds)
            }
        }
    }

    public func isAvailable(_ agent: AgentRef) -> Bool {
        listeners.withLock { $0.presence[agent.id]?.available ?? false }
    }

    // MARK: The resident's side

    /// The open hand-off of a session that an agent holds: while there is one, the assistant stays quiet.
    func heldHandoff(session: SessionID, in connection: Connection) throws -> Int64? {
        try connection.scalar(
            """
            SELECT id FROM conversation_handoffs
            WHERE session_id = ? AND status = 'open' AND agent_id IS NOT NULL ORDER BY id DESC LIMIT 1
            """, session.rawValue, as: Int64?.self) ?? nil
    }

    /// A resident's message while an agent holds the conversation: stored as an event for the agent; nil when no
    /// agent holds it (the assistant answers).
    func relay(_ text: String, session: SessionID, now: Date) async throws -> LiveEvent? {
        // Almost every message has no agent to go to: a read (readers run side by side) says so without waiting
        // for the one writer. A take in between is found by the transaction below, or by the next message.
        let held = try await database.read { connection in try self.heldHandoff(session: session, in: connection) }
        guard held != nil else { return nil }
        let redacted = store.redacted(text)
        let event = try await database.write { connection -> LiveEvent? in
            guard let handoff = try self.heldHandoff(session: session, in: connection) else { return nil }
            // A message to the agent is activity: the session's idle limit counts from it.
            try connection.execute(
                "UPDATE conversation_sessions SET updated_at = ? WHERE id = ?", now, session.rawValue)
            return try Self.append(
                session: session.rawValue, handoff: handoff, kind: .message, from: .resident, text: redacted.value,
                now: now, in: connection)
        }
        if let event { published(event, session: session.rawValue) }
        return event
    }

    /// The resident is typing (the widget says so at most every few seconds): the holder's desk shows it.
    public func residentTyping(session: SessionID) async throws {
        guard session.isWellFormed else { return }
        let handoff = try await database.read { connection in try self.heldHandoff(session: session, in: connection) }
        guard let handoff else { return }
        signalDesk(DeskSignal(kind: .typing, handoffID: handoff, event: nil))
    }

    /// Events of the session after `lastID`, oldest first.
    public func events(session: SessionID, after lastID: Int64, limit: Int = 500) async throws -> [LiveEvent] {
        try await database.read { connection in
            try connection.query(
                "SELECT * FROM conversation_events WHERE session_id = ? AND id > ? ORDER BY id LIMIT ?",
                session.rawValue, lastID, limit
            ).map(Self.event)
        }
    }

    /// The newest event id of a session (0 for none): a new stream without `Last-Event-ID` starts after it.
    public func lastEventID(session: SessionID) async throws -> Int64 {
        try await database.read { connection in
            try connection.scalar(
                "SELECT coalesce(max(id), 0) FROM conversation_events WHERE session_id = ?", session.rawValue,
                as: Int64.self) ?? 0
        }
    }

    /// Signals for one session's stream. While it is subscribed the resident counts as present.
    public func subscribe(session: SessionID) -> AsyncStream<LiveSignal> {
        let (stream, continuation) = AsyncStream.makeStream(of: LiveSignal.self, bufferingPolicy: .bufferingNewest(64))
        let key = session.rawValue
        let id = listeners.withLock { state in
            state.nextID += 1
            state.sessions[key, default: [:]][state.nextID] = continuation
            state.residentStreams[key, default: 0] += 1
            state.residentLeft[key] = nil
            return state.nextID
        }
        let clock = clock
        continuation.onTermination = { [weak self] _ in
            self?.listeners.withLock { state in
                state.sessions[key]?[id] = nil
                if state.sessions[key]?.isEmpty == true { state.sessions[key] = nil }
                let left = (state.residentStreams[key] ?? 1) - 1
                state.residentStreams[key] = left > 0 ? left : nil
                if left <= 0 { state.residentLeft[key] = clock.now() }
            }
        }
        return stream
    }

    // MARK: The desk

    /// Signals for an agent's desk stream; while it is open the agent counts as present.
    public func subscribeDesk(agent: AgentRef) -> AsyncStream<DeskSignal> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: DeskSignal.self, bufferingPolicy: .bufferingNewest(256))
        let now = clock.now()
        let id = listeners.withLock { state in
            state.nextID += 1
            state.desk[state.nextID] = continuation
            var presence = state.presence[agent.id] ?? Presence(available: false, lastSeen: now, streams: 0)
            presence.streams += 1
            presence.lastSeen = now
            state.presence[agent.id] = presence
            return state.nextID
        }
        let clock = clock
        continuation.onTermination = { [weak self] _ in
            self?.listeners.withLock { state in
                state.desk[id] = nil
                state.presence[agent.id]?.streams -= 1
                state.presence[agent.id]?.lastSeen = clock.now()
            }
        }
        return stream
    }

    /// Open hand-offs, oldest first, each with the conversation so far (redacted; sensitive replies as placeholders).
    public func queue() async throws -> [QueuedHandoff] {
        try await database.read { connection in
            try connection.query(
                """
                SELECT h.id, h.session_id, h.language, h.created_at, h.agent_id, h.agent_name,
                    coalesce(s.assurance, 'anonymous') AS assurance
                FROM conversation_handoffs h LEFT JOIN conversation_sessions s ON s.id = h.session_id
                WHERE h.status = 'open' ORDER BY h.created_at, h.id
                """
            ).map { row in
                let session: String = try row.get("session_id")
                let agentID: String? = try row.get("agent_id")
                let agentName: String? = try row.get("agent_name")
                return QueuedHandoff(
                    id: try row.get("id"), language: Language(rawValue: try row.get("language")) ?? .fi,
                    createdAt: try row.get("created_at"),
                    assurance: Assurance(rawValue: try row.get("assurance")) ?? .anonymous,
                    agent: agentID.map { AgentRef(id: $0, name: agentName ?? "") },
                    messages: try Self.messages(session: session, in: connection))
            }
        }
    }

    /// The transcript of the session, then what was said in its hand-offs, in order.
    static func messages(session: String, in connection: Connection) throws -> [QueuedHandoff.Message] {
        let turns = try connection.query(
            "SELECT speaker, text, at FROM conversation_turns WHERE session_id = ? ORDER BY id", session
        ).map { row in
            QueuedHandoff.Message(
                id: nil, from: LiveEvent.Sender(rawValue: try row.get("speaker")) ?? .neuvo, text: try row.get("text"),
                at: try row.get("at"))
        }
        let events = try connection.query(
            "SELECT * FROM conversation_events WHERE session_id = ? ORDER BY id", session
        ).map(Self.event).map { QueuedHandoff.Message(id: $0.id, from: $0.from, text: $0.text, at: $0.at) }
        // Turns stop while an agent holds the conversation and start again after; a stable sort by time keeps each
        // list's own order.
        return (turns + events).enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
            .map(\.element)
    }

    /// The session behind a hand-off, for the identified resident's arrangements: only its holder asks.
    public func session(ofHandoff id: Int64, heldBy agent: AgentRef) async throws -> (SessionAccess, Language) {
        try await database.read { connection in
            guard
                let row = try connection.queryOne(
                    "SELECT session_id, agent_id, language FROM conversation_handoffs WHERE id = ? AND status = 'open'",
                    id)
            else { throw ActError.notFound }
            guard try row.get("agent_id", as: String?.self) == agent.id else { throw ActError.notHolder }
            let language = Language(rawValue: try row.get("language")) ?? .fi
            guard let state = try ConversationStore.load(SessionID(rawValue: try row.get("session_id")), in: connection)
            else { return (.anonymous, language) }
            return (state.access, state.language)
        }
    }

    /// Takes an open hand-off for `agent`: one agent at a time (taking one's own again is fine).
    public func take(_ id: Int64, agent: AgentRef) async throws -> TakeResult {
        let now = clock.now()
        let catalog = self.catalog()
        let result = try await database.write { connection -> (TakeResult, LiveEvent?, String?) in
            guard
                let row = try connection.queryOne(
                    "SELECT session_id, language, agent_id, agent_name FROM conversation_handoffs WHERE id = ? AND status = 'open'",
                    id)
            else { return (.notFound, nil, nil) }
            if let holder: String = try row.get("agent_id") {
                return holder == agent.id
                    ? (.taken, nil, nil) : (.heldByAnother(try row.get("agent_name") ?? ""), nil, nil)
            }
            try connection.execute(
                """
                UPDATE conversation_handoffs SET agent_id = ?, agent_name = ?, taken_at = ?
                WHERE id = ? AND status = 'open' AND agent_id IS NULL
                """, agent.id, agent.name, now, id)
            guard connection.changes == 1 else { return (.notFound, nil, nil) }
            let session: String = try row.get("session_id")
            let language = Language(rawValue: try row.get("language")) ?? .fi
            let text = try Renderer(locales: catalog.locales, language: language)("handoff.live.joined")
            let event = try Self.append(
                session: session, handoff: id, kind: .joined, from: .neuvo, text: text, now: now, in: connection)
            return (.taken, event, session)
        }
        if let event = result.1, let session = result.2 { published(event, session: session) }
        if case .taken = result.0 { signalDesk(DeskSignal(kind: .queue, handoffID: id, event: nil)) }
        return result.0
    }

    /// The holder writes to the resident.
    public func send(_ text: String, to id: Int64, from agent: AgentRef) async throws -> LiveEvent {
        let now = clock.now()
        let redacted = store.redacted(text)
        let (event, session) = try await database.write { connection -> (LiveEvent, String) in
            let session = try Self.holdersSession(id, agent: agent, in: connection)
            return (
                try Self.append(
                    session: session, handoff: id, kind: .message, from: .agent, text: redacted.value, now: now,
                    in: connection),
                session
            )
        }
        published(event, session: session)
        return event
    }

    /// The holder is typing: the resident's widget shows it.
    public func agentTyping(in id: Int64, agent: AgentRef) async throws {
        let session = try await database.read { connection in
            try Self.holdersSession(id, agent: agent, in: connection)
        }
        signalSession(session, .typing(.agent))
    }

    /// The holder ends the hand-off: the assistant answers again and says so.
    public func close(_ id: Int64, by agent: AgentRef) async throws {
        let now = clock.now()
        let catalog = self.catalog()
        let (event, session) = try await database.write { connection -> (LiveEvent, String) in
            let session = try Self.holdersSession(id, agent: agent, in: connection)
            return try self.closeHandoff(
                id, session: session, reason: "agent", catalog: catalog, now: now, in: connection)
        }
        published(event, session: session)
        signalDesk(DeskSignal(kind: .queue, handoffID: id, event: nil))
    }

    /// Closes what has waited too long (the resident is told honestly and offered another route) and what is held
    /// for a resident who has gone (no event stream for `residentGoneSeconds`). Run every few seconds by the server.
    @discardableResult
    public func sweep() async throws -> Int {
        let now = clock.now()
        let catalog = self.catalog()
        let gone = listeners.withLock { state in
            state.residentLeft.filter { now.timeIntervalSince($0.value) >= options.residentGoneSeconds }.map(\.key)
        }
        let unansweredBefore = now.addingTimeInterval(-options.answerSeconds)
        let closed = try await database.write { connection -> [(LiveEvent, String)] in
            var closed: [(LiveEvent, String)] = []
            for row in try connection.query(
                """
                SELECT id, session_id FROM conversation_handoffs
                WHERE status = 'open' AND agent_id IS NULL AND created_at <= ?
                """, unansweredBefore)
            {
                closed.append(
                    try self.closeHandoff(
                        try row.get("id"), session: try row.get("session_id"), reason: "unanswered", catalog: catalog,
                        now: now, in: connection))
            }
            for session in gone {
                guard let id = try self.heldHandoff(session: SessionID(rawValue: session), in: connection) else {
                    continue
                }
                closed.append(
                    try self.closeHandoff(
                        id, session: session, reason: "resident_left", catalog: catalog, now: now, in: connection))
            }
            return closed
        }
        listeners.withLock { state in for session in gone { state.residentLeft[session] = nil } }
        for (event, session) in closed {
            published(event, session: session)
            signalDesk(DeskSignal(kind: .queue, handoffID: event.handoffID, event: nil))
        }
        return closed.count
    }

    // MARK: Inside

    private func closeHandoff(
        _ id: Int64, session: String, reason: String, catalog: Catalog, now: Date, in connection: Connection
    ) throws -> (LiveEvent, String) {
        let language =
            Language(
                rawValue: try connection.scalar(
                    "SELECT language FROM conversation_handoffs WHERE id = ?", id, as: String.self) ?? "fi") ?? .fi
        try connection.execute(
            "UPDATE conversation_handoffs SET status = 'closed', closed_at = ?, close_reason = ? WHERE id = ?", now,
            reason, id)
        let render = Renderer(locales: catalog.locales, language: language)
        let unanswered = reason == "unanswered"
        let event = try Self.append(
            session: session, handoff: id, kind: unanswered ? .unanswered : .closed, from: .neuvo,
            text: try render(unanswered ? "handoff.live.unanswered" : "handoff.live.closed"), now: now,
            in: connection)
        return (event, session)
    }

    /// The session of an open hand-off that `agent` holds, or why not.
    static func holdersSession(_ id: Int64, agent: AgentRef, in connection: Connection) throws -> String {
        guard
            let row = try connection.queryOne(
                "SELECT session_id, agent_id FROM conversation_handoffs WHERE id = ? AND status = 'open'", id)
        else { throw ActError.notFound }
        guard try row.get("agent_id", as: String?.self) == agent.id else { throw ActError.notHolder }
        return try row.get("session_id")
    }

    static func append(
        session: String, handoff: Int64, kind: LiveEvent.Kind, from: LiveEvent.Sender, text: String, now: Date,
        in connection: Connection
    ) throws -> LiveEvent {
        try connection.execute(
            """
            INSERT INTO conversation_events (session_id, handoff_id, kind, sender, text, created_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, session, handoff, kind.rawValue, from.rawValue, text, now)
        return LiveEvent(
            id: connection.lastInsertRowID, handoffID: handoff, kind: kind, from: from, text: text, at: now)
    }

    static func event(_ row: Row) throws -> LiveEvent {
        LiveEvent(
            id: try row.get("id"), handoffID: try row.get("handoff_id"),
            kind: LiveEvent.Kind(rawValue: try row.get("kind")) ?? .message,
            from: LiveEvent.Sender(rawValue: try row.get("sender")) ?? .neuvo, text: try row.get("text"),
            at: try row.get("created_at"))
    }

    /// A hand-off was just recorded for the session: the desk's queue changed.
    func opened() {
        signalDesk(DeskSignal(kind: .queue, handoffID: 0, event: nil))
    }

    private func published(_ event: LiveEvent, session: String) {
        signalSession(session, .stored)
        signalDesk(DeskSignal(kind: .event, handoffID: event.handoffID, event: event))
    }

    private func signalSession(_ session: String, _ signal: LiveSignal) {
        let targets = listeners.withLock { Array(($0.sessions[session] ?? [:]).values) }
        for continuation in targets { continuation.yield(signal) }
    }

    private func signalDesk(_ signal: DeskSignal) {
        let targets = listeners.withLock { Array($0.desk.values) }
        for continuation in targets { continuation.yield(signal) }
    }
}
