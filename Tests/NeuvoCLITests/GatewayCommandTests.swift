import Foundation
import NeuvoTestSupport
import Testing

@Suite("neuvo residents, arrange, notices, dispatch")
struct GatewayCommandTests {
    let residents = """
        {"id": "R1", "name": "Resident One", "lang": "fi", "email": "resident1@example.org", "phone": "+358401234567", "channel": "email", "consent": {"email": true, "sms": true}, "quiet_hours": "none"}
        {"id": "R2", "name": "Resident Two", "lang": "sv", "phone": "+358401234568", "channel": "sms", "consent": {"sms": true}}
        {"id": "R3", "name": "Bad Language", "lang": "de", "email": "r3@example.org"}
        {"id": "R4", "name": "Injected", "lang": "en", "email": "a@b.org\\r\\nRCPT TO:<x@y.org>", "consent": {"email": true}}
        not json at all
        """

    @Test func residentsImportReportsBadRowsAndStoresGoodOnes() async throws {
        let folder = try TemporaryFolder()
        let file = folder.path("residents.jsonl")
        try residents.write(toFile: file, atomically: true, encoding: .utf8)
        let database = folder.path("neuvo.db")
        let result = try await NeuvoProcess.run([
            "residents", "import", "--db", database, "--catalog", projectRoot.path, file,
        ])
        #expect(result.status == 65)
        #expect(result.stdout.contains("2 residents stored, 3 rejected"))
        #expect(result.stdout.contains("\(file):3: unknown language 'de'"))
        #expect(result.stdout.contains("\(file):4: email:"))
        #expect(result.stdout.contains("\(file):5: not valid JSON"))
        #expect(!result.stdout.contains("RCPT"))  // the rejected address is not echoed back
    }

    /// A child that writes far more to stderr than a pipe holds (64 KiB) before closing stdout: the runner drains
    /// both pipes at once (reading stdout to its end first deadlocked here).
    @Test(.timeLimit(.minutes(1))) func aRunWithHundredsOfKilobytesOnStandardErrorCompletes() async throws {
        let folder = try TemporaryFolder()
        let csv = folder.path("arrangements.csv")
        var rows = ["resident,kind,details.district,details.closes"]
        for index in 0..<4_000 { rows.append("R\(index),budgeting_vote,Kallio,2027-01-31") }
        try rows.joined(separator: "\n").write(toFile: csv, atomically: true, encoding: .utf8)
        let result = try await NeuvoProcess.run(["arrange", "--db", folder.path("neuvo.db"), csv])
        #expect(result.status == 65)
        #expect(result.stderr.utf8.count > 128 * 1024)
        #expect(result.stdout.contains("0 created, 0 already existed, 4000 rejected"))
    }

