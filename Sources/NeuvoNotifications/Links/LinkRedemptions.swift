import Foundation
import NeuvoStorage

/// The single use of links: a redemption records the link's nonce, and a second redemption of the same nonce is
/// refused. Rows are kept only until the link would have expired anyway (then its signature refuses it).
public struct LinkRedemptions: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Whether this link was redeemed already (a read: showing a link's page mints and records nothing).
    public func isRedeemed(_ claims: ResidentLinkSigner.Claims) async throws -> Bool {
        try await database.read { connection in
            try connection.scalar(
                "SELECT count(*) FROM link_redemptions WHERE nonce = ?", claims.nonce, as: Int.self) ?? 0 > 0
        }
    }

    /// Records the redemption; false when the link was redeemed before. Two concurrent redemptions cannot both
    /// win: the nonce is the table's primary key.
    public func redeem(_ claims: ResidentLinkSigner.Claims, now: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.execute("DELETE FROM link_redemptions WHERE expires_at < ?", now)
            try connection.execute(
                """
                INSERT INTO link_redemptions (nonce, purpose, resident_id, redeemed_at, expires_at)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT (nonce) DO NOTHING
                """, claims.nonce, claims.purpose == .open ? "open" : "unsubscribe", claims.residentID, now,
                claims.expires)
            return connection.changes > 0
        }
    }

    /// Records that a fresh link was asked for in place of this redeemed one; false when it was asked for already
    /// (or the link was never redeemed): one re-send per link, so the button cannot flood the resident.
    public func markResent(_ claims: ResidentLinkSigner.Claims, now: Date) async throws -> Bool {
        try await database.write { connection in
            try connection.execute(
                "UPDATE link_redemptions SET resent_at = ? WHERE nonce = ? AND resent_at IS NULL", now, claims.nonce)
            return connection.changes > 0
        }
    }
}
