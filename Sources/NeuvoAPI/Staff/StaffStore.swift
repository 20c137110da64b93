import Foundation
import NeuvoCore
import NeuvoCrypto
import NeuvoStorage
import NeuvoSupport

/// What a staff member may do. Editors change intents and translations (into the draft); publishers publish the
/// draft and roll back; agents and operators are for the staff desk and operations.
public enum StaffRole: String, Sendable, Hashable, CaseIterable, Codable {
    case editor, publisher, agent, `operator`

    /// Roles from a comma- or space-separated list; unknown names are left out.
    public static func parse(_ text: String) -> Set<StaffRole> {
        Set(
            text.split(whereSeparator: { $0 == "," || $0 == " " }).compactMap {
                StaffRole(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased())
            })
    }

    static func encode(_ roles: Set<StaffRole>) -> String { roles.map(\.rawValue).sorted().joined(separator: ",") }
}

/// A signed-in staff member, as the request context carries it.
public struct StaffMember: Sendable, Hashable {
    public let id: String
    public let name: String
    public let roles: Set<StaffRole>
}

/// A staff session presented by its cookie.
public struct StaffSession: Sendable, Hashable {
    public let member: StaffMember
    public let csrf: String
    public let expiresAt: Date
}

/// One change in the draft.
public struct DraftChange: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case example, translation
        /// An example taken out of an intent: with an `example` of another intent or text, a move or an edit.
        case exampleRemoval = "example_removal"
    }
    public let id: Int64
    public let kind: Kind
    /// The intent of an example, the locale key of a translation.
    public let target: String
    public let lang: Language
    public let text: String
    public let memberID: String

    enum CodingKeys: String, CodingKey {
        case id, kind, target, lang, text
        case memberID = "member_id"
    }
}

/// A published catalog version (without its files).
public struct CatalogVersion: Sendable, Hashable, Codable {
    public let number: Int
    public let memberName: String?
    public let note: String
    public let createdAt: Date

    enum CodingKeys: String, CodingKey {
        case number, note
        case memberName = "published_by"
        case createdAt = "published_at"
    }
}

/// All staff SQL: members, invites, sessions, the audit log, reviews, the draft and published versions. Tokens are
/// stored only as their SHA-256: a copy of the database signs nobody in.
public struct StaffStore: Sendable {
    public let database: Database
    /// A staff session ends this long after sign-in, and after this long unused.
    public let sessionMaxSeconds: TimeInterval
    public let sessionIdleSeconds: TimeInterval

    public init(database: Database, sessionMaxSeconds: TimeInterval = 8 * 3600, sessionIdleSeconds: TimeInterval = 3600)
    {
        self.database = database
        self.sessionMaxSeconds = sessionMaxSeconds
        self.sessionIdleSeconds = sessionIdleSeconds
    }

    static func digest(_ token: String) -> String { Hex.encode(SHA256.hash(Array(token.utf8))) }
    static func token() -> String { Base64URL.encode(SecureRandom.bytes(32)) }

    // MARK: Members and sign-in

    /// Creates a member and a single-use sign-in token valid for `lifetime`; returns the token (shown once).
    public func invite(name: String, roles: Set<StaffRole>, lifetime: TimeInterval, now: Date) async throws -> String {
        let token = Self.token()
        let memberID = "staff_" + Base64URL.encode(SecureRandom.bytes(9))
        try await database.write { connection in
            try connection.execute(
                "INSERT INTO staff_members (id, name, roles, created_at) VALUES (?, ?, ?, ?)", memberID, name,
                StaffRole.encode(roles), now)
            try connection.execute(
                "INSERT INTO staff_invites (token_sha256, member_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
                Self.digest(token), memberID, now.addingTimeInterval(lifetime), now)
        }
        return token
    }

    /// Takes an invite once: the first redemption within its lifetime opens a session; any later one, or one after
    /// expiry, finds nothing.
    public func redeem(invite token: String, now: Date) async throws -> (session: String, member: StaffMember)? {
        guard token.count <= 128 else { return nil }
        return try await database.write { connection -> (String, StaffMember)? in
            guard
                let memberID = try connection.scalar(
                    """
                    UPDATE staff_invites SET used_at = ? WHERE token_sha256 = ? AND used_at IS NULL AND expires_at > ?
                    RETURNING member_id
                    """, now, Self.digest(token), now, as: String.self),
                let member = try Self.member(memberID, in: connection)
            else { return nil }
            return (try openSession(memberID, now: now, in: connection), member)
        }
    }

