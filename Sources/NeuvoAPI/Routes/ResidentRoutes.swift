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

        /// `withheld`: a sensitive arrangement seen through a link session: that it exists, nothing of it.
        init(_ arrangement: Arrangement, withheld: Bool = false) {
            id = arrangement.id
            kind = arrangement.kind.rawValue
            status = arrangement.status.rawValue
            details = withheld ? [:] : arrangement.details
            deadline = arrangement.deadline
            sensitive = arrangement.sensitivity == .sensitive
            createdAt = arrangement.createdAt
        }
    }

    struct MyArrangements: Encodable {
        let arrangements: [ArrangementView]
        /// `link` or `strong`: what the session may see.
        let assurance: String
    }

    static func myArrangements(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let session = try context.session()
        guard let residentID = session.access.residentID else { throw Problem.unauthorized("no session") }
        // What the session may see (`SessionAccess.visibility`, the one rule the chat follows too).
        let list = try await app.gateway.arrangements.arrangements(of: residentID).compactMap {
            arrangement -> ArrangementView? in
            switch session.access.visibility(of: arrangement) {
            case .hidden: nil
            case .withheld: ArrangementView(arrangement, withheld: true)
            case .full: ArrangementView(arrangement)
            }
        }
        var response = try JSONBody.response(
            MyArrangements(arrangements: list, assurance: session.access.assurance.rawValue))
        response.headers["Cache-Control"] = "no-store"
        return response
    }

    static func decide(_ app: NeuvoApplication, _ context: RequestContext, _ decision: ArrangementDecision)
        async throws -> HTTPResponse
    {
        let session = try context.session()
        let id = try context.parameter("id")
        do {
            let updated = try await app.desk.apply(
                decision, to: id, access: session.access, now: app.clock.now(), database: app.database)
            return try JSONBody.response(ArrangementView(updated))
        } catch let error as ArrangementError {
            switch error {
            case .notFound, .belongsToAnotherResident, .residentNotFound: throw Problem.notFound("no arrangement \(id)")
            case .notAllowed: throw Problem.conflict(error.description)
            }
        }
    }
}
