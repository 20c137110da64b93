import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoCrypto
import NeuvoHTTP
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport

/// City systems: residents, arrangements and notices, behind an API key with the group's scope.
extension APIRoutes {
    // MARK: City systems

    struct ResidentBody: Decodable {
        let name: String
        let lang: String
        let email: String?
        let phone: String?
        let channel: String?
        let consent: [String: Bool]?
        let quietHours: String?
        /// What the identity provider calls the resident (`oidc.resident_claim`); a national identity number is
        /// stored only as its keyed hash.
        let identity: String?

        enum CodingKeys: String, CodingKey {
            case name, lang, email, phone, channel, consent, identity
            case quietHours = "quiet_hours"
        }
    }

    static func putResident(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
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
            try IntakeService.resident(from: row, defaultQuietHours: app.intake.defaultQuietHours)
        }
        guard case .success(var resident) = parsed else {
            if case .failure(let error) = parsed { throw Problem.validation(error.description) }
            return HTTPResponse(status: .internalServerError)
        }
        if let identity = body.identity {
            guard !identity.isEmpty, identity.count <= 200 else {
                throw Problem.validation("identity must have 1 to 200 characters")
            }
            resident.identity = app.identities.stored(identity)
        }
        let key = try context.apiKey()
        try await app.gateway.storeResident(resident, actor: "api key \(key.id)")
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
        if let bulk = try? JSONDecoder().decode(BulkArrangements.self, from: Data(request.body)) {
            guard bulk.arrangements.count <= 10_000 else {
                throw Problem.validation("at most 10,000 arrangements a request")
            }
            // A malformed item refuses the whole request; items that are well formed but cannot be carried out
            // (an unknown resident) are reported one by one with 207.
            var malformed: [String] = []
            for (index, item) in bulk.arrangements.enumerated() {
                let checked = Result { () throws(GatewayError) in try IntakeService.validate(item.request) }
                if case .failure(let error) = checked {
                    malformed.append("arrangements[\(index)]: \(error.description)")
                }
            }
            if !malformed.isEmpty { throw Problem.validation(malformed.prefix(20).joined(separator: "; ")) }
            let results = try await app.intake.arrange(bulk.arrangements.map(\.request))
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
            let outcome = try await app.intake.arrange(arrangement)
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

    static func getNotice(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let id = try context.parameter("id")
        guard let notice = try await app.gateway.notices.notice(id) else { throw Problem.notFound("no notice \(id)") }
        return try JSONBody.response(NoticeView(notice))
    }
}
