import Foundation
import NeuvoArrangements
import NeuvoConversation
import NeuvoCore
import NeuvoCrypto
import NeuvoHTTP
import NeuvoSupport

/// The live hand-off: the resident's event stream (`/v1/sessions/{session_id}/events`) and the agents'
/// customer-service desk (`/staff/desk`, a page of the console drawn by `desk.js`; `/staff/api/handoffs`, ...).
/// The rules (one agent at a time, only the holder writes) live in `LiveHandoffs`; these handlers authorise, parse
/// and format.
extension APIRoutes {
    static func agentDeskRoutes(_ app: NeuvoApplication, _ router: inout Router) {
        // The resident: the session's own id as the bearer token, as for `/v1/me`.
        router.get("/v1/sessions/{session_id}/events") { request, context in
            try await residentEvents(app, request, context)
        }
        router.post("/v1/sessions/{session_id}/typing") { request, context in
            try app.limits.admitTyping(session: try context.parameter("session_id"))
            _ = try await residentSession(app, request, context)
            try await app.live.residentTyping(session: SessionID(rawValue: try context.parameter("session_id")))
            return HTTPResponse(status: .noContent)
        }
        router.group("/staff", middleware: [StaffAuthentication.page(app)]) { pages in
            pages.get("/desk") { request, _ in staffPage(app, request) }
        }
        // Agents: every change is audited by `StaffAuthentication`, and CSRF-checked.
        router.group("/staff/api", middleware: [StaffAuthentication.api(app, role: .agent)]) { api in
            api.get("/handoffs") { _, context in try await handoffQueue(app, context) }
            api.get("/handoffs/{id}/arrangements") { _, context in try await handoffArrangements(app, context) }
            api.post("/handoffs/{id}/take") { _, context in try await takeHandoff(app, context) }
            api.post("/handoffs/{id}/messages") { request, context in try await sendToResident(app, request, context) }
            api.post("/handoffs/{id}/close") { _, context in try await closeHandoff(app, context) }
            api.put("/presence") { request, context in try await setPresence(app, request, context) }
            api.get("/desk/events") { _, context in try deskEvents(app, context) }
            api.get("/desk/replies") { _, _ in try cannedReplies(app) }
        }
        // Typing changes nothing stored: CSRF-checked, not written to the audit log at every keystroke.
        var typing = StaffAuthentication.api(app, role: .agent)
        typing.auditsChanges = false
        router.group("/staff/api", middleware: [typing]) { api in
            api.post("/handoffs/{id}/typing") { _, context in
                try await app.live.agentTyping(in: try handoffID(context), agent: try agent(context))
                return HTTPResponse(status: .noContent)
            }
        }
    }

    // MARK: The resident's event stream

    /// The session presented for the event stream: `Authorization: Bearer <session_id>` naming the path's session
    /// (a resident reads only their own), known, within its expiry and idle limit (`ConversationStore.check`).
    static func residentSession(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext)
        async throws -> SessionID
    {
        let path = try context.parameter("session_id")
        guard let token = request.bearerToken else {
            throw Problem.unauthorized("send Authorization: Bearer <session_id> of this session")
        }
        guard constantTimeEquals(Array(token.utf8), Array(path.utf8)) else {
            throw Problem.forbidden("a session reads only its own events")
        }
        let session = SessionID(rawValue: path)
        switch try await app.conversations.check(session, now: app.clock.now(), identified: false) {
        case .valid: return session
        case .expired: throw Problem.sessionExpired()
        case .unknown: throw Problem.unauthorized("the session is unknown")
        }
    }

    /// How often an idle stream sends a comment, well inside the 60 s proxies commonly allow an idle connection.
    static let heartbeat: Duration = .seconds(15)

