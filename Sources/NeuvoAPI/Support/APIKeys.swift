import Foundation
import NeuvoCrypto
import NeuvoStorage

/// What an API key may do.
public enum APIScope: String, Sendable, Hashable, Codable, CaseIterable {
    case arrangementsWrite = "arrangements:write"
    /// `PUT /v1/residents/{id}`: changes where a resident's messages go, so it is not part of `arrangements:write`.
    case residentsWrite = "residents:write"
    case noticesRead = "notices:read"
    case admin
}

/// API keys of city systems and staff: `neuvo_<id>_<secret>`. Only the SHA-256 of the secret is stored, so a
/// copy of the database gives no usable key; the check compares in constant time.
public struct APIKeyStore: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public struct Key: Sendable, Hashable {
        public let id: String
        public let name: String
        public let scopes: Set<APIScope>
    }

    /// Creates a key and returns it in full: the only time it is ever shown.
    public func create(name: String, scopes: Set<APIScope>, now: Date) async throws -> String {
        let id = Hex.encode(SecureRandom.bytes(6))
        let secret = Base64URL.encode(SecureRandom.bytes(24))
        let hash = Hex.encode(SHA256.hash(Array(secret.utf8)))
        let scopeText = scopes.map(\.rawValue).sorted().joined(separator: " ")
        try await database.write { connection in
            try connection.execute(
                "INSERT INTO api_keys (id, name, secret_sha256, scopes, created_at) VALUES (?, ?, ?, ?, ?)", id, name,
                hash,
                scopeText, now)
        }
        return "neuvo_\(id)_\(secret)"
    }

    /// The key for a presented token, or nil when it is unknown, revoked or wrong.
    public func authenticate(_ token: String) async throws -> Key? {
        let parts = token.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "neuvo", parts[1].count == 12 else { return nil }
        let id = String(parts[1])
        let presented = SHA256.hash(Array(parts[2].utf8))
        guard
            let row = try await database.read({ connection in
                try connection.queryOne("SELECT * FROM api_keys WHERE id = ? AND revoked_at IS NULL", id)
            }), let stored = Hex.decode(try row.get("secret_sha256", as: String.self))
        else { return nil }
        guard constantTimeEquals(presented, stored) else { return nil }
        let scopes = Set(
            (try row.get("scopes", as: String.self)).split(separator: " ").compactMap { APIScope(rawValue: String($0)) }
        )
        return Key(id: id, name: try row.get("name"), scopes: scopes)
    }

    public func revoke(id: String, now: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", now, id)
            return connection.changes > 0
        }
    }
}
