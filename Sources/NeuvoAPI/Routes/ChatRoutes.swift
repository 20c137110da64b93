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

    static func chat(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try JSONBody.decode(ChatRequest.self, from: request)
        var language: Language?
        if let lang = body.lang {
            guard let parsed = Language(rawValue: lang) else {
                throw Problem.validation("lang must be fi, sv or en, not '\(lang)'")
            }
            language = parsed
        }
        guard body.text.count <= 10_000 else { throw Problem.validation("text may have at most 10,000 characters") }
        let session = body.sessionID.map(SessionID.init(rawValue:))
        let reply: Reply
        do {
            reply = try await app.engine.respond(to: body.text, session: session, residentID: nil, language: language)
        } catch ConversationError.sessionExpired {
            throw Problem.sessionExpired()
        }
        app.metrics.recordChat(fallback: reply.intent == nil)
        return .json(Array(reply.json.utf8))
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
        ])
    }
}