    @Test func arrangeQueuesNoticesIdempotentlyAndNoticesListsThem() async throws {
        let folder = try TemporaryFolder()
        let database = folder.path("neuvo.db")
        let residentsFile = folder.path("residents.jsonl")
        try residents.split(separator: "\n").prefix(2).joined(separator: "\n").write(
            toFile: residentsFile, atomically: true, encoding: .utf8)
        let common = ["--db", database, "--catalog", projectRoot.path]
        #expect(try await NeuvoProcess.run(["residents", "import"] + common + [residentsFile]).status == 0)
        let csv = folder.path("arrangements.csv")
        try """
        resident,kind,idempotency_key,details.unit,details.start_date,details.accept_by
        R1,preschool_place,offer-1,"Kallion ala-aste, Helsinki",2027-08-01,2027-03-15
        R2,preschool_place,offer-2,Vuosaaren ala-aste,2027-08-01,2027-03-15
        R9,preschool_place,offer-3,X,2027-08-01,2027-03-15
        R1,preschool_place,offer-4,X,,2027-03-15
        """.write(toFile: csv, atomically: true, encoding: .utf8)
        let first = try await NeuvoProcess.run(["arrange"] + common + [csv])
        #expect(first.status == 65)
        #expect(first.stdout.contains("2 created, 0 already existed, 2 rejected"))
        #expect(first.stderr.contains("\(csv):4: unknown resident 'R9'"))
        #expect(first.stderr.contains("\(csv):5: a preschool_place arrangement needs details.start_date"))
        let again = try await NeuvoProcess.run(["arrange"] + common + [csv])
        #expect(again.stdout.contains("0 created, 2 already existed"))

        let single = try await NeuvoProcess.run(
            ["arrange"] + common + [
                "--resident", "R2", "--kind", "budgeting_vote", "--detail", "district=Kallio", "--detail",
                "closes=2027-01-31",
                "--idempotency-key", "vote-1", "--json",
            ])
        #expect(single.status == 0, "\(single.stderr)")
        #expect(single.stdout.contains(#""channel":"sms""#))

        let list = try await NeuvoProcess.run(["notices"] + common + ["--status", "queued"])
        #expect(list.stdout.split(separator: "\n").count == 3)
        let noticeID = String(list.stdout.split(separator: " ").first ?? "")
        let show = try await NeuvoProcess.run(["notices", "show"] + common + [noticeID])
        #expect(show.stdout.contains("audit trail:"))
        #expect(show.stdout.contains("- → queued: created"))
        // Only a dead or permanently failed notice is sent again.
        let refused = try await NeuvoProcess.run(["notices", "retry"] + common + [noticeID])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("notice \(noticeID) is queued and cannot become queued"))
    }

    /// A 10 MB file across several transactions (`neuvo arrange` writes 2,000 rows at a time while it parses the
    /// next): a byte order mark, CRLF line ends, blank lines, three broken lines of 3.2 MB each, and a key used
    /// twice in different transactions. Every line number is right, good rows are stored, and a re-run finds them.
    @Test func aTenMegabyteFileWithBrokenLinesIsReportedLineByLineAcrossTransactions() async throws {
        let folder = try TemporaryFolder()
        let database = folder.path("neuvo.db")
        let common = ["--db", database, "--catalog", projectRoot.path]
        let residentsFile = folder.path("residents.jsonl")
        try residents.split(separator: "\n").prefix(2).joined(separator: "\n").write(
            toFile: residentsFile, atomically: true, encoding: .utf8)
        #expect(try await NeuvoProcess.run(["residents", "import"] + common + [residentsFile]).status == 0)

        var lines: [String] = []
        var broken: [Int] = []
        for index in 0..<4_500 {
            if [1_000, 2_500, 4_000].contains(index) {
                lines.append("{\"resident\": \"R1\", " + String(repeating: "x", count: 3_200_000))
                broken.append(lines.count)
            }
            if index % 700 == 0 { lines.append("") }
            lines.append(
                #"{"resident": "R\#(index % 2 + 1)", "kind": "budgeting_vote", "details": {"district": "Kallio", "closes": "2027-01-31"}, "idempotency_key": "vote-\#(index)"}"#
            )
        }
        // The first row's key again, 4,000 rows later, with the same content: the same arrangement, not a new one.
        lines.append(lines[1])
        let file = folder.path("arrangements.jsonl")
        try Data(([0xEF, 0xBB, 0xBF] as [UInt8]) + Array(lines.joined(separator: "\r\n").utf8)).write(
            to: URL(fileURLWithPath: file))
        #expect(try FileManager.default.attributesOfItem(atPath: file)[.size] as! Int > 10_000_000)

        let first = try await NeuvoProcess.run(["arrange"] + common + [file])
        #expect(first.status == 65)
        #expect(first.stdout.contains("4500 created, 1 already existed, 3 rejected"), "\(first.stdout.suffix(300))")
        for line in broken { #expect(first.stderr.contains("\(file):\(line): not valid JSON")) }
        #expect(first.stderr.split(separator: "\n").filter { $0.hasPrefix("rejected: ") }.count == 3)
        #expect(first.stderr.count < 2_000)  // the broken lines are named, not echoed
        let again = try await NeuvoProcess.run(["arrange"] + common + [file])
        #expect(again.stdout.contains("0 created, 4501 already existed, 3 rejected"))
        let queued = try await NeuvoProcess.run(["notices"] + common + ["--status", "queued", "--limit", "10000"])
        #expect(queued.stdout.split(separator: "\n").count == 4_500)
    }

    @Test func dispatchWithoutAnyChannelIsAConfigurationError() async throws {
        let folder = try TemporaryFolder()
        let result = try await NeuvoProcess.run(
            ["dispatch", "--until-idle", "--db", folder.path("neuvo.db"), "--catalog", projectRoot.path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("NEUVO_SMTP_URL"))
    }
}
