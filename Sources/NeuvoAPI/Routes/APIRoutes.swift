import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoCrypto
import NeuvoHTTP
import NeuvoLanguage
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport

/// Neuvo's routes. Handlers parse and check input, call one service function, and format the result.
public enum APIRoutes {
    public static func router(_ app: NeuvoApplication) -> Router {
        var router = Router()
        router.add(middleware: StorageErrorMiddleware())
        // Residents and the widget.
        router.post("/v1/chat") { request, _ in try await chat(app, request) }
        router.get("/v1/widget/texts") { request, _ in try widgetTexts(app, request) }
        router.get("/r/{token}") { request, context in try await identify(app, request, context) }
        router.get("/v1/me/arrangements") { request, _ in try await myArrangements(app, request) }
        router.post("/v1/me/arrangements/{id}/accept") { request, context in
            try await decide(app, request, context, .accept)
        }
        router.post("/v1/me/arrangements/{id}/decline") { request, context in
            try await decide(app, request, context, .decline)
        }
        // City systems and staff.
        router.put("/v1/residents/{id}") { request, context in try await putResident(app, request, context) }
        router.post("/v1/arrangements") { request, _ in try await createArrangements(app, request) }
        router.post("/v1/notices") { request, _ in try await createNotice(app, request) }
        router.get("/v1/notices") { request, _ in try await listNotices(app, request) }
        router.get("/v1/notices/{id}") { request, context in try await getNotice(app, request, context) }
        router.post("/v1/admin/reload") { request, _ in try await reload(app, request) }
        router.get("/v1/admin/handoffs") { request, _ in try await handoffs(app, request) }
        // Providers.
        router.post("/v1/receipts/sms") { request, _ in try await receipt(app, request) }
        // Operations.
        router.get("/healthz") { _, _ in .json(Array(#"{"status":"ok"}"#.utf8)) }
        router.get("/readyz") { _, _ in try await ready(app) }
        router.get("/metrics") { _, _ in try await metrics(app) }
        router.get("/openapi.json") { _, _ in .json(app.assets.openAPI) }
        // The widget's files and the demo page.
        router.get("/") { request, _ in asset(app.assets.demoPage, "text/html; charset=utf-8", request, page: true) }
        router.get("/widget.js") { request, _ in asset(app.assets.script, "text/javascript; charset=utf-8", request) }
        router.get("/widget.css") { request, _ in asset(app.assets.stylesheet, "text/css; charset=utf-8", request) }
        return router
    }

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
        let reply = try await app.engine.respond(to: body.text, session: session, residentID: nil, language: language)
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

    /// A notice's signed link: binds a new chat session to the resident and hands it to the widget.
    static func identify(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let token = try context.parameter("token")
        let claims: ResidentLinkSigner.Claims
        do {
            claims = try app.gateway.links.verify(token, now: app.clock.now())
        } catch {
            throw Problem.error(
                .unauthorized, "invalid-link", "The link cannot be used",
                "\(error.description); open the latest message from the city, or ask for a new link")
        }
        guard let resident = try await app.gateway.arrangements.resident(claims.residentID) else {
            throw Problem.error(
                .unauthorized, "invalid-link", "The link cannot be used", "the link's resident is unknown")
        }
        let reply = try await app.engine.start(
            residentID: resident.id, arrangementID: claims.arrangementID,
            language: Language(rawValue: resident.language))
        var response = HTTPResponse(status: .found)
        // The fragment never reaches a server log or a Referer header.
        response.headers["Location"] = "/#session=\(reply.sessionID.rawValue)"
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    }

    // MARK: The resident's own arrangements

    /// The resident bound to the bearer session; anonymous or unknown sessions are refused.
    static func resident(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> String {
        guard let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") else {
            throw Problem.unauthorized("send Authorization: Bearer <session_id> of a session opened from a notice link")
        }
        let session = SessionID(rawValue: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        guard let residentID = try await app.conversations.residentID(of: session) else {
            throw Problem.unauthorized("the session is unknown or not identified; open the link in your notice")
        }
        return residentID
    }

    struct ArrangementView: Encodable {
        let id: String
        let kind: String
        let status: String
        let details: [String: String]
        let deadline: Date?
        let sensitive: Bool
        let createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, kind, status, details, deadline, sensitive
            case createdAt = "created_at"
        }

        init(_ arrangement: Arrangement) {
            id = arrangement.id
            kind = arrangement.kind.rawValue
            status = arrangement.status.rawValue
            details = arrangement.details
            deadline = arrangement.deadline
            sensitive = arrangement.sensitivity == .sensitive
            createdAt = arrangement.createdAt
        }
    }

    static func myArrangements(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        let residentID = try await resident(app, request)
        let list = try await app.gateway.arrangements.arrangements(of: residentID)
        var response = try JSONBody.response(["arrangements": list.map(ArrangementView.init)])
        response.headers["Cache-Control"] = "no-store"
        return response
    }

    static func decide(
        _ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext, _ decision: ArrangementDecision
    ) async throws -> HTTPResponse {
        let residentID = try await resident(app, request)
        let id = try context.parameter("id")
        do {
            let updated = try await app.desk.apply(
                decision, to: id, residentID: residentID, now: app.clock.now(), database: app.database)
            return try JSONBody.response(ArrangementView(updated))
        } catch let error as ArrangementError {
            switch error {
            case .notFound, .belongsToAnotherResident, .residentNotFound: throw Problem.notFound("no arrangement \(id)")
            case .notAllowed: throw Problem.conflict(error.description)
            }
        }
    }

    // MARK: City systems

    static func requireKey(_ app: NeuvoApplication, _ request: HTTPRequest, _ scope: APIScope) async throws {
        guard let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer ") else {
            throw Problem.unauthorized("send Authorization: Bearer <API key> (create one with neuvo keys create)")
        }
        guard let key = try await app.keys.authenticate(String(header.dropFirst(7))) else {
            throw Problem.unauthorized("the API key is unknown or revoked")
        }
        guard key.scopes.contains(scope) || key.scopes.contains(.admin) else {
            throw Problem.forbidden("the API key lacks the scope \(scope.rawValue)")
        }
    }

    struct ResidentBody: Decodable {
        let name: String
        let lang: String
        let email: String?
        let phone: String?
        let channel: String?
        let consent: [String: Bool]?
        let quietHours: String?

        enum CodingKeys: String, CodingKey {
            case name, lang, email, phone, channel, consent
            case quietHours = "quiet_hours"
        }
    }

    static func putResident(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        try await requireKey(app, request, .arrangementsWrite)
        let id = try context.parameter("id")
        let body = try JSONBody.decode(ResidentBody.self, from: request)
        var fields: [String: JSONValue] = ["id": .string(id), "name": .string(body.name), "lang": .string(body.lang)]
        if let email = body.email { fields["email"] = .string(email) }
        if let phone = body.phone { fields["phone"] = .string(phone) }
        if let channel = body.channel { fields["channel"] = .string(channel) }
        if let consent = body.consent { fields["consent"] = .object(consent.mapValues { .bool($0) }) }
        if let quiet = body.quietHours { fields["quiet_hours"] = .string(quiet) }
        let row = BulkRow(line: 0, fields: fields)
        let parsed = Result { () throws(GatewayError) -> Resident in
            try GatewayService.resident(from: row, defaultQuietHours: app.gateway.defaultQuietHours)
        }
        guard case .success(let resident) = parsed else {
            if case .failure(let error) = parsed { throw Problem.validation(error.description) }
            return HTTPResponse(status: .internalServerError)
        }
        try await app.gateway.arrangements.upsert(resident, now: app.clock.now())
        return try JSONBody.response(["id": resident.id])
    }

    struct ArrangementBody: Decodable {
        let resident: String
        let kind: String
        let details: [String: String]
        let idempotencyKey: String?
        let reference: String?
        let urgent: Bool?

        enum CodingKeys: String, CodingKey {
            case resident, kind, details, reference, urgent
            case idempotencyKey = "idempotency_key"
        }

        var request: ArrangementRequest {
            ArrangementRequest(
                resident: resident, kind: kind, details: details, idempotencyKey: idempotencyKey, reference: reference,
                urgent: urgent)
        }
    }

    struct BulkArrangements: Decodable {
        let arrangements: [ArrangementBody]
    }

    struct BulkItem: Encodable {
        let index: Int
        let outcome: ArrangeOutcome?
        let error: String?
    }

    /// One arrangement (with an `Idempotency-Key` header) or `{"arrangements": [...]}` in bulk.
    static func createArrangements(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        try await requireKey(app, request, .arrangementsWrite)
        if let bulk = try? JSONDecoder().decode(BulkArrangements.self, from: Data(request.body)) {
            guard bulk.arrangements.count <= 10_000 else {
                throw Problem.validation("at most 10,000 arrangements a request")
            }
            // A malformed item refuses the whole request; items that are well formed but cannot be carried out
            // (an unknown resident) are reported one by one with 207.
            var malformed: [String] = []
            for (index, item) in bulk.arrangements.enumerated() {
                let checked = Result { () throws(GatewayError) in try GatewayService.validate(item.request) }
                if case .failure(let error) = checked {
                    malformed.append("arrangements[\(index)]: \(error.description)")
                }
            }
            if !malformed.isEmpty { throw Problem.validation(malformed.prefix(20).joined(separator: "; ")) }
            let results = try await app.gateway.arrange(bulk.arrangements.map(\.request))
            let items = results.enumerated().map { index, result in
                switch result {
                case .success(let outcome): BulkItem(index: index, outcome: outcome, error: nil)
                case .failure(let error): BulkItem(index: index, outcome: nil, error: error.description)
                }
            }
            return try JSONBody.response(
                ["results": items], status: .multiStatusOrOK(items.contains { $0.error != nil }))
        }
        let body = try JSONBody.decode(ArrangementBody.self, from: request)
        var arrangement = body.request
        if let header = request.headers["Idempotency-Key"] {
            if let inBody = arrangement.idempotencyKey, inBody != header {
                throw Problem.validation("the Idempotency-Key header and idempotency_key in the body differ")
            }
            arrangement.idempotencyKey = header
        }
        do {
            let outcome = try await app.gateway.arrange(arrangement)
            return try JSONBody.response(outcome, status: outcome.created ? .created : .ok)
        } catch let error as GatewayError {
            if case .idempotencyConflict = error { throw Problem.conflict(error.description) }
            throw Problem.validation(error.description)
        }
    }

    struct NoticeBody: Decodable {
        let resident: String
        let template: String
        let arrangement: String?
        let idempotencyKey: String
        let urgent: Bool?

        enum CodingKeys: String, CodingKey {
            case resident, template, arrangement, urgent
            case idempotencyKey = "idempotency_key"
        }
    }

    /// A proactive notice on its own (a reminder, a notice about an existing arrangement).
    static func createNotice(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        try await requireKey(app, request, .arrangementsWrite)
        let body = try JSONBody.decode(NoticeBody.self, from: request)
        guard let template = NoticeTemplate(rawValue: body.template) else {
            throw Problem.validation(
                "unknown template '\(body.template)'; use one of \(NoticeTemplate.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        do {
            let notice = try await app.gateway.queueNotice(
                template, residentID: body.resident, arrangementID: body.arrangement,
                idempotencyKey: body.idempotencyKey,
                urgent: body.urgent ?? false)
            return try JSONBody.response(NoticeView(notice), status: .created)
        } catch let error as GatewayError {
            if case .idempotencyConflict = error { throw Problem.conflict(error.description) }
            throw Problem.validation(error.description)
        } catch let error as NoticeRenderError {
            throw Problem.validation(error.description)
        }
    }

    static func listNotices(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        try await requireKey(app, request, .noticesRead)
        var status: NoticeStatus?
        if let text = request.queryParameter("status") {
            guard let parsed = NoticeStatus(rawValue: text) else {
                throw Problem.validation(
                    "unknown status '\(text)'; use one of \(NoticeStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            status = parsed
        }
        var limit = 100
        if let text = request.queryParameter("limit") {
            guard let number = Int(text), (1...1000).contains(number) else {
                throw Problem.validation("limit must be 1 to 1000")
            }
            limit = number
        }
        let reference = request.queryParameter("reference").flatMap { $0.isEmpty ? nil : $0 }
        let notices = try await app.gateway.notices.notices(status: status, reference: reference, limit: limit)
        return try JSONBody.response(["notices": notices.map(NoticeView.init)])
    }

    static func getNotice(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        try await requireKey(app, request, .noticesRead)
        let id = try context.parameter("id")
        guard let notice = try await app.gateway.notices.notice(id) else { throw Problem.notFound("no notice \(id)") }
        return try JSONBody.response(NoticeView(notice))
    }

    static func reload(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        try await requireKey(app, request, .admin)
        switch app.runtime.reload() {
        case .success(let loaded):
            return try JSONBody.response([
                "status": JSONValue.string("reloaded"), "intents": .number(Double(loaded.intents)),
                "locale_keys": .number(Double(loaded.localeKeys)),
            ])
        case .failure(let error):
            throw Problem.error(
                .unprocessableContent, "catalog-invalid", "The catalog was not reloaded",
                error.problems.filter { $0.severity == .error }.prefix(20).map(\.description).joined(separator: "\n")
                    + "\nThe previous catalog keeps serving; run neuvo check.")
        }
    }

    static func handoffs(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        try await requireKey(app, request, .admin)
        let list = try await app.conversations.handoffs()
        return try JSONBody.response(["handoffs": list])
    }

    // MARK: Providers

    struct ReceiptBody: Decodable {
        let id: String
        let status: String
        let reason: String?
    }

    /// A delivery receipt signed per Standard Webhooks; duplicates and late receipts never change a final status.
    static func receipt(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        guard let signer = app.receiptSigner else {
            throw Problem.error(
                .serviceUnavailable, "receipts-not-configured", "Receipts are not configured",
                "set NEUVO_SMS_RECEIPT_SECRET or NEUVO_SMS_WEBHOOK_SECRET")
        }
        do {
            try signer.verify(
                id: request.headers["webhook-id"] ?? "", timestampHeader: request.headers["webhook-timestamp"] ?? "",
                body: request.body, signatureHeader: request.headers["webhook-signature"] ?? "", now: app.clock.now())
        } catch {
            throw Problem.error(.unauthorized, "bad-signature", "The receipt's signature is not valid", "\(error)")
        }
        let body = try JSONBody.decode(ReceiptBody.self, from: request)
        let delivered: Bool
        switch body.status {
        case "delivered": delivered = true
        case "failed", "undeliverable", "rejected": delivered = false
        default: throw Problem.validation("status must be delivered, failed, undeliverable or rejected")
        }
        let outcome = try await app.gateway.notices.applyReceipt(
            id: body.id, delivered: delivered, reason: body.reason, now: app.clock.now())
        if outcome == .unknownNotice { throw Problem.notFound("no notice \(body.id)") }
        return try JSONBody.response(["result": outcome.rawValue])
    }

    // MARK: Operations

    static func ready(_ app: NeuvoApplication) async throws -> HTTPResponse {
        // Ready means able to store: a small write, so a full or read-only disk shows here, not only in failures.
        do {
            let now = app.clock.now()
            try await app.database.write { connection in
                try InstallationMetadata.set("ready_probe", String(now.timeIntervalSince1970), in: connection)
            }
        } catch let error as SQLiteError {
            throw Problem.error(
                .serviceUnavailable, "not-ready", "Not ready",
                error.isStorageFailure ? error.storageProblem : "the database does not answer")
        } catch {
            throw Problem.error(.serviceUnavailable, "not-ready", "Not ready", "the database does not answer")
        }
        return .json(Array(#"{"status":"ready"}"#.utf8))
    }

    static func metrics(_ app: NeuvoApplication) async throws -> HTTPResponse {
        var extra = ["# HELP neuvo_notices Notices by status.", "# TYPE neuvo_notices gauge"]
        let counts = try await app.gateway.notices.countsByStatus()
        for status in NoticeStatus.allCases {
            extra.append("neuvo_notices{status=\"\(status.rawValue)\"} \(counts[status] ?? 0)")
        }
        extra += [
            "# HELP neuvo_dispatch_attempts_total Delivery attempts by channel and outcome.",
            "# TYPE neuvo_dispatch_attempts_total counter",
        ]
        for row in try await app.gateway.notices.attemptCounts() {
            extra.append(
                "neuvo_dispatch_attempts_total{channel=\"\(row.channel)\",outcome=\"\(row.outcome)\"} \(row.count)")
        }
        return .text(app.metrics.render(extra: extra), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    static let pagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self' 'sha256-nmCF3vkilzengAkvuG6EYjt8jwuLDRQNDf0rU/ySBO4='; "
        + "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func asset(_ bytes: [UInt8], _ type: String, _ request: HTTPRequest, page: Bool = false) -> HTTPResponse {
        let etag = WidgetAssets.etag(bytes)
        if request.headers["If-None-Match"] == etag {
            return HTTPResponse(status: .notModified, headers: ["ETag": etag])
        }
        var response = HTTPResponse(status: .ok, headers: ["Content-Type": type, "ETag": etag], body: bytes)
        response.headers["Cache-Control"] = page ? "no-cache" : "public, max-age=300"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if page { response.headers["Content-Security-Policy"] = pagePolicy }
        return response
    }
}

extension HTTPStatus {
    /// 207 when some items of a bulk request failed, 200 when all went through.
    static func multiStatusOrOK(_ someFailed: Bool) -> HTTPStatus { someFailed ? HTTPStatus(code: 207) : .ok }
}
