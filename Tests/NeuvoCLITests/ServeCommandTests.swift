import Foundation
import Testing

/// A running `neuvo serve`, started on a free port (the port it prints), stopped with SIGTERM.
final class RunningServer: @unchecked Sendable {  // used by one test at a time
    let process = Process()
    let url: URL
    private let output = Pipe()

    init(folder: TemporaryFolder) async throws {
        process.executableURL = NeuvoProcess.executable
        process.arguments = ["serve", "--port", "0", "--db", folder.path("neuvo.db"), "--catalog", projectRoot.path]
        process.environment = ["HOME": folder.path("home"), "NEUVO_LOG_LEVEL": "warning"]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
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

    @Test func connectNeedsAReachableHTTPAddress() async throws {
        let refused = try await NeuvoProcess.run(["chat", "--connect", "http://127.0.0.1:9", "--json"], stdin: "hei\n")
        #expect(refused.status == 74)
        #expect(refused.stderr.contains("cannot reach http://127.0.0.1:9"))
        let wrong = try await NeuvoProcess.run(["chat", "--connect", "ftp://x"], stdin: "hei\n")
        #expect(wrong.status == 64)
    }
}
