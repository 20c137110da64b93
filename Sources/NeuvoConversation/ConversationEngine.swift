import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoLanguage
import NeuvoStorage
import NeuvoSupport

/// The conversation: one call per message, from the terminal chat and from `POST /v1/chat` alike.
///
/// A turn loads the session from SQLite, decides the answer (classify, resolve follow-ups and pending questions,
/// ask the registry), then saves the session, the redacted transcript and any change in one transaction.
/// No conversation state lives only in memory, so several processes may answer one session's turns.
public struct ConversationEngine: Sendable {
    public struct Options: Sendable {
        /// The language of a new session when the first message is too short to tell.
        public var defaultLanguage: Language = .fi
        public var timeZone: TimeZone = City.timeZone
        /// When staff answer hand-offs (`handoff.hours`).
        public var serviceHours: ServiceHours = .weekdaysEightToFour
        /// Offer the best two intents as a choice when the best is less likely than this...
        public var clarificationCeiling: Double = 0.8
        /// ...and the second is at least this likely (the classifier's probabilities are sharp: 0.7 against 0.25 is
        /// already a real doubt).
        public var clarificationMinimum: Double = 0.2
        /// Longer messages are cut: a 100 kB paste is still answered, from its beginning.
        public var maximumMessageLength: Int = 2_000
        /// How long identified sessions live.
        public var sessionLimits = SessionLimits()
        /// Where a resident goes to identify strongly (`/auth/login?return=/`); nil when OpenID Connect is not
        /// configured, and the identify action says identification is not available.
        public var identifyPath: String?
        /// Customer-service agents live: while one holds a session's hand-off, its messages go to them and the
        /// assistant stays quiet; "customer service is available" needs an agent marked available. Nil (the
        /// terminal chat): the service hours alone decide, and nobody answers live.
        public var live: LiveHandoffs?

        public init() {}

        public init(configuration: Configuration) {
            defaultLanguage = Language(rawValue: configuration.defaultLanguage) ?? .fi
            timeZone = configuration.timeZone
            serviceHours =
                ServiceHours(parsing: configuration.handoffHours, timeZone: configuration.timeZone)
                ?? ServiceHours(
                    days: ServiceHours.weekdaysEightToFour.days, start: ServiceHours.weekdaysEightToFour.start,
                    end: ServiceHours.weekdaysEightToFour.end, timeZone: configuration.timeZone)
        }
    }

    let catalog: @Sendable () -> Catalog
    let database: Database
    let store: ConversationStore
    let arrangements: ArrangementStore
    let desk: ArrangementDesk
    let directory: (any ServiceDirectory)?
    let extractor: EntityExtractor
    let identifier: LanguageIdentifier
    let clock: any WallClock
    private(set) var options: Options

    /// `catalog` is read at every turn, so a reloaded catalog takes effect at the next message.
    /// `afterTransition` runs inside the transaction that changes an arrangement (the gateway queues its notice).
    public init(
        catalog: @escaping @Sendable () -> Catalog, database: Database, directory: (any ServiceDirectory)? = nil,
        gazetteer: [GazetteerEntry] = [], clock: any WallClock = SystemClock(), options: Options = Options(),
        afterTransition: ArrangementDesk.AfterTransition? = nil
    ) {
        self.init(
            catalog: catalog, database: database, directory: directory, built: Gazetteer(gazetteer), clock: clock,
            options: options, afterTransition: afterTransition)
    }

    init(
        catalog: @escaping @Sendable () -> Catalog, database: Database, directory: (any ServiceDirectory)?,
        built gazetteer: Gazetteer, clock: any WallClock, options: Options,
        afterTransition: ArrangementDesk.AfterTransition?
    ) {
        self.catalog = catalog
        self.database = database
        store = ConversationStore(database: database, limits: options.sessionLimits)
        arrangements = ArrangementStore(database: database)
        desk = ArrangementDesk(afterTransition: afterTransition)
        self.directory = directory
        extractor = EntityExtractor(gazetteer: gazetteer)
        identifier = .bundled
        self.clock = clock
        self.options = options
    }

