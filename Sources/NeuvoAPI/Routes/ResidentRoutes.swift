import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoCrypto
import NeuvoHTTP
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport

/// A resident's own arrangements, behind the session a notice link opened (`BearerAuthentication.residentSession`).
extension APIRoutes {
    // MARK: The resident's own arrangements

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

    static func myArrangements(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let residentID = try context.residentID()
        let list = try await app.gateway.arrangements.arrangements(of: residentID)
        var response = try JSONBody.response(["arrangements": list.map(ArrangementView.init)])
        response.headers["Cache-Control"] = "no-store"
        return response
    }

    static func decide(_ app: NeuvoApplication, _ context: RequestContext, _ decision: ArrangementDecision)
        async throws -> HTTPResponse
    {
        let residentID = try context.residentID()
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
}
