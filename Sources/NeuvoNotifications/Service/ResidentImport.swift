import Foundation
import NeuvoArrangements
import NeuvoStorage
import NeuvoSupport

extension IntakeService {
    /// A resident from an import row: `{"id", "name", "lang", "email", "phone", "channel",
    /// "consent": {"email", "sms"}, "quiet_hours": "21:00-08:00" | "none"}`.
    /// `defaultQuietHours` applies when the row has no `quiet_hours` (the `quiet_hours` configuration setting).
    public static func resident(
        from row: BulkRow, defaultQuietHours: QuietHours = QuietHours(start: 21 * 60, end: 8 * 60)
    )
        throws(GatewayError) -> Resident
    {
        guard let id = row.string("id") else { throw .invalid("missing \"id\"") }
        guard id.count <= 100, !id.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw .invalid("\"id\" must be at most 100 characters without spaces")
        }
        guard let name = row.string("name") else { throw .invalid("missing \"name\"") }
        guard let language = row.string("lang") else { throw .invalid("missing \"lang\" (fi, sv or en)") }
        guard ["fi", "sv", "en"].contains(language) else {
            throw .invalid("unknown language '\(language)'; use fi, sv or en")
        }
        let email = row.string("email")
        let phone = row.string("phone")
        if let email {
            do { try AddressValidation.email(email) } catch { throw .invalid("email: \(error)") }
        }
        if let phone {
            do { try AddressValidation.phone(phone) } catch { throw .invalid("phone: \(error)") }
        }
        var channel: Resident.Channel?
        if let name = row.string("channel") {
            guard let parsed = Resident.Channel(rawValue: name) else {
                throw .invalid("unknown channel '\(name)'; use email or sms")
            }
            channel = parsed
        }
        let consent = row.object("consent")
        func flag(_ key: String) throws(GatewayError) -> Bool {
            switch consent[key] {
            case nil, .null: return false
            case .bool(let value): return value
            case .string(let text):
                switch text.lowercased() {
                case "true", "yes", "1", "kyllä", "ja": return true
                case "false", "no", "0", "", "ei", "nej": return false
                default: throw .invalid("consent.\(key) must be true or false, not '\(text)'")
                }
            default: throw .invalid("consent.\(key) must be true or false")
            }
        }
        var quietStart = defaultQuietHours.start
        var quietEnd = defaultQuietHours.end
        if let quiet = row.string("quiet_hours") {
            if quiet.lowercased() == "none" {
                quietStart = 0
                quietEnd = 0
            } else if let hours = QuietHours(parsing: quiet) {
                quietStart = hours.start
                quietEnd = hours.end
            } else {
                throw .invalid("quiet_hours must be HH:MM-HH:MM or none, not '\(quiet)'")
            }
        }
        let resident = Resident(
            id: id, name: name, language: language, email: email, phone: phone, consentEmail: try flag("email"),
            consentSMS: try flag("sms"), preferredChannel: channel, quietStart: quietStart, quietEnd: quietEnd,
            postalCode: row.string("postal_code"), district: row.string("district"))
        if let channel {
            let reachable =
                channel == .email ? (email != nil && resident.consentEmail) : (phone != nil && resident.consentSMS)
            if !reachable {
                throw .invalid("channel \(channel.rawValue) needs an address and consent.\(channel.rawValue) = true")
            }
        }
        return resident
    }

    /// Stores every valid row (inserting or updating by id) in one transaction; each bad row is reported.
    public func importResidents(_ rows: [BulkRow], file: String) async throws -> (
        stored: Int, rejected: [BulkFileError]
    ) {
        var residents: [Resident] = []
        var rejected: [BulkFileError] = []
        for row in rows {
            do {
                residents.append(try Self.resident(from: row, defaultQuietHours: defaultQuietHours))
            } catch {
                rejected.append(BulkFileError(file: file, line: row.line, message: error.description))
            }
        }
        let now = gateway.clock.now()
        let valid = residents
        let renderer = gateway.renderer()
        let links = gateway.links
        try await gateway.arrangements.database.write { connection in
            for resident in valid {
                try GatewayService.storeResident(
                    resident, actor: "import", now: now, renderer: renderer, links: links, in: connection)
            }
        }
        return (residents.count, rejected)
    }

    /// An arrangement request from an import row: `{"resident", "kind", "details": {...}, "idempotency_key"}`.
    public static func arrangementRequest(from row: BulkRow) throws(GatewayError) -> ArrangementRequest {
        guard let resident = row.string("resident") else { throw .invalid("missing \"resident\"") }
        guard let kind = row.string("kind") else { throw .invalid("missing \"kind\"") }
        var details: [String: String] = [:]
        for (key, value) in row.object("details") {
            guard let text = value.scalarText else {
                throw .invalid("details.\(key) must be text, a number or a boolean")
            }
            details[key] = text
        }
        var urgent = false
        if case .bool(let flag) = row.fields["urgent"] { urgent = flag }
        if case .string(let text) = row.fields["urgent"] { urgent = ["true", "yes", "1"].contains(text.lowercased()) }
        let request = ArrangementRequest(
            resident: resident, kind: kind, details: details, idempotencyKey: row.string("idempotency_key"),
            reference: row.string("reference"), urgent: urgent)
        _ = try validate(request)
        return request
    }
}
