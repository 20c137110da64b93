import Foundation
import NeuvoArrangements
import NeuvoStorage
import NeuvoTestSupport
import Testing

@testable import NeuvoNotifications

/// The migration that moved a notice's state out of its row: an outbox written under the old schema reads the
/// same through the view afterwards, its trail and attempts still point at it, and it keeps working.
@Suite("Notice state migration")
struct NoticeStateMigrationTests {
    /// Every column of the old `notices` table, in the order the view keeps.
    static let columns = """
        id, resident_id, arrangement_id, template_id, template_version, locale, channel, personalisation,
        idempotency_key, status, urgent, attempts, next_attempt_at, lease_until, provider_message_id, last_error,
        reference, created_at, updated_at
        """

    @Test func anOutboxWrittenBeforeTheSplitReadsTheSameAfterIt() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path("neuvo.db")
        let schema = StorageSchema.migrations + ArrangementsSchema.migrations + NotificationsSchema.migrations
        let split = try #require(schema.firstIndex { $0.id == "notifications.notice-state" })
        let before = try Database(path: path, options: Database.Options(migrations: Array(schema[..<split])))
        try await before.write { connection in
            try connection.execute(
                """
                INSERT INTO residents (id, name, language, email, phone, consent_email, consent_sms, created_at,
                    updated_at)
                VALUES ('R1', 'Resident One', 'fi', 'r1@example.org', '+358401234567', 1, 1, 1, 1)
                """)
            // A notice in each kind of state, and one deleted before the split (its rowid is a gap).
            let rows: [(String, String, String?, String?, String?, Int64?)] = [
                ("ntc_a", "queued", nil, nil, nil, nil),
                ("ntc_gone", "queued", nil, nil, nil, nil),
                ("ntc_b", "sending", nil, nil, nil, 9_000),
                ("ntc_c", "sent", "prov-1", nil, "ref-c", nil),
                ("ntc_d", "temporary_failure", nil, "SMTP 451", nil, nil),
            ]
            for (index, (id, status, providerID, lastError, reference, lease)) in rows.enumerated() {
                try connection.execute(
                    """
                    INSERT INTO notices (\(Self.columns))
                    VALUES (?, 'R1', NULL, 'preschool_place', 'v1', 'fi', ?, '{"unit":"Kallio"}', ?, ?, ?, ?, ?, ?,
                        ?, ?, ?, ?, ?)
                    """, id, index % 2 == 0 ? "sms" : "email", "key-\(id)", status, index == 3, index, 1_000 + index,
                    lease, providerID, lastError, reference, 100 + index, 200 + index)
                try connection.execute(
                    "INSERT INTO notice_transitions (notice_id, from_status, to_status, reason, at) VALUES (?, NULL, 'queued', 'created', 1)",
                    id)
            }
            try connection.execute(
                """
                INSERT INTO delivery_attempts (notice_id, attempt, channel, started_at, finished_at, outcome, detail)
                VALUES ('ntc_c', 1, 'sms', 5, 6, 'accepted', NULL)
                """)
            try connection.execute("DELETE FROM notice_transitions WHERE notice_id = 'ntc_gone'")
            try connection.execute("DELETE FROM notices WHERE id = 'ntc_gone'")
        }
        let query = "SELECT \(Self.columns) FROM notices ORDER BY id"
        let old = try await before.read { try $0.query(query) }
        await before.close()

        let after = try Database(path: path, options: Database.Options(migrations: schema))
        let migrated = try await after.read { try $0.query(query) }
        #expect(old.count == 4)
        #expect(migrated.map(\.values) == old.map(\.values))
        // The state is keyed by the old rowid: the deleted notice's number stays unused.
        let seqs = try await after.read { connection in
            try connection.query("SELECT seq FROM notices ORDER BY seq").map { try $0.get(0, as: Int64.self) }
        }
        #expect(seqs == [1, 3, 4, 5])
        // Each notice's trail and attempts point at it by seq now.
        let trail = try await after.read { connection in
            try connection.query(
                """
                SELECT c.id, count(t.id), (SELECT count(*) FROM delivery_attempts a WHERE a.notice_seq = c.seq)
                FROM notice_content c JOIN notice_transitions t ON t.notice_seq = c.seq GROUP BY c.id ORDER BY c.id
                """
            ).map { "\(try $0.get(0, as: String.self)):\(try $0.get(1, as: Int.self)):\(try $0.get(2, as: Int.self))" }
        }
        #expect(trail == ["ntc_a:1:0", "ntc_b:1:0", "ntc_c:1:1", "ntc_d:1:0"])
        #expect(try await after.read { try $0.query("PRAGMA foreign_key_check") }.isEmpty)
        #expect(try await after.integrityCheck() == ["ok"])

        // The claim's index and the foreign keys hold on the new tables.
        try await after.write { connection in
            try connection.execute(
                "UPDATE notice_state SET status = 'sending' WHERE notice_seq = (SELECT seq FROM notice_content WHERE id = 'ntc_a')"
            )
            #expect(throws: SQLiteError.self) {
                try connection.execute(
                    "INSERT INTO notice_state (notice_seq, channel, status, next_attempt_at, updated_at) VALUES (99, 'sms', 'queued', 0, 0)"
                )
            }
            #expect(throws: SQLiteError.self) {
                try connection.execute(
                    "INSERT INTO notice_transitions (notice_seq, to_status, reason, at) VALUES (99, 'queued', 'x', 0)"
                )
            }
        }
        #expect(
            try await after.read { try $0.scalar("SELECT status FROM notices WHERE id = 'ntc_a'", as: String.self) }
                == "sending")
        await after.close()
    }
}
