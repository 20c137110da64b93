import Foundation
import NeuvoTestSupport
import Testing

@Suite("neuvo db backup: an online copy that restores")
struct DatabaseBackupTests {
    struct NoticeLine: Decodable, Hashable {
        let id: String
        let status: String
    }

    static func notices(_ database: String) async throws -> Set<NoticeLine> {
        let list = try await NeuvoProcess.run(["notices", "--db", database, "--json", "--limit", "1000"])
        #expect(list.status == 0, "\(list.stderr)")
        return Set(
            try list.stdout.split(separator: "\n").map {
                try JSONDecoder().decode(NoticeLine.self, from: Data($0.utf8))
            })
    }

    /// Backed up while `neuvo serve` runs, restored by copying the file: every notice is there, in its status.
    @Test func aBackupTakenWhileServingRestoresEveryNotice() async throws {
        let folder = try TemporaryFolder()
        let database = folder.path("neuvo.db")
        let server = try await RunningServer(folder: folder)
        try """
        {"id": "R1", "name": "Resident One", "lang": "fi", "email": "r1@example.org", "consent": {"email": true}, "quiet_hours": "none"}
        {"id": "R2", "name": "Resident Two", "lang": "sv", "phone": "+358401234568", "channel": "sms", "consent": {"sms": true}, "quiet_hours": "none"}
        """.write(toFile: folder.path("residents.jsonl"), atomically: true, encoding: .utf8)
        #expect(
            try await NeuvoProcess.run(["residents", "import", "--db", database, folder.path("residents.jsonl")]).status
                == 0)
        for (index, resident) in ["R1", "R2", "R1", "R2"].enumerated() {
            let arranged = try await NeuvoProcess.run([
                "arrange", "--db", database, "--resident", resident, "--kind", "budgeting_vote", "--detail",
                "district=Kallio", "--detail", "closes=2027-01-31", "--idempotency-key", "vote-\(index)",
            ])
            #expect(arranged.status == 0, "\(arranged.stderr)")
        }
        // Emails are sent (to a folder), SMS stay queued: notices in two states.
        let dispatched = try await NeuvoProcess.run(
            ["dispatch", "--until-idle", "--db", database],
            environment: ["NEUVO_SMTP_URL": "file://" + folder.path("outbox")])
        #expect(dispatched.status == 0, "\(dispatched.stderr)")
        let original = try await Self.notices(database)
        #expect(original.count == 4)
        #expect(Set(original.map(\.status)) == ["sent", "queued"])

        let backup = try await NeuvoProcess.run(["db", "backup", "--db", database, folder.path("backup.db")])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(await server.stop() == 0)

        try FileManager.default.copyItem(atPath: folder.path("backup.db"), toPath: folder.path("restored.db"))
        #expect(try await Self.notices(folder.path("restored.db")) == original)
        let check = try await NeuvoProcess.run(["db", "check", "--db", folder.path("restored.db")])
        #expect(check.status == 0, "\(check.stderr)")

        let again = try await NeuvoProcess.run(["db", "backup", "--db", database, folder.path("backup.db")])
        #expect(again.status == 73)
        #expect(again.stderr.contains("exists"))
    }
}
