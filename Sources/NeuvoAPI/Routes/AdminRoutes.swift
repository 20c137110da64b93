import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoCrypto
import NeuvoHTTP
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport

/// Staff operations behind an admin key.
extension APIRoutes {
    static func reload(_ app: NeuvoApplication) async throws -> HTTPResponse {
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

    static func handoffs(_ app: NeuvoApplication) async throws -> HTTPResponse {
        let list = try await app.conversations.handoffs()
        return try JSONBody.response(["handoffs": list])
    }
}
