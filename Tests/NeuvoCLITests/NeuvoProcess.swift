import Foundation
import NeuvoTestSupport
import Synchronization

/// Runs the built `neuvo` executable as a real process: what an operator or an integration sees.
struct NeuvoProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The executable sits next to the test bundle in the build folder.
    static let executable: URL = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var folder = bundle
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("neuvo")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return bundle.appendingPathComponent("neuvo")
    }()

    /// Runs the process on a dispatch thread: waiting for a child must never block a thread of Swift's small
    /// cooperative pool, where other tests' servers run their handlers.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], stdin: String = "", directory: URL? = nil
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Swift.Result {
                        try runBlocking(arguments, environment: environment, stdin: stdin, directory: directory)
                    })
            }
        }
    }

    static func runBlocking(
        _ arguments: [String], environment: [String: String], stdin: String, directory: URL? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var base = ["HOME": FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-home-\(UUID())").path]
        base["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        process.environment = base.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        // A child that exits before reading its input must not end this process with SIGPIPE: the write fails.
        signal(SIGPIPE, SIG_IGN)
        try ProcessLaunch.run(process)
        // Both pipes are drained at once, and stdin is written meanwhile: reading one to its end first would
        // deadlock with a child that fills the other (64 KiB) and blocks writing it.
        let group = DispatchGroup()
        let errData = Mutex(Data())
        DispatchQueue.global().async(group: group) {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            errData.withLock { $0 = data }
        }
        DispatchQueue.global().async(group: group) {
            try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.withLock { $0 }, as: UTF8.self))
    }
}
