import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoCrypto
import NeuvoHTTP
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport

/// Providers' delivery receipts, verified by their signature.
extension APIRoutes {
    // MARK: Providers

    struct ReceiptBody: Decodable {
        let id: String
        let status: String
        let reason: String?
    }

    /// A delivery receipt signed per Standard Webhooks with `sms.receipt_secret`; duplicates and late receipts never
    /// change a final status, and a receipt for a notice that is not an SMS with the provider is 409.
    static func receipt(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        guard let signer = app.receiptSigner else {
            throw Problem.error(
                .serviceUnavailable, "receipts-not-configured", "Receipts are not configured",
                "set NEUVO_SMS_RECEIPT_SECRET (the provider's receipt secret, not the outbound webhook secret)")
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
        let outcome: NoticeStore.ReceiptOutcome
        do {
            // The webhook-id, already verified with the signature, names the receipt: a replay is applied once.
            outcome = try await app.gateway.notices.applyReceipt(
                id: body.id, channel: .sms, delivered: delivered, reason: body.reason,
                receiptID: request.headers["webhook-id"], now: app.clock.now())
        } catch let conflict as NoticeStore.ReceiptConflict {
            throw Problem.conflict(conflict.description)
        }
        if outcome == .unknownNotice { throw Problem.notFound("no notice \(body.id)") }
        return try JSONBody.response(["result": outcome.rawValue])
    }
}
