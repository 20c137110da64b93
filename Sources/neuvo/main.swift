import ArgumentParsing
import NeuvoCLI

await CommandRunner.main(root: Neuvo.self, exitCodeForError: Neuvo.exitCode(for:))