    public init(
        catalog: Catalog, database: Database, directory: (any ServiceDirectory)? = nil,
        gazetteer: [GazetteerEntry] = [], clock: any WallClock = SystemClock(), options: Options = Options(),
        afterTransition: ArrangementDesk.AfterTransition? = nil
    ) {
        self.init(
            catalog: { catalog }, database: database, directory: directory, gazetteer: gazetteer, clock: clock,
            options: options, afterTransition: afterTransition)
    }

    /// Builds an engine whose entity extractor knows the directory's districts, units and services.
    public static func make(
        catalog: @escaping @Sendable () -> Catalog, database: Database, directory: (any ServiceDirectory)?,
        clock: any WallClock = SystemClock(), options: Options = Options(),
        afterTransition: ArrangementDesk.AfterTransition? = nil
    ) async throws -> ConversationEngine {
        let gazetteer = try await directory?.gazetteer() ?? .empty
        return ConversationEngine(
            catalog: catalog, database: database, directory: directory, built: gazetteer, clock: clock,
            options: options, afterTransition: afterTransition)
    }

    /// This engine for a terminal, where no agent can answer live: the service hours alone decide whether customer
    /// service is available, and no message is relayed to an agent.
    public func withoutLiveDesk() -> ConversationEngine {
        var engine = self
        engine.options.live = nil
        return engine
    }

    /// Answers one message.
    ///
    /// - `session`: the id from the previous reply; nil, unknown or malformed starts a new session.
    /// - `residentID`: set by the caller only after it identified the resident strongly (a terminal the resident
    ///   runs, tests); binds the session to them with `strong` assurance. A session bound to another resident is
    ///   never continued: a new one starts. An identified session past its expiry throws `sessionExpired`.
    /// - `language`: the resident's explicit choice (`--lang`, a language menu); nil lets Neuvo detect and keep it.
    /// - `handoffAllowed`: asked before a new hand-off is queued for staff (the caller's per-client cap); false
    ///   answers that the resident has asked too often. A session never has more than one open hand-off anyway.
    public func respond(
        to text: String, session: SessionID?, residentID: String?, language: Language?,
        handoffAllowed: (@Sendable () -> Bool)? = nil
    ) async throws -> Reply {
        for _ in 0..<5 {
            if let reply = try await attempt(
                text, session: session, residentID: residentID, language: language, handoffAllowed: handoffAllowed)
            {
                return reply
            }
        }
        throw ConversationError.sessionBusy(session ?? SessionID(rawValue: "new"))
    }

    /// Starts an identified session: from a redeemed notice link (`link`, bound to the link's arrangement) or a
    /// strong identification (`strong`, every arrangement of the resident's). It expires after
    /// `sessionLimits.maxSeconds` whatever happens.
    public func start(
        residentID: String, arrangementID: String?, assurance: Assurance = .link, language: Language?
    ) async throws -> Reply {
        let now = clock.now()
        let catalog = self.catalog()
        guard let resident = try await arrangements.resident(residentID) else {
            throw ConversationError.unknownResident(residentID)
        }
        var state = SessionState(
            id: .random(at: now), language: language ?? Language(rawValue: resident.language) ?? options.defaultLanguage
        )
        state.residentID = residentID
        state.assurance = assurance
        state.expiresAt = now.addingTimeInterval(options.sessionLimits.maxSeconds)
        if let arrangementID, (try? await arrangements.arrangement(arrangementID, of: residentID)) != nil {
            state.lastArrangement = arrangementID
            if assurance == .link { state.scopeArrangement = arrangementID }
        }
        var draft = try await listArrangements(&state, catalog: catalog, only: state.lastArrangement)
        draft.confidence = 1
        guard let reply = try await commit(draft, state: state, message: nil, catalog: catalog, now: now) else {
            throw ConversationError.sessionBusy(state.id)
        }
        return reply
    }