    /// A sign-in through the city's OpenID provider: the member with this subject, created or given the provider's
    /// current roles and name, and a new session.
    public func signIn(subject: String, name: String, roles: Set<StaffRole>, now: Date) async throws -> (
        session: String, member: StaffMember
    ) {
        try await database.write { connection in
            let existing = try connection.scalar(
                "SELECT id FROM staff_members WHERE subject = ?", subject, as: String.self)
            let memberID = existing ?? "staff_" + Base64URL.encode(SecureRandom.bytes(9))
            if existing == nil {
                try connection.execute(
                    "INSERT INTO staff_members (id, name, roles, subject, created_at) VALUES (?, ?, ?, ?, ?)", memberID,
                    name, StaffRole.encode(roles), subject, now)
            } else {
                try connection.execute(
                    "UPDATE staff_members SET name = ?, roles = ? WHERE id = ?", name, StaffRole.encode(roles),
                    memberID)
            }
            let session = try openSession(memberID, now: now, in: connection)
            return (session, StaffMember(id: memberID, name: name, roles: roles))
        }
    }

    func openSession(_ memberID: String, now: Date, in connection: Connection) throws -> String {
        let token = Self.token()
        try connection.execute(
            """
            INSERT INTO staff_sessions (token_sha256, member_id, csrf, created_at, expires_at, last_used_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """, Self.digest(token), memberID, Self.token(), now, now.addingTimeInterval(sessionMaxSeconds), now)
        return token
    }

    static func member(_ id: String, in connection: Connection) throws -> StaffMember? {
        guard let row = try connection.queryOne("SELECT id, name, roles FROM staff_members WHERE id = ?", id) else {
            return nil
        }
        return StaffMember(
            id: try row.get("id"), name: try row.get("name"), roles: StaffRole.parse(try row.get("roles")))
    }

    public enum SessionCheck: Sendable, Hashable {
        case valid(StaffSession)
        case expired
        case unknown
    }

    /// The one check of a staff cookie: known, within its absolute expiry and idle limit. A valid use counts as
    /// activity; an expired session is deleted.
    public func check(session token: String, now: Date) async throws -> SessionCheck {
        guard (20...128).contains(token.count) else { return .unknown }
        let digest = Self.digest(token)
        return try await database.write { connection -> SessionCheck in
            guard
                let row = try connection.queryOne(
                    "SELECT member_id, csrf, expires_at, last_used_at FROM staff_sessions WHERE token_sha256 = ?",
                    digest)
            else { return .unknown }
            let expires: Date = try row.get("expires_at")
            let lastUsed: Date = try row.get("last_used_at")
            guard now < expires, now.timeIntervalSince(lastUsed) < sessionIdleSeconds else {
                try connection.execute("DELETE FROM staff_sessions WHERE token_sha256 = ?", digest)
                return .expired
            }
            guard let member = try Self.member(try row.get("member_id"), in: connection) else { return .unknown }
            try connection.execute("UPDATE staff_sessions SET last_used_at = ? WHERE token_sha256 = ?", now, digest)
            return .valid(StaffSession(member: member, csrf: try row.get("csrf"), expiresAt: expires))
        }
    }

    public func signOut(session token: String) async throws {
        try await database.write { connection in
            try connection.execute("DELETE FROM staff_sessions WHERE token_sha256 = ?", Self.digest(token))
        }
    }

    // MARK: Audit

    public struct AuditEntry: Sendable, Hashable, Codable {
        public let memberName: String?
        public let action: String
        public let detail: String
        public let address: String
        public let status: Int
        public let at: Date

        enum CodingKeys: String, CodingKey {
            case action, detail, address, status, at
            case memberName = "member"
        }
    }

