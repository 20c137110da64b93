import Foundation
import NeuvoTestSupport
import Testing

/// A running `neuvo serve`, started on a free port (the port it prints), stopped with SIGTERM.
final class RunningServer: @unchecked Sendable {  // used by one test at a time
    let process = Process()
    let url: URL
    private let output = Pipe()

    /// `log`: a file that receives the server's log (notice level and up); otherwise warnings are dropped.
    init(
        folder: TemporaryFolder, catalog: URL = projectRoot, environment: [String: String] = [:], log: URL? = nil
    ) async throws {
        process.executableURL = NeuvoProcess.executable
        process.arguments = ["serve", "--port", "0", "--db", folder.path("neuvo.db"), "--catalog", catalog.path]
        process.environment = ["HOME": folder.path("home"), "NEUVO_LOG_LEVEL": log == nil ? "warning" : "notice"]
            .merging(environment) { $1 }
        process.standardOutput = output
        if let log {
            #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
            process.standardError = try FileHandle(forWritingTo: log)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try ProcessLaunch.run(process)
        let handle = output.fileHandleForReading
        // The first line names the address; reading it blocks, so it happens on a dispatch thread.
        let line: String = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                var bytes: [UInt8] = []
                while let byte = try? handle.read(upToCount: 1), let first = byte.first, first != 0x0A {
                    bytes.append(first)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
        guard let range = line.range(of: "http://"), let end = line[range.lowerBound...].firstIndex(of: " "),
            let url = URL(string: String(line[range.lowerBound..<end]))
        else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "no address in: \(line)"]) }
        self.url = url
    }

    /// SIGTERM, then the exit status (waiting on a dispatch thread).
    func stop() async -> Int32 {
        process.terminate()
        let process = process
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }
}

@Suite("neuvo serve and neuvo chat --connect")
struct ServeCommandTests {
    @Test func chatConnectsToARunningServerAndTheServerStopsCleanlyOnSIGTERM() async throws {
        let folder = try TemporaryFolder()
        let server = try await RunningServer(folder: folder)
        let result = try await NeuvoProcess.run(
            ["chat", "--connect", server.url.absoluteString, "--json"],
            stdin: "missä on lähin kirjasto Kalliossa?\nentä puhelinnumero?\n")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map { String($0) }
        #expect(lines.count == 2)
        #expect(lines[0].contains(#""intent":"unit.find""#))
        #expect(lines[1].contains("310"))
        let sessions = lines.compactMap { line in
            line.range(of: #""session_id":"[0-9a-f]+""#, options: .regularExpression).map { String(line[$0]) }
        }
        #expect(sessions.count == 2 && sessions[0] == sessions[1])
        #expect(await server.stop() == 0)
    }

    /// A deployment's catalog folder that does not exist yet starts as a copy of the bundled catalog, which the
    /// server then answers from; a folder with files in it is never overwritten.
    @Test func aNewCatalogFolderIsSeededFromTheBundledCatalog() async throws {
        let folder = try TemporaryFolder()
        let catalog = folder.url.appendingPathComponent("deployment/catalog")
        let server = try await RunningServer(folder: folder, catalog: catalog)
        let result = try await NeuvoProcess.run(
            ["chat", "--connect", server.url.absoluteString, "--json"], stdin: "hei\n")
        #expect(result.stdout.contains(#""intent":"greeting""#), "\(result.stderr)")
        #expect(await server.stop() == 0)
        let greeting = catalog.appendingPathComponent("intents/greeting.json")
        #expect(FileManager.default.fileExists(atPath: greeting.path))
        #expect(FileManager.default.fileExists(atPath: catalog.appendingPathComponent("locales/widget.json").path))
        // Edited by staff, then served again: the edit stays.
        try Data("{ staff edit }".utf8).write(to: catalog.appendingPathComponent("locales/note.txt"))
        let again = try await RunningServer(folder: folder, catalog: catalog)
        #expect(await again.stop() == 0)
        #expect(FileManager.default.fileExists(atPath: catalog.appendingPathComponent("locales/note.txt").path))
    }

    /// SIGHUP under serve: a locale text changed and reloaded reaches the next notice the dispatcher sends (it used
    /// to render with the texts of start-up). Delivery goes to a folder through the `file:` channel.
    @Test func aLocaleTextReloadedBySIGHUPReachesTheNextNoticeSent() async throws {
        let folder = try TemporaryFolder()
        let catalog = try folder.catalogCopy()
        let outbox = folder.url.appendingPathComponent("outbox")
        let log = folder.url.appendingPathComponent("serve.log")
        let server = try await RunningServer(
            folder: folder, catalog: catalog, environment: ["NEUVO_SMTP_URL": "file://" + outbox.path], log: log)
        let common = ["--db", folder.path("neuvo.db"), "--catalog", catalog.path]
        try
            #"{"id": "R1", "name": "Resident One", "lang": "fi", "email": "r1@example.org", "consent": {"email": true}}"#
            .write(toFile: folder.path("residents.jsonl"), atomically: true, encoding: .utf8)
        #expect(
            try await NeuvoProcess.run(["residents", "import"] + common + [folder.path("residents.jsonl")]).status == 0)
        func arrange(_ key: String) async throws {
            let result = try await NeuvoProcess.run(
                ["arrange"] + common + [
                    "--resident", "R1", "--kind", "preschool_place", "--detail", "unit=Kallion ala-aste", "--detail",
                    "start_date=2027-08-01", "--detail", "accept_by=2027-03-15", "--idempotency-key", key, "--urgent",
                ])
            #expect(result.status == 0, "\(result.stderr)")
        }
        func emails() -> [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []
            return names.filter { $0.hasSuffix(".eml") }.compactMap {
                // Without quoted-printable's soft line breaks, so that a link reads whole.
                try? String(contentsOf: outbox.appendingPathComponent($0), encoding: .utf8).replacingOccurrences(
                    of: "=\r\n", with: "")
            }
        }

        try await arrange("before")
        try await waitUntil("the first email is written") { emails().count == 1 }
        #expect(emails().first?.contains("Subject: Lapsellesi tarjotaan esiopetuspaikkaa") == true)
        // No public_base_url is set: links follow the address the server bound (--port 0 here).
        #expect(emails().first?.contains(server.url.absoluteString + "r/") == true)

        let notices = catalog.appendingPathComponent("locales/notices.json")
        try String(contentsOf: notices, encoding: .utf8).replacingOccurrences(
            of: "\"Lapsellesi tarjotaan esiopetuspaikkaa\"", with: "\"Esiopetuspaikka on varattu\""
        ).write(to: notices, atomically: true, encoding: .utf8)
        kill(server.process.processIdentifier, SIGHUP)
        try await waitUntil("the server logs catalog.reloaded") {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("catalog.reloaded")
        }
        try await arrange("after")
        try await waitUntil("the second email is written") { emails().count == 2 }
        #expect(emails().contains { $0.contains("Subject: Esiopetuspaikka on varattu") })
        #expect(await server.stop() == 0)
    }

    @Test func connectNeedsAReachableHTTPAddress() async throws {
        let refused = try await NeuvoProcess.run(["chat", "--connect", "http://127.0.0.1:9", "--json"], stdin: "hei\n")
        #expect(refused.status == 74)
        #expect(refused.stderr.contains("cannot reach http://127.0.0.1:9"))
        let wrong = try await NeuvoProcess.run(["chat", "--connect", "ftp://x"], stdin: "hei\n")
        #expect(wrong.status == 64)
    }
}
