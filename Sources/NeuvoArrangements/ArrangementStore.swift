import Foundation
import NeuvoStorage
import NeuvoSupport

/// Why an arrangement could not be changed.
public enum ArrangementError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(String)
    case residentNotFound(String)
    case notAllowed(id: String, from: ArrangementStatus, to: ArrangementStatus)
    case belongsToAnotherResident(String)

    public var description: String {
        switch self {
        case .notFound(let id): "no arrangement \(id)"
        case .residentNotFound(let id): "no resident \(id)"
        case .notAllowed(let id, let from, let to):
            "arrangement \(id) is \(from.rawValue) and cannot become \(to.rawValue)"
        // Deliberately the same words as notFound: a resident must not learn that someone else's id exists.
        case .belongsToAnotherResident(let id): "no arrangement \(id)"
        }
    }
}

/// Residents and arrangements in SQLite. All SQL for them lives here, behind this narrow interface.
public struct ArrangementStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    // MARK: Residents

    public func upsert(_ resident: Resident, now: Date) async throws {
        try await database.write { connection in try Self.upsert(resident, now: now, in: connection) }
    }

    /// Inside a caller's transaction (bulk imports, API requests that create several things at once).
    public static func upsert(_ resident: Resident, now: Date, in connection: Connection) throws {
        try connection.execute(
            """
            INSERT INTO residents (id, name, language, email, phone, consent_email, consent_sms, preferred_channel,
                quiet_start, quiet_end, postal_code, district, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, language = excluded.language, email = excluded.email,
                phone = excluded.phone, consent_email = excluded.consent_email, consent_sms = excluded.consent_sms,
                preferred_channel = excluded.preferred_channel, quiet_start = excluded.quiet_start,
                quiet_end = excluded.quiet_end, postal_code = excluded.postal_code, district = excluded.district,
                updated_at = excluded.updated_at
            """,
            resident.id, resident.name, resident.language, resident.email, resident.phone, resident.consentEmail,
            resident.consentSMS, resident.preferredChannel?.rawValue, resident.quietStart, resident.quietEnd,
            resident.postalCode, resident.district, now, now)
    }

    public func resident(_ id: String) async throws -> Resident? {
        try await database.read { connection in try Self.resident(id, in: connection) }
    }

    public static func resident(_ id: String, in connection: Connection) throws -> Resident? {
        guard let row = try connection.queryOne("SELECT * FROM residents WHERE id = ?", id) else { return nil }
        return Resident(
            id: try row.get("id"), name: try row.get("name"), language: try row.get("language"),
            email: try row.get("email"), phone: try row.get("phone"), consentEmail: try row.get("consent_email"),
            consentSMS: try row.get("consent_sms"),
            preferredChannel: (try row.get("preferred_channel", as: String?.self)).flatMap(Resident.Channel.init),
            quietStart: try row.get("quiet_start"), quietEnd: try row.get("quiet_end"),
            postalCode: try row.get("postal_code"), district: try row.get("district"))
    }

    /// Where to reach a resident now, and when not to.
    public struct Contact: Sendable, Hashable {
        public let email: String?
        public let phone: String?
        public let quietStart: Int
        public let quietEnd: Int
    }

    /// The contacts of these residents (unknown ids are left out), in the caller's transaction.
    public static func contacts(of ids: [String], in connection: Connection) throws -> [String: Contact] {
        var result: [String: Contact] = [:]
        result.reserveCapacity(ids.count)
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(start + 500, ids.count)]
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let found = try connection.query(
                "SELECT id, email, phone, quiet_start, quiet_end FROM residents WHERE id IN (\(placeholders))",
                arguments: chunk.map { .text($0) })
            for row in found {
                result[try row.get(0)] = Contact(
                    email: try row.get(1), phone: try row.get(2), quietStart: try row.get(3), quietEnd: try row.get(4))
            }
        }
        return result
    }

    // MARK: Arrangements

    /// Offered arrangements whose deadline falls in `after..<=until`: those a reminder may be due for.
    public static func offered(deadlineAfter after: Date, until: Date, in connection: Connection) throws
        -> [Arrangement]
    {
        try connection.query(
            """
            SELECT * FROM arrangements WHERE status = ? AND deadline IS NOT NULL AND deadline > ? AND deadline <= ?
            """, ArrangementStatus.offered.rawValue, after, until
        ).map(Self.arrangement)
    }

    /// Inserts an arrangement inside the caller's transaction; returns false when its idempotency key was
    /// already used (the existing arrangement is left as it is). `residentChecked`: the caller has just read the
    /// resident in this transaction (a bulk import saves the second read). `encodedDetails`: the details already
    /// encoded by a caller that prepares rows away from the database's thread.
    @discardableResult
    public static func insert(
        _ arrangement: Arrangement, idempotencyKey: String?, residentChecked: Bool = false,
        encodedDetails: String? = nil, in connection: Connection
    ) throws -> Bool {
        guard try residentChecked || resident(arrangement.residentID, in: connection) != nil else {
            throw ArrangementError.residentNotFound(arrangement.residentID)
        }
        let details = encodedDetails ?? JSONString.object(arrangement.details)
        try connection.execute(
            """
            INSERT INTO arrangements (id, resident_id, kind, details, unit_id, service_id, deadline, status, sensitivity,
                reference, idempotency_key, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (idempotency_key) DO NOTHING
            """,
            arrangement.id, arrangement.residentID, arrangement.kind.rawValue, details, arrangement.unitID,
            arrangement.serviceID, arrangement.deadline, arrangement.status.rawValue, arrangement.sensitivity.rawValue,
            arrangement.reference, idempotencyKey, arrangement.createdAt, arrangement.updatedAt)
        guard connection.changes > 0 else { return false }
        try connection.execute(
            "INSERT INTO arrangement_transitions (arrangement_id, from_status, to_status, reason, actor, at) VALUES (?, NULL, ?, ?, ?, ?)",
            arrangement.id, arrangement.status.rawValue, "created", "city", arrangement.createdAt)
        return true
    }

    public static func arrangement(idempotencyKey: String, in connection: Connection) throws -> Arrangement? {
        try connection.queryOne("SELECT * FROM arrangements WHERE idempotency_key = ?", idempotencyKey).map(
            Self.arrangement)
    }

    public func arrangement(_ id: String) async throws -> Arrangement? {
        try await database.read { connection in try Self.arrangement(id, in: connection) }
    }

    public static func arrangement(_ id: String, in connection: Connection) throws -> Arrangement? {
        try connection.queryOne("SELECT * FROM arrangements WHERE id = ?", id).map(Self.arrangement)
    }

    /// The resident's own arrangements, newest first. There is no query by arrangement id alone for residents:
    /// every resident-facing read goes through the resident id.
    public func arrangements(of residentID: String) async throws -> [Arrangement] {
        try await database.read { connection in
            try connection.query(
                "SELECT * FROM arrangements WHERE resident_id = ? ORDER BY created_at DESC, id", residentID
            ).map(Self.arrangement)
        }
    }

    /// One of the resident's own arrangements; another resident's id reads as not found.
    public func arrangement(_ id: String, of residentID: String) async throws -> Arrangement {
        guard let found = try await arrangement(id), found.residentID == residentID else {
            throw ArrangementError.notFound(id)
        }
        return found
    }

    /// The one place where an arrangement's status changes: checks the transition table, writes the new status
    /// and the audit row in the caller's transaction.
    @discardableResult
    public static func transition(
        _ id: String, to next: ArrangementStatus, reason: String, actor: String, now: Date, in connection: Connection,
        detailsUpdate: [String: String] = [:]
    ) throws -> Arrangement {
        guard var arrangement = try arrangement(id, in: connection) else { throw ArrangementError.notFound(id) }
        guard arrangement.status.canMove(to: next) else {
            throw ArrangementError.notAllowed(id: id, from: arrangement.status, to: next)
        }
        let previous = arrangement.status
        arrangement.status = next
        arrangement.updatedAt = now
        arrangement.details.merge(detailsUpdate) { $1 }
        let details = JSONString.object(arrangement.details)
        try connection.execute(
            "UPDATE arrangements SET status = ?, details = ?, updated_at = ? WHERE id = ? AND status = ?",
            next.rawValue, details, now, id, previous.rawValue)
        try connection.execute(
            "INSERT INTO arrangement_transitions (arrangement_id, from_status, to_status, reason, actor, at) VALUES (?, ?, ?, ?, ?, ?)",
            id, previous.rawValue, next.rawValue, reason, actor, now)
        return arrangement
    }

    public func transitions(of id: String) async throws -> [(from: String?, to: String, reason: String, at: Date)] {
        try await database.read { connection in
            try connection.query(
                "SELECT from_status, to_status, reason, at FROM arrangement_transitions WHERE arrangement_id = ? ORDER BY id",
                id
            ).map { row in
                (try row.get("from_status"), try row.get("to_status"), try row.get("reason"), try row.get("at"))
            }
        }
    }

    static func arrangement(_ row: Row) throws -> Arrangement {
        let detailsText: String = try row.get("details")
        let details = (try? JSONDecoder().decode([String: String].self, from: Data(detailsText.utf8))) ?? [:]
        guard let kind = Arrangement.Kind(rawValue: try row.get("kind")),
            let status = ArrangementStatus(rawValue: try row.get("status")),
            let sensitivity = Arrangement.Sensitivity(rawValue: try row.get("sensitivity"))
        else {
            throw SQLiteError(code: 20, message: "arrangement \(try row.get("id", as: String.self)) has unknown values")
        }
        return Arrangement(
            id: try row.get("id"), residentID: try row.get("resident_id"), kind: kind, details: details,
            unitID: try row.get("unit_id"), serviceID: try row.get("service_id"), deadline: try row.get("deadline"),
            status: status, sensitivity: sensitivity, reference: try row.get("reference"),
            createdAt: try row.get("created_at"), updatedAt: try row.get("updated_at"))
    }
}

extension JSONEncoder {
    /// Sorted keys, so stored JSON is byte-for-byte stable.
    public static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