    /// `text/event-stream` (WHATWG HTML §9.2): every stored event with its id; a reconnect sends `Last-Event-ID` and
    /// gets what came after it, once. Typing is sent without an id (it is not kept).
    static func residentEvents(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext)
        async throws -> HTTPResponse
    {
        let session = try await residentSession(app, request, context)
        let after = try lastEventID(request)
        let live = app.live
        // Subscribed before the first read, so an event stored in between is read, not missed; ids make it once.
        let signals = live.subscribe(session: session)
        let (chunks, output) = AsyncStream.makeStream(of: [UInt8].self)
        let task = Task {
            var last = after
            output.yield(Array("retry: 2000\n\n".utf8))
            func forward() async {
                guard let events = try? await live.events(session: session, after: last) else { return }
                for event in events {
                    output.yield(ServerSentEvent.encode(id: event.id, event: event.kind.rawValue, data: event))
                    last = event.id
                }
            }
            await forward()
            for await signal in signals {
                switch signal {
                case .stored: await forward()
                case .typing(let who):
                    output.yield(ServerSentEvent.encode(id: nil, event: "typing", data: ["from": who.rawValue]))
                }
            }
            output.finish()
        }
        output.onTermination = { _ in task.cancel() }
        return eventStream(chunks)
    }

    static func eventStream(_ chunks: AsyncStream<[UInt8]>) -> HTTPResponse {
        HTTPResponse(
            headers: [
                "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store",
                // nginx buffers responses unless told not to.
                "X-Accel-Buffering": "no",
            ],
            stream: HTTPBodyStream(
                chunks: chunks, heartbeatInterval: heartbeat, heartbeatBytes: Array(": keep-alive\n\n".utf8)))
    }

    /// `Last-Event-ID` (a number; absent: from the beginning of the session's events).
    static func lastEventID(_ request: HTTPRequest) throws -> Int64 {
        guard let header = request.headers["Last-Event-ID"]?.trimmingCharacters(in: .whitespaces), !header.isEmpty
        else { return 0 }
        guard let id = Int64(header), id >= 0 else { throw Problem.validation("Last-Event-ID must be an event id") }
        return id
    }

    // MARK: The desk

    static func agent(_ context: RequestContext) throws -> AgentRef {
        let member = try context.staff().member
        return AgentRef(id: member.id, name: member.name)
    }

