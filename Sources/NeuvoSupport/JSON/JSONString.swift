/// JSON string quoting (RFC 8259 §7) without going through JSONEncoder for every log line, escaping exactly what
/// JSONEncoder escapes (with `.withoutEscapingSlashes`), so either may write a stored or compared value.
public enum JSONString {
    /// `quote` written into a byte buffer, for bodies built as bytes (one allocation for the whole document).
    public static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            out.append(UInt8(ascii: "\""))
            if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                out.append(contentsOf: bytes)
            } else {
                out.append(contentsOf: quote(String(decoding: bytes, as: UTF8.self)).utf8.dropFirst().dropLast())
            }
            out.append(UInt8(ascii: "\""))
        }
    }

    public static func quote(_ text: String) -> String {
        // Most values need no escape at all: one scan of the bytes, then a plain concatenation.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// An array of strings, `["a","b"]`.
    public static func array(_ values: [String]) -> String {
        var out = "["
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            out += quote(value)
        }
        return out + "]"
    }

    /// The inverse of `object`: a flat JSON object whose values are all strings (RFC 8259 escapes, surrogate
    /// pairs), or nil for anything else, when the caller falls back to a full decoder. The outbox reads one per
    /// claimed notice; `JSONDecoder` costs more than the rest of the claim.
    public static func flatObject(_ text: String) -> [String: String]? {
        var text = text
        return text.withUTF8 { bytes -> [String: String]? in
            var reader = FlatObjectReader(bytes: bytes)
            return reader.object()
        }
    }

    /// The inverse of `array`: a JSON array of strings, or nil for anything else.
    public static func stringArray(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            var reader = FlatObjectReader(bytes: bytes)
            return reader.stringArray()
        }
    }

    /// A flat object of strings with its keys sorted, byte-for-byte stable for storage (what `JSONEncoder` with
    /// `.sortedKeys` gives, at a fraction of the cost: the outbox stores one for every notice).
    public static func object(_ values: [String: String]) -> String {
        var out = "{"
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            out += quote(key)
            out += ":"
            out += quote(values[key]!)
        }
        return out + "}"
    }
}

/// Reads `{"key": "value", ...}` or `["value", ...]` from UTF-8 bytes; nil on anything else.
private struct FlatObjectReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func object() -> [String: String]? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        var result: [String: String] = [:]
        if consume(UInt8(ascii: "}")) { return end(result) }
        repeat {
            skipWhitespace()
            guard let key = string(), consume(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            guard let value = string() else { return nil }
            result[key] = value
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { return nil }
        return end(result)
    }

    mutating func stringArray() -> [String]? {
        guard consume(UInt8(ascii: "[")) else { return nil }
        var result: [String] = []
        if consume(UInt8(ascii: "]")) { return end(result) }
        repeat {
            skipWhitespace()
            guard let value = string() else { return nil }
            result.append(value)
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "]")) else { return nil }
        return end(result)
    }

    mutating func end<Result>(_ result: Result) -> Result? {
        skipWhitespace()
        return index == bytes.count ? result : nil
    }

    mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        var output: String?
        var runStart = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let run = String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<index]), as: UTF8.self)
                index += 1
                guard let output else { return run }
                return output + run
            }
            if byte < 0x20 { return nil }
            if byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            output =
                (output ?? "") + String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<index]), as: UTF8.self)
            index += 1
            guard index < bytes.count else { return nil }
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "\""): output! += "\""
            case UInt8(ascii: "\\"): output! += "\\"
            case UInt8(ascii: "/"): output! += "/"
            case UInt8(ascii: "b"): output! += "\u{8}"
            case UInt8(ascii: "f"): output! += "\u{C}"
            case UInt8(ascii: "n"): output! += "\n"
            case UInt8(ascii: "r"): output! += "\r"
            case UInt8(ascii: "t"): output! += "\t"
            case UInt8(ascii: "u"):
                guard var unit = hex4() else { return nil }
                var scalar: Unicode.Scalar?
                if (0xD800..<0xDC00).contains(unit) {
                    // A high surrogate must be followed by an escaped low one.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u")
                    else { return nil }
                    index += 2
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    scalar = Unicode.Scalar(unit)
                } else {
                    scalar = Unicode.Scalar(unit)  // nil for a lone low surrogate
                }
                guard let scalar else { return nil }
                output!.unicodeScalars.append(scalar)
            default: return nil
            }
            runStart = index
        }
        return nil
    }

    mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