    private func attempt(
        _ text: String, session: SessionID?, residentID: String?, language: Language?,
        handoffAllowed: (@Sendable () -> Bool)?
    ) async throws -> Reply? {
        let now = clock.now()
        let catalog = self.catalog()
        let message = InputText.clean(text, limit: options.maximumMessageLength)
        var resident: Resident?
        if let residentID {
            guard let found = try await arrangements.resident(residentID) else {
                throw ConversationError.unknownResident(residentID)
            }
            resident = found
        }
        var state: SessionState
        if let session, session.isWellFormed, let loaded = try await store.load(session),
            residentID == nil || loaded.residentID == nil || loaded.residentID == residentID
        {
            if loaded.residentID != nil, loaded.isExpired(now: now, limits: options.sessionLimits) {
                throw ConversationError.sessionExpired
            }
            state = loaded
            if let language {
                state.language = language
            } else if let switched = implicitSwitch(message, from: state.language) {
                state.language = switched
            }
        } else {
            let known = resident.flatMap { Language(rawValue: $0.language) } ?? options.defaultLanguage
            let guess = identifier.identify(message, fallback: known)
            state = SessionState(
                id: .random(at: now), language: language ?? (guess.isReliable ? guess.language : known))
        }
        if let residentID, state.residentID != residentID || state.assurance != .strong {
            state.residentID = residentID
            state.assurance = .strong
            state.scopeArrangement = nil
            state.expiresAt = now.addingTimeInterval(options.sessionLimits.maxSeconds)
        }
        // The one place that keeps the assistant quiet while an agent holds the conversation: every message path
        // (the widget's chat, the terminal) comes through here.
        if !state.isNew, let live = options.live, try await live.relay(message, session: state.id, now: now) != nil {
            return Reply(
                sessionID: state.id, language: state.language, text: "", intent: nil, confidence: 0, suggestions: [],
                actions: [ReplyAction(kind: "handoff.relayed", status: "held")], sources: [])
        }
        let draft = try await dialogue(message, state: &state, catalog: catalog, now: now)
        do {
            let reply = try await commit(
                draft, state: state, message: message, catalog: catalog, now: now, handoffAllowed: handoffAllowed)
            if reply?.actions.contains(where: { $0.kind == "handoff.requested" && $0.status != "refused" }) == true {
                options.live?.opened()
            }
            return reply
        } catch let error as SQLiteError where error.isStorageFailure && !draft.changesData {
            // The disk is full or read-only: an answer that changes nothing is still given, unstored (the
            // session starts afresh next time). Accepting or declining is refused, since it could not be kept.
            return Reply(
                sessionID: state.id, language: state.language, text: draft.text, intent: draft.intent,
                confidence: draft.confidence, suggestions: draft.suggestions, actions: draft.actions,
                sources: draft.sources)
        }
    }

    /// A session keeps its language unless a message is long enough to be sure it is in another one.
    /// Short answers ("ok", "ja", "2") never switch: identification is weakest on them.
    func implicitSwitch(_ message: String, from current: Language) -> Language? {
        guard InputText.wordCount(message) >= 3, InputText.letterCount(message) >= 12 else { return nil }
        let guess = identifier.identify(message, fallback: current)
        guard guess.isReliable, guess.language != current, guess.confidence >= 0.9 else { return nil }
        return guess.language
    }