    static func handoffID(_ context: RequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameter("id")), id > 0 else { throw Problem.notFound("no such hand-off") }
        return id
    }

    struct HandoffView: Encodable {
        struct Holder: Encodable {
            let name: String
            let you: Bool
        }

        let id: Int64
        let lang: String
        let waitingSeconds: Int
        let assurance: String
        let agent: Holder?
        let messages: [QueuedHandoff.Message]

        enum CodingKeys: String, CodingKey {
            case id, lang, assurance, agent, messages
            case waitingSeconds = "waiting_seconds"
        }
    }

    struct Queue: Encodable {
        let handoffs: [HandoffView]
        let availableAgents: Int
        let available: Bool

        enum CodingKeys: String, CodingKey {
            case handoffs, available
            case availableAgents = "available_agents"
        }
    }

    static func handoffQueue(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let me = try agent(context)
        app.live.seen(me)
        let now = app.clock.now()
        let views = try await app.live.queue().map { item in
            HandoffView(
                id: item.id, lang: item.language.rawValue,
                waitingSeconds: max(0, Int(now.timeIntervalSince(item.createdAt))), assurance: item.assurance.rawValue,
                agent: item.agent.map { HandoffView.Holder(name: $0.name, you: $0.id == me.id) },
                messages: item.messages
            )
        }
        return try JSONBody.response(
            Queue(handoffs: views, availableAgents: app.live.availableAgents(), available: app.live.isAvailable(me)))
    }

    static func takeHandoff(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let id = try handoffID(context)
        switch try await app.live.take(id, agent: try agent(context)) {
        case .taken: return try JSONBody.response(["id": id])
        case .heldByAnother(let name):
            throw Problem.conflict("another agent (\(name)) has taken this hand-off")
        case .notFound: throw Problem.notFound("no open hand-off \(id)")
        }
    }

    struct AgentMessage: Decodable {
        let text: String
    }

    static func sendToResident(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext)
        async throws -> HTTPResponse
    {
        let body = try JSONBody.decode(AgentMessage.self, from: request)
        let text = body.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw Problem.validation("text must not be empty") }
        guard text.count <= 2_000 else { throw Problem.validation("text may have at most 2,000 characters") }
        let event = try await acting {
            try await app.live.send(text, to: try handoffID(context), from: try agent(context))
        }
        return try JSONBody.response(event, status: .created)
    }

    static func closeHandoff(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let id = try handoffID(context)
        try await acting { try await app.live.close(id, by: try agent(context)) }
        return try JSONBody.response(["id": id])
    }

    /// The hand-off rules' refusals as problems: 404 when it is not open, 409 when someone else holds it.
    static func acting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch LiveHandoffs.ActError.notFound {
            throw Problem.notFound("no open hand-off with that id")
        } catch LiveHandoffs.ActError.notHolder {
            throw Problem.conflict("take the hand-off first; only the agent who holds it may do this")
        }
    }

    struct Presence: Decodable {
        let available: Bool
    }

    static func setPresence(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext)
        async throws -> HTTPResponse
    {
        let body = try JSONBody.decode(Presence.self, from: request)
        app.live.setPresence(try agent(context), available: body.available)
        return try JSONBody.response(
            [
                "available": JSONValue.bool(body.available),
                "available_agents": .number(Double(app.live.availableAgents())),
            ])
    }

    /// The identified resident's arrangements, for the agent who holds the hand-off only, as much as the session
    /// may see (`SessionAccess.visibility`: a link its one arrangement and nothing sensitive); audited as a look.
    static func handoffArrangements(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let id = try handoffID(context)
        let session = try context.staff()
        let (access, _) = try await acting { try await app.live.session(ofHandoff: id, heldBy: try agent(context)) }
        var list: [ArrangementView] = []
        if let residentID = access.residentID, access.assurance != .anonymous {
            list = try await app.gateway.arrangements.arrangements(of: residentID).compactMap { arrangement in
                switch access.visibility(of: arrangement) {
                case .hidden: nil
                case .withheld: ArrangementView(arrangement, withheld: true)
                case .full: ArrangementView(arrangement)
                }
            }
            try await app.staff.audit(
                member: session.member, action: "GET /staff/api/handoffs/\(id)/arrangements",
                detail: "\(list.count) arrangements shown", address: context.clientAddress, status: 200,
                now: app.clock.now())
        }
        return try JSONBody.response(MyArrangements(arrangements: list, assurance: access.assurance.rawValue))
    }

    /// The desk's own stream: queue changes, events of every open hand-off, and the resident typing. Open while the
    /// desk page is, so the agent counts as present.
    static func deskEvents(_ app: NeuvoApplication, _ context: RequestContext) throws -> HTTPResponse {
        let signals = app.live.subscribeDesk(agent: try agent(context))
        let (chunks, output) = AsyncStream.makeStream(of: [UInt8].self)
        let task = Task {
            output.yield(Array("retry: 2000\n\n".utf8))
            for await signal in signals {
                switch signal.kind {
                case .queue: output.yield(ServerSentEvent.encode(id: nil, event: "queue", data: ["changed": true]))
                case .typing:
                    output.yield(
                        ServerSentEvent.encode(id: nil, event: "typing", data: ["handoff_id": signal.handoffID]))
                case .event:
                    if let event = signal.event {
                        output.yield(ServerSentEvent.encode(id: event.id, event: "event", data: event))
                    }
                }
            }
            output.finish()
        }
        output.onTermination = { _ in task.cancel() }
        return eventStream(chunks)
    }

    /// Ready replies in each language (`desk.canned.*` in locales/): the agent answers in the resident's.
    static func cannedReplies(_ app: NeuvoApplication) throws -> HTTPResponse {
        let locales = app.catalog.catalog.locales
        let keys = locales.strings.keys.filter { $0.hasPrefix("desk.canned.") }.sorted()
        var replies: [String: [String]] = [:]
        for language in Language.allCases {
            replies[language.rawValue] = keys.compactMap { try? locales.render($0, language: language) }
        }
        return try JSONBody.response(["replies": replies])
    }
}

/// One event of a `text/event-stream` (WHATWG HTML §9.2.6): the data is one line of JSON, so it needs no escaping.
enum ServerSentEvent {
    static func encode<T: Encodable>(id: Int64?, event: String, data: T) -> [UInt8] {
        var text = ""
        if let id { text += "id: \(id)\n" }
        text += "event: \(event)\n"
        let json = (try? JSONBody.encoder.encode(data)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        text += "data: \(json)\n\n"
        return Array(text.utf8)
    }
}

extension NeuvoApplication {
    /// `neuvo serve`: every few seconds, hand-offs nobody took in time are closed with an honest word to the
    /// resident, and held ones whose resident has gone are closed. Runs until cancelled.
    public func sweepHandoffs(every interval: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            do {
                try await live.sweep()
            } catch {
                logger.error("handoffs.sweep_failed", ["error": .string("\(error)")])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
