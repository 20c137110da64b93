import Foundation
import NeuvoConversation
import NeuvoHTTP
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoAPI

/// Reads a `text/event-stream` response's blocks as the widget does: `id`, `event` and the JSON `data`.
struct EventStreamReader {
    struct Event {
        let id: Int64?
        let name: String
        let data: [String: Any]
    }

    var iterator: AsyncStream<[UInt8]>.Iterator
    var buffer = ""

    init(_ response: HTTPResponse) throws {
        iterator = try #require(response.stream).chunks.makeAsyncIterator()
    }

    /// The next event (comments and `retry` skipped); nil when the stream ended.
    mutating func next() async -> Event? {
        while true {
            if let end = buffer.range(of: "\n\n") {
                let block = String(buffer[..<end.lowerBound])
                buffer = String(buffer[end.upperBound...])
                var id: Int64?
                var name = "message"
                var data = ""
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
                    if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data += line.dropFirst(6) }
                }
                guard !data.isEmpty else { continue }
                let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
                return Event(id: id, name: name, data: object)
            }
            guard let chunk = await iterator.next() else { return nil }
            buffer += String(decoding: chunk, as: UTF8.self)
        }
    }
}

extension TestAPI {
    /// A resident's message in the widget: the reply as JSON.
    func chat(_ text: String, session: String? = nil, lang: String? = nil) async -> [String: Any] {
        var body: [String: Any] = ["text": text]
        if let session { body["session_id"] = session }
        if let lang { body["lang"] = lang }
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return object(await request(.post, "/v1/chat", json: json))
    }

    func events(_ session: String, bearer: String? = nil, after: Int64? = nil) async -> HTTPResponse {
        await request(
            .get, "/v1/sessions/\(session)/events", bearer: bearer ?? session,
            headers: after.map { [("Last-Event-ID", String($0))] } ?? [])
    }

    /// The open hand-offs as an agent reads them.
    func queue(_ agent: SignedIn) async -> [[String: Any]] {
        object(await staff(.get, "/staff/api/handoffs", agent))["handoffs"] as? [[String: Any]] ?? []
    }
}