    /// Saves the session, the redacted transcript and the draft's effects in one transaction; nil when the
    /// session changed since it was loaded (the caller retries the whole turn).
    func commit(
        _ draft: Draft, state: SessionState, message: String?, catalog: Catalog, now: Date,
        handoffAllowed: (@Sendable () -> Bool)? = nil
    ) async throws -> Reply? {
        var state = state
        state.turns += 1
        state.suggestions = draft.suggestions
        let saved = state
        let renderer = Renderer(locales: catalog.locales, language: state.language)
        let store = self.store
        let desk = self.desk
        let serviceStatus: [String: String] = Dictionary(
            uniqueKeysWithValues: try ArrangementStatus.allCases.map {
                ($0.rawValue, try renderer("conversation.arrangement.status.\($0.rawValue)"))
            })
        let redactedMessage = message.map(store.redacted)
        // The sensitive-data rule for transcripts (and so hand-offs, which copy them): a reply that carries a
        // sensitive arrangement's details is stored as a placeholder, never as said.
        let redactedReply =
            draft.carriesSensitiveDetails
            ? ConversationStore.RedactedText(value: ConversationStore.sensitivePlaceholder) : store.redacted(draft.text)
        return try await database.write { connection -> Reply? in
            guard try ConversationStore.save(saved, now: now, in: connection) else { return nil }
            if let redactedMessage {
                try store.appendTurn(
                    session: saved.id, speaker: "resident", language: saved.language, text: redactedMessage,
                    intent: draft.intent, confidence: draft.confidence, now: now, in: connection)
            }
            var text = draft.text
            var actions = draft.actions
            for effect in draft.effects {
                switch effect {
                case .decide(let decision, let arrangementID, let access, let details):
                    do {
                        let changed = try desk.apply(
                            decision, to: arrangementID, access: access, details: details, now: now, in: connection)
                        actions.append(
                            ReplyAction(
                                kind: "arrangement.\(changed.status.rawValue)", arrangementID: changed.id,
                                status: changed.status.rawValue))
                    } catch ArrangementError.notAllowed(_, let from, _) {
                        text = try renderer(
                            "conversation.arrangement.not_possible", ["status": serviceStatus[from.rawValue] ?? ""])
                    } catch ArrangementError.notFound {
                        text = try renderer("conversation.arrangement.nothing_open")
                    }
                case .handoff(let available):
                    // One open hand-off per session, and the caller's cap per client: a flood of requests for a
                    // human must not fill the staff queue.
                    if try store.hasOpenHandoff(session: saved.id, in: connection) {
                        text = try renderer("handoff.already_open")
                    } else if let handoffAllowed, !handoffAllowed() {
                        text = try renderer("handoff.limited")
                        actions = actions.map {
                            $0.kind == "handoff.requested" ? ReplyAction(kind: $0.kind, status: "refused") : $0
                        }
                    } else {
                        try store.recordHandoff(
                            session: saved.id, residentID: saved.residentID, language: saved.language,
                            staffAvailable: available, now: now, in: connection)
                    }
                case .feedback(let feedback):
                    try store.recordFeedback(
                        session: saved.id, language: saved.language, text: feedback, now: now, in: connection)
                case .unanswered(let question, let best, let confidence):
                    try store.recordUnanswered(
                        session: saved.id, language: saved.language, text: question, bestIntent: best,
                        confidence: confidence, now: now, in: connection)
                }
            }
            try store.appendTurn(
                session: saved.id, speaker: "neuvo", language: saved.language,
                text: text == draft.text || draft.carriesSensitiveDetails ? redactedReply : store.redacted(text),
                intent: draft.intent,
                confidence: nil, now: now, in: connection)
            return Reply(
                sessionID: saved.id, language: saved.language, text: text, intent: draft.intent,
                confidence: draft.confidence, suggestions: draft.suggestions, actions: actions, sources: draft.sources)
        }
    }
}

/// Renders locale keys in one language; a missing key is the catalog's fault, reported as such.
struct Renderer: Sendable {
    let locales: LocaleTable
    let language: Language

    func callAsFunction(_ key: String, _ values: [String: String] = [:], count: Int? = nil) throws -> String {
        do {
            return try locales.render(key, language: language, values: values, count: count)
        } catch {
            throw ConversationError.locale(error.description)
        }
    }

    func `in`(_ other: Language) -> Renderer { Renderer(locales: locales, language: other) }
}

/// An answer being put together: text and choices, and what must be written with it.
struct Draft: Sendable {
    enum Effect: Sendable {
        case decide(ArrangementDecision, arrangementID: String, access: SessionAccess, details: [String: String])
        case handoff(available: Bool)
        case feedback(String)
        case unanswered(String, bestIntent: String?, confidence: Double)
    }

    var paragraphs: [String] = []
    var intent: String?
    var confidence: Double = 0
    var suggestions: [String] = []
    var actions: [ReplyAction] = []
    var sources: [ReplySource] = []
    var effects: [Effect] = []
    /// The text shows details of a sensitive arrangement: the transcript keeps a placeholder instead.
    var carriesSensitiveDetails = false

    var text: String { paragraphs.joined(separator: "\n") }

    /// Whether carrying out the turn changes a resident's data (an arrangement decision); records of unanswered
    /// questions, feedback and hand-offs are bookkeeping.
    var changesData: Bool {
        effects.contains { if case .decide = $0 { true } else { false } }
    }

    init(_ paragraphs: [String] = [], intent: String? = nil, confidence: Double = 0) {
        self.paragraphs = paragraphs
        self.intent = intent
        self.confidence = confidence
    }
}