    public func audit(
        member: StaffMember?, action: String, detail: String, address: String, status: Int, now: Date
    ) async throws {
        try await database.write { connection in
            try connection.execute(
                """
                INSERT INTO staff_audit (member_id, member_name, action, detail, address, status, at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, member?.id, member?.name, action, detail, address, status, now)
        }
    }

    /// The newest entries first.
    public func auditLog(limit: Int = 200) async throws -> [AuditEntry] {
        try await database.read { connection in
            try connection.query(
                "SELECT member_name, action, detail, address, status, at FROM staff_audit ORDER BY id DESC LIMIT ?",
                limit
            ).map {
                AuditEntry(
                    memberName: try $0.get("member_name"), action: try $0.get("action"),
                    detail: try $0.get("detail"), address: try $0.get("address"), status: try $0.get("status"),
                    at: try $0.get("at"))
            }
        }
    }

    // MARK: Reviews of misunderstood messages

    public enum Decision: String, Sendable, Hashable, Codable {
        case example
        case outOfScope = "out_of_scope"
        case dismissed
    }

    public func review(lang: Language, key: String, decision: Decision, member: StaffMember, now: Date) async throws {
        try await database.write { connection in
            try connection.execute(
                """
                INSERT INTO staff_reviews (lang, text_key, decision, member_id, at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (lang, text_key) DO UPDATE SET decision = excluded.decision,
                    member_id = excluded.member_id, at = excluded.at
                """, lang.rawValue, key, decision.rawValue, member.id, now)
        }
    }

    /// "lang:key" of every reviewed group.
    public func reviewedKeys() async throws -> Set<String> {
        try await database.read { connection in
            Set(
                try connection.query("SELECT lang, text_key FROM staff_reviews").map {
                    "\(try $0.get("lang", as: String.self)):\(try $0.get("text_key", as: String.self))"
                })
        }
    }

    // MARK: The draft

    @discardableResult
    public func addToDraft(
        _ kind: DraftChange.Kind, target: String, lang: Language, text: String, member: StaffMember, now: Date
    ) async throws -> Int64 {
        try await database.write { connection in
            try connection.execute(
                """
                INSERT INTO staff_draft_changes (kind, target, lang, text, member_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, kind.rawValue, target, lang.rawValue, text, member.id, now)
            return connection.lastInsertRowID
        }
    }

    public func draft() async throws -> [DraftChange] {
        try await database.read { connection in
            try connection.query(
                "SELECT id, kind, target, lang, text, member_id FROM staff_draft_changes ORDER BY id"
            ).compactMap { row in
                guard let kind = DraftChange.Kind(rawValue: try row.get("kind")),
                    let lang = Language(rawValue: try row.get("lang"))
                else { return nil }
                return DraftChange(
                    id: try row.get("id"), kind: kind, target: try row.get("target"), lang: lang,
                    text: try row.get("text"), memberID: try row.get("member_id"))
            }
        }
    }

    /// Removes one change; false when there is none with this id.
    public func removeFromDraft(_ id: Int64) async throws -> Bool {
        try await database.write { connection in
            try connection.execute("DELETE FROM staff_draft_changes WHERE id = ?", id)
            return connection.changes > 0
        }
    }

    /// Locale keys whose Swedish or English text was published before their Finnish one changed (through the
    /// console): key → the languages that may need updating.
    public func staleTranslations() async throws -> [String: [Language]] {
        try await database.read { connection in
            var changed: [String: [Language: Date]] = [:]
            for row in try connection.query("SELECT key, lang, changed_at FROM staff_text_changes") {
                guard let lang = Language(rawValue: try row.get("lang")) else { continue }
                changed[try row.get("key"), default: [:]][lang] = try row.get("changed_at")
            }
            return changed.compactMapValues { times in
                guard let finnish = times[.fi] else { return nil }
                let stale = [Language.sv, .en].filter { (times[$0] ?? .distantPast) < finnish }
                return stale.isEmpty ? nil : stale
            }
        }
    }

    // MARK: Published versions

    public func versions() async throws -> [CatalogVersion] {
        try await database.read { connection in
            try connection.query(
                "SELECT number, member_name, note, created_at FROM staff_catalog_versions ORDER BY number DESC"
            ).map {
                CatalogVersion(
                    number: try $0.get("number"), memberName: try $0.get("member_name"), note: try $0.get("note"),
                    createdAt: try $0.get("created_at"))
            }
        }
    }

    /// The files of version `number` (path → content), or nil.
    public func files(ofVersion number: Int) async throws -> [String: String]? {
        let text = try await database.read { connection in
            try connection.scalar("SELECT files FROM staff_catalog_versions WHERE number = ?", number, as: String.self)
        }
        return text.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
    }

    /// Records a published catalog and removes the draft changes it contains (up to `draftUpTo`), in one transaction.
    public func recordVersion(
        files: [String: String], member: StaffMember?, note: String, evaluation: String?, draftUpTo: Int64?, now: Date
    ) async throws -> Int {
        let encoded = String(decoding: try JSONBody.encoder.encode(files), as: UTF8.self)
        return try await database.write { connection in
            let next =
                (try connection.scalar("SELECT max(number) FROM staff_catalog_versions", as: Int?.self) ?? nil)
                .map { $0 + 1 } ?? 1
            try connection.execute(
                """
                INSERT INTO staff_catalog_versions (number, files, member_id, member_name, note, evaluation, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, next, encoded, member?.id, member?.name, note, evaluation, now)
            if let draftUpTo {
                try connection.execute(
                    """
                    INSERT INTO staff_text_changes (key, lang, version, changed_at)
                    SELECT target, lang, ?, ? FROM staff_draft_changes WHERE kind = 'translation' AND id <= ?
                    ON CONFLICT (key, lang) DO UPDATE SET version = excluded.version, changed_at = excluded.changed_at
                    """, next, now, draftUpTo)
                try connection.execute("DELETE FROM staff_draft_changes WHERE id <= ?", draftUpTo)
            }
            return next
        }
    }
}
