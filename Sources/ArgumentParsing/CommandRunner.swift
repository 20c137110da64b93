import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Parses the process arguments, runs the chosen command and exits with its code.
public enum CommandRunner {
    /// - Parameter exitCodeForError: maps errors thrown by `run()` to exit codes and one-line messages.
    public static func main(
        root: any ParsableCommand.Type, arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        exitCodeForError: (any Error) -> (ExitCode, String)
    ) async -> Never {
        let result: ParseResult
        do {
            result = try CommandParser.parse(arguments, root: root)
        } catch {
            FileHandle.standardError.write(Data(error.report(root: root).utf8))
            exit(ExitCode.usage.rawValue)
        }
        switch result {
        case .help(let text):
            FileHandle.standardOutput.write(Data(text.utf8))
            exit(0)
        case .version(let text):
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
            exit(0)
        case .command(var command):
            do {
                try await command.run()
                exit(0)
            } catch {
                let (code, message) = exitCodeForError(error)
                FileHandle.standardError.write(Data("\(root.commandName): \(message)\n".utf8))
                exit(code.rawValue)
            }
        }
    }
}
