import Foundation

/// A key as decoded from a terminal in raw mode.
enum TerminalKey: Equatable, Sendable {
    case character(Character)
    case enter
    case backspace
    case delete
    case left
    case right
    case home
    case end
    case up
    case down
    /// Ctrl-U: clear the line.
    case killLine
    /// Ctrl-C.
    case interrupt
    /// Ctrl-D.
    case endOfFile
}

/// Turns raw bytes into keys: UTF-8 text, control keys, and CSI/SS3 escape sequences (arrows, Home, End, Delete in
/// xterm, VT100 and rxvt forms). Unknown sequences and stray control bytes are swallowed, so nothing a resident pastes
/// reaches the terminal as an escape.
struct KeyDecoder {
    private enum State {
        case ground
        case escape
        case csi([UInt8])
        case ss3
        case utf8(needed: Int, bytes: [UInt8])
    }

    private var state = State.ground

    mutating func feed(_ byte: UInt8) -> TerminalKey? {
        switch state {
        case .ground:
            return ground(byte)
        case .escape:
            switch byte {
            case UInt8(ascii: "["): state = .csi([])
            case UInt8(ascii: "O"): state = .ss3
            case 0x1B: state = .escape
            default: state = .ground  // Alt+key: ignored
            }
            return nil
        case .csi(var parameters):
            if (0x40...0x7E).contains(byte) {
                state = .ground
                return Self.csi(final: byte, parameters: String(decoding: parameters, as: UTF8.self))
            }
            // A runaway sequence is dropped rather than buffered forever.
            guard (0x20...0x3F).contains(byte), parameters.count < 16 else {
                state = .ground
                return nil
            }
            parameters.append(byte)
            state = .csi(parameters)
            return nil
        case .ss3:
            state = .ground
            return Self.csi(final: byte, parameters: "")
        case .utf8(let needed, var bytes):
            guard byte & 0xC0 == 0x80 else {
                state = .ground
                return ground(byte)
            }
            bytes.append(byte)
            guard bytes.count == needed else {
                state = .utf8(needed: needed, bytes: bytes)
                return nil
            }
            state = .ground
            let scalar = String(decoding: bytes, as: UTF8.self)
            guard let character = scalar.first, scalar != "\u{FFFD}" else { return nil }
            return Self.printable(character) ? .character(character) : nil
        }
    }

    private mutating func ground(_ byte: UInt8) -> TerminalKey? {
        switch byte {
        case 0x1B: state = .escape
        case 0x0D, 0x0A: return .enter
        case 0x7F, 0x08: return .backspace
        case 0x03: return .interrupt
        case 0x04: return .endOfFile
        case 0x01: return .home
        case 0x05: return .end
        case 0x02: return .left
        case 0x06: return .right
        case 0x10: return .up
        case 0x0E: return .down
        case 0x15: return .killLine
        case 0x20..<0x7F: return .character(Character(Unicode.Scalar(byte)))
        case 0xC2...0xDF: state = .utf8(needed: 2, bytes: [byte])
        case 0xE0...0xEF: state = .utf8(needed: 3, bytes: [byte])
        case 0xF0...0xF4: state = .utf8(needed: 4, bytes: [byte])
        default: break  // other controls and invalid bytes
        }
        return nil
    }

    private static func csi(final: UInt8, parameters: String) -> TerminalKey? {
        switch (final, parameters) {
        case (UInt8(ascii: "A"), _): .up
        case (UInt8(ascii: "B"), _): .down
        case (UInt8(ascii: "C"), _): .right
        case (UInt8(ascii: "D"), _): .left
        case (UInt8(ascii: "H"), _): .home
        case (UInt8(ascii: "F"), _): .end
        case (UInt8(ascii: "~"), "1"), (UInt8(ascii: "~"), "7"): .home
        case (UInt8(ascii: "~"), "4"), (UInt8(ascii: "~"), "8"): .end
        case (UInt8(ascii: "~"), "3"): .delete
        default: nil
        }
    }

    /// Letters, marks, numbers, punctuation, symbols and spaces: never controls, bidi overrides or other formats.
    static func printable(_ character: Character) -> Bool {
        character.unicodeScalars.allSatisfy { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: false
            default: true
            }
        }
    }
}

/// The line being typed, its cursor and the history: pure state, so it is tested by feeding keys.
struct LineEditor {
    enum Outcome: Equatable {
        case editing
        case submit(String)
        case interrupt
        case endOfFile
    }

    private(set) var buffer: [Character] = []
    private(set) var cursor = 0
    private(set) var history: [String] = []
    /// The history entry shown, or nil for the line being written.
    private var historyIndex: Int?
    /// The line being written, kept while browsing history.
    private var scratch: [Character] = []
    let historyLimit: Int

    init(history: [String] = [], historyLimit: Int = 200) {
        self.history = history
        self.historyLimit = historyLimit
    }

    var line: String { String(buffer) }

    mutating func handle(_ key: TerminalKey) -> Outcome {
        switch key {
        case .character(let character):
            buffer.insert(character, at: cursor)
            cursor += 1
        case .backspace:
            if cursor > 0 {
                buffer.remove(at: cursor - 1)
                cursor -= 1
            }
        case .delete:
            if cursor < buffer.count { buffer.remove(at: cursor) }
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(buffer.count, cursor + 1)
        case .home: cursor = 0
        case .end: cursor = buffer.count
        case .killLine:
            buffer.removeAll()
            cursor = 0
        case .up: browse(by: -1)
        case .down: browse(by: 1)
        case .interrupt: return .interrupt
        case .endOfFile:
            // As in readline: Ctrl-D ends only on an empty line, otherwise deletes under the cursor.
            if buffer.isEmpty { return .endOfFile }
            if cursor < buffer.count { buffer.remove(at: cursor) }
        case .enter:
            let submitted = line
            if !submitted.trimmingCharacters(in: .whitespaces).isEmpty && history.last != submitted {
                history.append(submitted)
                if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
            }
            buffer.removeAll()
            cursor = 0
            historyIndex = nil
            scratch = []
            return .submit(submitted)
        }
        return .editing
    }

    private mutating func browse(by step: Int) {
        guard !history.isEmpty else { return }
        let current = historyIndex ?? history.count
        let next = min(history.count, max(0, current + step))
        guard next != current else { return }
        if historyIndex == nil { scratch = buffer }
        if next == history.count {
            historyIndex = nil
            buffer = scratch
        } else {
            historyIndex = next
            buffer = Array(history[next])
        }
        cursor = buffer.count
    }

    /// What to write to redraw the line: back to column 0, prompt, text, clear the rest, cursor into place.
    /// Assumes one column per character (wide East Asian characters would misplace the cursor).
    func render(prompt: String) -> String {
        var output = "\r" + prompt + line + "\u{1B}[K"
        let back = buffer.count - cursor
        if back > 0 { output += "\u{1B}[\(back)D" }
        return output
    }
}
