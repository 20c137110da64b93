import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoCore
import NeuvoCrypto
import NeuvoHTTP
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport

/// The chat and its texts.
extension APIRoutes {
    // MARK: Chat

    struct ChatRequest: Decodable {
        let sessionID: String?
        let text: String
        let lang: String?

        enum CodingKeys: String, CodingKey {
            case text, lang
            case sessionID = "session_id"
        }
    }

    static func chat(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let body = try JSONBody.decode(ChatRequest.self, from: request)
        let address = context.clientAddress
        // Only a well-formed id names a session (anything else starts a new one), which bounds the bucket keys.
        let session = body.sessionID.map(SessionID.init(rawValue:))
        do {
            try app.limits.admitChat(address: address, session: session.flatMap { $0.isWellFormed ? $0.rawValue : nil })
        } catch let refusal as HTTPError {
            // The refusal waits a moment before it is sent (the connection stays open, no thread waits): a script
            // that floods one connection gets a few answers a second instead of thousands, which spares the CPU
            // that people's chats need.
            try? await Task.sleep(for: ClientLimits.refusalPause)
            throw refusal
        }
        var language: Language?
        if let lang = body.lang {
            guard let parsed = Language(rawValue: lang) else {
                throw Problem.validation("lang must be fi, sv or en, not '\(lang)'")
            }
            language = parsed
        }
        guard body.text.count <= 10_000 else { throw Problem.validation("text may have at most 10,000 characters") }
        let limits = app.limits
        let reply: Reply
        do {
            reply = try await app.engine.respond(
                to: body.text, session: session, residentID: nil, language: language,
                handoffAllowed: { limits.admitHandoff(address: address) })
        } catch ConversationError.sessionExpired {
            throw Problem.sessionExpired()
        }
        // A message relayed to the agent who holds the conversation is not the assistant's answer, good or bad.
        if !reply.actions.contains(where: { $0.kind == "handoff.relayed" }) {
            app.metrics.recordChat(fallback: reply.intent == nil)
        }
        return .json(Array(linkSafe(reply, app.runtime.texts).json.utf8))
    }

    /// The reply with only sources on allowed hosts keeping their URL (`link_hosts`): a unit's web address in
    /// city data is shown as its name, never as a link elsewhere. The widget makes links of URLs in the text only
    /// on the same hosts (`link_hosts` of `/v1/widget/texts`).
    static func linkSafe(_ reply: Reply, _ texts: LiveTexts) -> Reply {
        guard reply.sources.contains(where: { $0.url != nil }) else { return reply }
        let hosts = texts.linkHosts
        let sources = reply.sources.map { source in
            // Neuvo's own paths (the identify action's `/auth/login?return=/`) stay; `//host` and `/\host` are other
            // sites to a browser, so they do not count as paths.
            guard let url = source.url, !(isOwnPath(url) || hosts.allows(url)) else { return source }
            return ReplySource(kind: source.kind, id: source.id, title: source.title, url: nil)
        }
        return Reply(
            sessionID: reply.sessionID, language: reply.language, text: reply.text, intent: reply.intent,
            confidence: reply.confidence, suggestions: reply.suggestions, actions: reply.actions, sources: sources)
    }

    /// A path on this server: one leading '/' not followed by another '/' or a '\\'.
    static func isOwnPath(_ url: String) -> Bool {
        guard url.hasPrefix("/") else { return false }
        let second = url.dropFirst().first
        return second != "/" && second != "\\"
    }

    struct RatingRequest: Decodable {
        let sessionID: String
        let helpful: Bool

        enum CodingKeys: String, CodingKey {
            case helpful
            case sessionID = "session_id"
        }
    }

    /// "Was this helpful?" under the newest reply of a session: the answer is kept with the resident's turn, and an
    /// unhelpful one brings the turn to the staff console's misunderstood messages.
    static func rateReply(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let body = try JSONBody.decode(RatingRequest.self, from: request)
        // A rating is a write like a chat message: the same per-address and per-session limits hold.
        let session = SessionID(rawValue: body.sessionID)
        try app.limits.admitChat(address: context.clientAddress, session: session.isWellFormed ? session.rawValue : nil)
        guard
            try await app.conversations.rate(
                session: SessionID(rawValue: body.sessionID), helpful: body.helpful, now: app.clock.now())
        else { throw Problem.notFound("no reply to rate in this session") }
        return HTTPResponse(status: .noContent)
    }

    static func widgetTexts(_ app: NeuvoApplication, _ request: HTTPRequest) throws -> HTTPResponse {
        let lang = request.queryParameter("lang") ?? app.configuration.defaultLanguage
        guard let language = Language(rawValue: lang) else { throw Problem.validation("lang must be fi, sv or en") }
        let locales = app.catalog.catalog.locales
        var texts: [String: String] = [:]
        for key in locales.strings.keys where key.hasPrefix("widget.") {
            texts[key] = try? locales.render(key, language: language)
        }
        return try JSONBody.response([
            "lang": JSONValue.string(lang), "texts": .object(texts.mapValues { .string($0) }),
            "link_hosts": .array(app.runtime.texts.linkHosts.hosts.sorted().map { .string($0) }),
        ])
    }
}
