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

    /// A change of where a resident's messages go: audited, and told to the previous address.
    public struct ContactChange: Sendable, Hashable {
        public let residentID: String
        /// The addresses before the change (only those that changed): the notice about it goes there.
        public let previousEmail: String?
        public let previousPhone: String?
        public let fields: [String]
    }

    @discardableResult
    public func upsert(_ resident: Resident, now: Date, actor: String = "city") async throws -> ContactChange? {
        try await database.write { connection in try Self.upsert(resident, now: now, actor: actor, in: connection) }
    }

    /// Inside a caller's transaction (bulk imports, API requests that create several things at once). The one
    /// place a resident's email or phone changes: a change is audited (`resident_contact_changes`, which field, by
    /// whom, when; never the addresses) and stamped in `contact_changed_at`, and returned so that the caller tells
    /// the previous address. A nil `identity` keeps the stored one.
    @discardableResult
    public static func upsert(_ resident: Resident, now: Date, actor: String = "city", in connection: Connection)
        throws -> ContactChange?
    {
        let previous = try Self.resident(resident.id, in: connection)
        var change: ContactChange?
        if let previous {
            var fields: [String] = []
            if previous.email != resident.email { fields.append("email") }
            if previous.phone != resident.phone { fields.append("phone") }
            if !fields.isEmpty {
                for field in fields {
                    try connection.execute(
                        "INSERT INTO resident_contact_changes (resident_id, field, actor, at) VALUES (?, ?, ?, ?)",
                        resident.id, field, actor, now)
                }
                change = ContactChange(
                    residentID: resident.id, previousEmail: fields.contains("email") ? previous.email : nil,
                    previousPhone: fields.contains("phone") ? previous.phone : nil, fields: fields)
            }
        }
        try connection.execute(
            """
            INSERT INTO residents (id, name, language, email, phone, consent_email, consent_sms, preferred_channel,
                quiet_start, quiet_end, postal_code, district, identity, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, language = excluded.language, email = excluded.email,
                phone = excluded.phone, consent_email = excluded.consent_email, consent_sms = excluded.consent_sms,
                preferred_channel = excluded.preferred_channel, quiet_start = excluded.quiet_start,
                quiet_end = excluded.quiet_end, postal_code = excluded.postal_code, district = excluded.district,
                identity = coalesce(excluded.identity, residents.identity), updated_at = excluded.updated_at
            """,
            resident.id, resident.name, resident.language, resident.email, resident.phone, resident.consentEmail,
            resident.consentSMS, resident.preferredChannel?.rawValue, resident.quietStart, resident.quietEnd,
            resident.postalCode, resident.district, resident.identity, now, now)
        if change != nil {
            try connection.execute("UPDATE residents SET contact_changed_at = ? WHERE id = ?", now, resident.id)
        }
        return change
    }

    /// The resident whose stored identity is one of `identities` (the keyed hash under the current key, then
    /// under the previous one during a rotation), or nil.
    public func resident(identity identities: [String]) async throws -> Resident? {
        try await database.read { connection in
            for identity in identities {
                if let row = try connection.queryOne("SELECT id FROM residents WHERE identity = ?", identity) {
                    return try Self.resident(try row.get("id", as: String.self), in: connection)
                }
            }
            return nil
        }
    }

    /// Rewrites a resident's identity (a hash under a previous key becomes the hash under the current one).
    public func setIdentity(_ identity: String, of residentID: String) async throws {
        try await database.write { connection in
            try connection.execute("UPDATE residents SET identity = ? WHERE id = ?", identity, residentID)
        }
    }

    /// The audit of contact changes: (field, actor, time), oldest first.
    public func contactChanges(of residentID: String) async throws -> [(field: String, actor: String, at: Date)] {
        try await database.read { connection in
            try connection.query(
                "SELECT field, actor, at FROM resident_contact_changes WHERE resident_id = ? ORDER BY id", residentID
            ).map { row in (try row.get("field"), try row.get("actor"), try row.get("at")) }
        }
    }

    public func resident(_ id: String) async throws -> Resident? {
        try await database.read { connection in try Self.resident(id, in: connection) }
    }

    public static func resident(_ id: String, in connection: Connection) throws -> Resident? {
        guard let row = try connection.queryOne("SELECT * FROM residents WHERE id = ?", id) else { return nil }
        var resident = Resident(
            id: try row.get("id"), name: try row.get("name"), language: try row.get("language"),
            email: try row.get("email"), phone: try row.get("phone"), consentEmail: try row.get("consent_email"),
            consentSMS: try row.get("consent_sms"),
            preferredChannel: (try row.get("preferred_channel", as: String?.self)).flatMap(Resident.Channel.init),
            quietStart: try row.get("quiet_start"), quietEnd: try row.get("quiet_end"),
            postalCode: try row.get("postal_code"), district: try row.get("district"),
            identity: try row.get("identity"))
        resident.contactChangedAt = try row.get("contact_changed_at")
        return resident
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

extension ArrangementStore {
    /// One-click unsubscribe: the resident no longer receives email (false: no such resident).
    public func withdrawEmailConsent(of residentID: String, now: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.execute(
                "UPDATE residents SET consent_email = 0, updated_at = ? WHERE id = ?", now, residentID)
            return connection.changes > 0
        }
    }
}
