import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The settings to put back, readable from a signal handler (which can capture nothing).
nonisolated(unsafe) private var savedSettings: termios?

private func restoreSavedSettings() {
    guard var settings = savedSettings else { return }
    _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &settings)
}

/// Standard input in raw mode for the line editor. The original settings are restored by `restore()`, which the
/// chat calls on every way out, and by handlers for the signals that can still end the process (SIGTERM, SIGHUP,
/// SIGQUIT; Ctrl-C arrives as a key while raw).
final class RawTerminal {
    private var active = false

    /// Nil when standard input is not a terminal or cannot be switched.
    static func enable() -> RawTerminal? {
        guard isatty(STDIN_FILENO) == 1 else { return nil }
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { return nil }
        var raw = original
        raw.c_iflag &= ~tcflag_t(ICRNL | IXON | BRKINT | INPCK | ISTRIP)
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        // Output processing stays on, so "\n" still starts a new line.
        withUnsafeMutableBytes(of: &raw.c_cc) { bytes in
            bytes[Int(VMIN)] = 1
            bytes[Int(VTIME)] = 0
        }
        savedSettings = original
        for signal in [SIGTERM, SIGHUP, SIGQUIT] {
            _ = Glibc.signal(signal) { number in
                restoreSavedSettings()
                _exit(128 + number)
            }
        }
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0 else {
            savedSettings = nil
            return nil
        }
        let terminal = RawTerminal()
        terminal.active = true
        return terminal
    }

    func restore() {
        guard active else { return }
        active = false
        restoreSavedSettings()
        savedSettings = nil
    }

    deinit { restore() }

    /// One byte from standard input; nil at end of input.
    func readByte() -> UInt8? {
        var byte: UInt8 = 0
        while true {
            let count = read(STDIN_FILENO, &byte, 1)
            if count == 1 { return byte }
            if count < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Reads keys until a line is submitted, Ctrl-C or Ctrl-D; redraws after every key.
    func readLine(editor: inout LineEditor, prompt: String, write: (String) -> Void) -> LineEditor.Outcome {
        var decoder = KeyDecoder()
        write(editor.render(prompt: prompt))
        while let byte = readByte() {
            guard let key = decoder.feed(byte) else { continue }
            let outcome = editor.handle(key)
            if case .editing = outcome {
                write(editor.render(prompt: prompt))
                continue
            }
            write("\r\n")
            return outcome
        }
        write("\r\n")
        return .endOfFile
    }
}