func actionKinds(_ reply: [String: Any]) -> [String] {
    (reply["actions"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
}

@Suite("The live hand-off: the desk and the resident's event stream", .timeLimit(.minutes(10)))
struct AgentDeskTests {
    @Test func anAgentTakesAHandoffAndTheStreamCarriesEveryMessageOnceInOrderAcrossAReconnect() async throws {
        let api = try await TestAPI.make()
        let agent = try await api.signIn("Aino", roles: [.agent])
        #expect(await api.staff(.put, "/staff/api/presence", agent, json: #"{"available": true}"#).status == .ok)
        let asked = await api.chat("jag vill prata med en människa", lang: "sv")
        let session = try #require(asked["session_id"] as? String)
        #expect(actionKinds(asked).contains("handoff.requested"))
        #expect((asked["reply"] as? String)?.contains("Kundtjänsten är tillgänglig nu") == true)

        let queue = await api.queue(agent)
        #expect(queue.count == 1)
        let handoff = try #require(queue.first)
        let id = try #require(handoff["id"] as? Int)
        #expect(handoff["lang"] as? String == "sv")
        #expect(handoff["assurance"] as? String == "anonymous")
        #expect(handoff["waiting_seconds"] as? Int == 0)
        #expect(handoff["agent"] == nil || handoff["agent"] is NSNull)
        let said = (handoff["messages"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        #expect(said.first == "jag vill prata med en människa")
        #expect(handoff["session_id"] == nil)

        let stream = await api.events(session)
        #expect(stream.status == .ok)
        #expect(stream.headers["Content-Type"] == "text/event-stream; charset=utf-8")
        var reader = try EventStreamReader(stream)

        #expect(await api.staff(.post, "/staff/api/handoffs/\(id)/take", agent).status == .ok)
        let joined = try #require(await reader.next())
        #expect(joined.name == "joined")
        #expect(joined.data["from"] as? String == "neuvo")
        #expect((joined.data["text"] as? String)?.contains("Kundtjänsten är nu med") == true)

        let sent = await api.staff(
            .post, "/staff/api/handoffs/\(id)/messages", agent, json: #"{"text": "Hej! Hur kan jag hjälpa?"}"#)
        #expect(sent.status == .created)
        let fromAgent = try #require(await reader.next())
        #expect(fromAgent.name == "message")
        #expect(fromAgent.data["from"] as? String == "agent")
        #expect(fromAgent.data["text"] as? String == "Hej! Hur kan jag hjälpa?")

        // While the agent holds it, the assistant is quiet: the message goes to the agent.
        let relayed = await api.chat("Jag undrar om min förskoleplats", session: session)
        #expect(relayed["reply"] as? String == "")
        #expect(actionKinds(relayed) == ["handoff.relayed"])
        let fromResident = try #require(await reader.next())
        #expect(fromResident.data["from"] as? String == "resident")
        let residentSaid = (await api.queue(agent).first?["messages"] as? [[String: Any]] ?? []).compactMap {
            $0["text"] as? String
        }
        #expect(residentSaid.last == "Jag undrar om min förskoleplats")

        // A reconnect from the joined event's id gets what came after it, once, in order.
        var resumed = try EventStreamReader(await api.events(session, after: joined.id))
        #expect(await resumed.next()?.id == fromAgent.id)
        #expect(await resumed.next()?.id == fromResident.id)
        #expect(try #require(joined.id) < fromAgent.id! && fromAgent.id! < fromResident.id!)

        // Closing: the assistant says so in Swedish and answers the next message itself.
        #expect(await api.staff(.post, "/staff/api/handoffs/\(id)/close", agent).status == .ok)
        let closed = try #require(await reader.next())
        #expect(closed.name == "closed")
        #expect((closed.data["text"] as? String)?.contains("svarar jag på dina frågor igen") == true)
        #expect(await resumed.next()?.name == "closed")
        let after = await api.chat("Var finns närmaste bibliotek?", session: session)
        #expect((after["reply"] as? String)?.isEmpty == false)
        #expect(!actionKinds(after).contains("handoff.relayed"))
        #expect(await api.queue(agent).isEmpty)

        // Every agent action is audited.
        let audited = try await api.app.staff.auditLog().map(\.action)
        for action in [
            "POST /staff/api/handoffs/\(id)/take", "POST /staff/api/handoffs/\(id)/messages",
            "POST /staff/api/handoffs/\(id)/close", "PUT /staff/api/presence",
        ] {
            #expect(audited.contains(action), "\(action) is not audited")
        }
    }

    @Test func aResidentReadsOnlyTheirOwnSessionsEvents() async throws {
        let api = try await TestAPI.make()
        let mine = try #require(await api.chat("jag vill prata med en människa", lang: "sv")["session_id"] as? String)
        let theirs = try #require(await api.chat("hej", lang: "sv")["session_id"] as? String)
        // Another session's id as the bearer: refused, whatever the path says.
        #expect(await api.events(mine, bearer: theirs).status == .forbidden)
        #expect(await api.request(.get, "/v1/sessions/\(mine)/events").status == .unauthorized)
        let unknown = String(repeating: "a", count: 32)
        #expect(await api.events(unknown).status == .unauthorized)
        #expect(await api.events(mine, bearer: "x").status == .forbidden)
        #expect(await api.request(.post, "/v1/sessions/\(mine)/typing", bearer: theirs).status == .forbidden)
        let badID = await api.request(
            .get, "/v1/sessions/\(mine)/events", bearer: mine, headers: [("Last-Event-ID", "-3")])
        #expect(badID.status == .unprocessableContent || badID.status == .badRequest)
        // An idle session past its limit is expired here as everywhere.
        api.clock.advance(by: api.app.conversations.limits.idleSeconds + 1)
        #expect(await api.events(mine).status == .unauthorized)
    }

    /// A script sending "typing" as fast as it can meets 429 after a minute's worth; each signal is a session check.
    @Test func typingSignalsAreRateLimitedPerSession() async throws {
        let api = try await TestAPI.make()
        let session = try #require(
            await api.chat("jag vill prata med en människa", lang: "sv")["session_id"] as? String)
        let limit = api.app.configuration.typingPerSessionPerMinute
        // At once, as a script sends them: the bucket (a minute's worth) refills only by the second.
        let responses = await withTaskGroup(of: HTTPResponse.self) { group in
            for _ in 0..<(3 * limit) {
                group.addTask { await api.request(.post, "/v1/sessions/\(session)/typing", bearer: session) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let accepted = responses.filter { $0.status == .noContent }.count
        let refused = responses.filter { $0.status == .tooManyRequests }
        // A minute's worth, plus what refills while a loaded machine runs the burst; without the limit all 90 pass.
        #expect(accepted >= limit && accepted <= 2 * limit, "\(accepted) accepted")
        #expect(refused.count == responses.count - accepted)
        #expect(refused.allSatisfy { $0.headers["Retry-After"] != nil })
    }

    @Test func theDeskNeedsTheAgentRoleAndTheCSRFTokenAndOneAgentHoldsAConversation() async throws {
        let api = try await TestAPI.make()
        let editor = try await api.signIn("Eeva", roles: [.editor])
        let first = try await api.signIn("Aino", roles: [.agent])
        let second = try await api.signIn("Bo", roles: [.agent])
        _ = await api.chat("i want to talk to a human", lang: "en")
        let id = try #require(await api.queue(first).first?["id"] as? Int)
        // Without the role.
        #expect(await api.staff(.get, "/staff/api/handoffs", editor).status == .forbidden)
        #expect(await api.staff(.post, "/staff/api/handoffs/\(id)/take", editor).status == .forbidden)
        #expect(await api.staff(.get, "/staff/api/desk/events", editor).status == .forbidden)
        #expect(await api.request(.get, "/staff/api/handoffs").status == .unauthorized)
        // Without the CSRF token: refused, audited, and nothing taken.
        let forged = await api.request(.post, "/staff/api/handoffs/\(id)/take", headers: first.cookieOnly)
        #expect(forged.status == .forbidden)
        #expect(object(forged)["type"] as? String == "/problems/csrf")
        #expect(
            await api.request(.post, "/staff/api/handoffs/\(id)/typing", headers: first.cookieOnly).status == .forbidden
        )
        #expect((await api.queue(first).first?["agent"] as? [String: Any]) == nil)
        // One agent at a time: the second sees who has it and can neither write nor close.
        #expect(await api.staff(.post, "/staff/api/handoffs/\(id)/take", first).status == .ok)
        #expect(await api.staff(.post, "/staff/api/handoffs/\(id)/take", second).status == .conflict)
        let holder = try #require(await api.queue(second).first?["agent"] as? [String: Any])
        #expect(holder["name"] as? String == "Aino")
        #expect(holder["you"] as? Bool == false)
        #expect(
            await api.staff(.post, "/staff/api/handoffs/\(id)/messages", second, json: #"{"text": "hi"}"#).status
                == .conflict)
        #expect(await api.staff(.post, "/staff/api/handoffs/\(id)/close", second).status == .conflict)
        #expect(await api.staff(.post, "/staff/api/handoffs/\(id)/take", first).status == .ok)  // again: still theirs
        #expect(await api.staff(.post, "/staff/api/handoffs/999/take", first).status == .notFound)
        #expect(
            await api.staff(.post, "/staff/api/handoffs/\(id)/messages", first, json: #"{"text": "  "}"#).status
                == .unprocessableContent)
        let audit = try await api.app.staff.auditLog()
        #expect(audit.contains { $0.action == "POST /staff/api/handoffs/\(id)/take" && $0.status == 409 })
        #expect(audit.contains { $0.action == "POST /staff/api/handoffs/\(id)/take" && $0.status == 403 })
    }

    @Test func customerServiceIsAvailableOnlyWithAnAgentThereWithinTheHours() async throws {
        let api = try await TestAPI.make()
        let nobody = await api.chat("i want to talk to a human", lang: "en")
        #expect((nobody["reply"] as? String)?.contains("Everyone in customer service is busy") == true)
        let agent = try await api.signIn("Aino", roles: [.agent])
        _ = await api.staff(.put, "/staff/api/presence", agent, json: #"{"available": true}"#)
        let someone = await api.chat("i want to talk to a human", lang: "en")
        #expect((someone["reply"] as? String)?.contains("Customer service is available now") == true)
        // Marked available but gone (no desk open, nothing done for longer than the presence allowance): not there.
        api.clock.advance(by: api.app.live.options.presenceSeconds + 1)
        #expect(api.app.live.availableAgents() == 0)
        _ = await api.staff(.put, "/staff/api/presence", agent, json: #"{"available": false}"#)
        #expect(api.app.live.availableAgents() == 0)
        // Outside the hours nobody answers, whoever is signed in.
        _ = await api.staff(.put, "/staff/api/presence", agent, json: #"{"available": true}"#)
        api.clock.advance(by: 10 * 3600)
        let night = await api.chat("i want to talk to a human", lang: "en")
        #expect((night["reply"] as? String)?.contains("not available right now") == true)
    }

    @Test func aHandoffNobodyTakesInTimeIsClosedWithAnHonestWordAndAnotherRoute() async throws {
        let api = try await TestAPI.make()
        let session = try #require(await api.chat("haluan puhua ihmisen kanssa", lang: "fi")["session_id"] as? String)
        var reader = try EventStreamReader(await api.events(session))
        #expect(try await api.app.live.sweep() == 0)
        api.clock.advance(by: api.app.live.options.answerSeconds + 1)
        #expect(try await api.app.live.sweep() == 1)
        let told = try #require(await reader.next())
        #expect(told.name == "unanswered")
        #expect((told.data["text"] as? String)?.contains("09 310 11111") == true)
        #expect(try await api.app.conversations.handoffs(status: "open").isEmpty)
    }

    @Test func aHeldConversationWhoseResidentLeftIsClosed() async throws {
        let api = try await TestAPI.make()
        let agent = try await api.signIn("Aino", roles: [.agent])
        let session = try #require(await api.chat("haluan puhua ihmisen kanssa", lang: "fi")["session_id"] as? String)
        let id = try #require(await api.queue(agent).first?["id"] as? Int)
        #expect(await api.staff(.post, "/staff/api/handoffs/\(id)/take", agent).status == .ok)
        do {
            var reader = try EventStreamReader(await api.events(session))
            #expect(await reader.next()?.name == "joined")
        }
        // The stream's reader is gone; once the allowance passes with no stream, the resident has left.
        try await waitUntil("the stream is let go") {
            api.clock.advance(by: api.app.live.options.residentGoneSeconds + 1)
            return try await api.app.live.sweep() == 1
        }
        #expect(await api.queue(agent).isEmpty)
    }

    @Test func theHolderSeesOnlyWhatTheResidentsSessionMaySee() async throws {
        let api = try await TestAPI.make()
        let agent = try await api.signIn("Aino", roles: [.agent])
        let other = try await api.signIn("Bo", roles: [.agent])
        // A link session: its one arrangement.
        let offer = try await api.offer(to: "R1")
        _ = try await api.offer(to: "R1")
        _ = await api.chat("haluan puhua ihmisen kanssa", session: offer.session)
        let id = try #require(await api.queue(agent).first?["id"] as? Int)
        #expect(await api.queue(agent).first?["assurance"] as? String == "link")
        #expect(await api.staff(.get, "/staff/api/handoffs/\(id)/arrangements", agent).status == .conflict)
        _ = await api.staff(.post, "/staff/api/handoffs/\(id)/take", agent)
        let seen = object(await api.staff(.get, "/staff/api/handoffs/\(id)/arrangements", agent))
        let list = seen["arrangements"] as? [[String: Any]] ?? []
        #expect(list.map { $0["id"] as? String } == [offer.arrangement])
        #expect(await api.staff(.get, "/staff/api/handoffs/\(id)/arrangements", other).status == .conflict)
        #expect(try await api.app.staff.auditLog().contains { $0.action.hasSuffix("/arrangements") })
        // An anonymous session: nothing.
        _ = await api.chat("haluan puhua ihmisen kanssa", lang: "fi")
        let anonymous = try #require(await api.queue(agent).last?["id"] as? Int)
        _ = await api.staff(.post, "/staff/api/handoffs/\(anonymous)/take", agent)
        let none = object(await api.staff(.get, "/staff/api/handoffs/\(anonymous)/arrangements", agent))
        #expect((none["arrangements"] as? [Any])?.isEmpty == true)
    }

    @Test func readyRepliesComeInEveryLanguage() async throws {
        let api = try await TestAPI.make()
        let agent = try await api.signIn("Aino", roles: [.agent])
        let replies = try #require(
            object(await api.staff(.get, "/staff/api/desk/replies", agent))["replies"] as? [String: [String]])
        #expect(Set(replies.keys) == ["fi", "sv", "en"])
        #expect(replies.values.allSatisfy { $0.count == replies["fi"]?.count && !$0.isEmpty })
        let page = await api.request(.get, "/staff/desk", headers: agent.cookieOnly)
        #expect(page.status == .ok)
        #expect(page.bodyText.contains("/staff/desk.js"))
    }

    @Test func everyAgentDeskRouteIsInTheOpenAPIDocument() async throws {
        let api = try await TestAPI.make()
        let paths = try #require(object(await api.request(.get, "/openapi.json"))["paths"] as? [String: Any])
        for route in [
            "/v1/sessions/{session_id}/events", "/v1/sessions/{session_id}/typing", "/staff/desk", "/staff/desk.js",
            "/staff/api/handoffs", "/staff/api/handoffs/{id}/take",
            "/staff/api/handoffs/{id}/messages", "/staff/api/handoffs/{id}/close", "/staff/api/handoffs/{id}/typing",
            "/staff/api/handoffs/{id}/arrangements", "/staff/api/presence", "/staff/api/desk/events",
            "/staff/api/desk/replies",
        ] {
            #expect(paths[route] != nil, "\(route) is not documented")
        }
    }
}
