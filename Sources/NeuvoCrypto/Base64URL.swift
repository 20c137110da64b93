import Foundation

/// RFC 4648 §5 base64url without padding: tokens and keys that travel in URLs and headers.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes directly from the bytes: links and ids are made for every notice, so no detour through base64 and
    /// three string replacements.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        append(bytes, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the base64url of `bytes` (no padding) to `output`: a token is written into one buffer.
    public static func append(_ bytes: [UInt8], to output: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0, to: &output, alphabet: alphabet, padded: false) }
    }

    /// RFC 4648 §4 into `output`: with `padded`, `=` fills the last group to four characters.
    static func append(
        _ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8], alphabet: [UInt8], padded: Bool
    ) {
        output.reserveCapacity(output.count + (bytes.count + 2) / 3 * 4)
        alphabet.withUnsafeBufferPointer { alphabet in
            var index = 0
            while index + 2 < bytes.count {
                let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                output.append(alphabet[Int(value >> 18 & 63)])
                output.append(alphabet[Int(value >> 12 & 63)])
                output.append(alphabet[Int(value >> 6 & 63)])
                output.append(alphabet[Int(value & 63)])
                index += 3
            }
            let rest = bytes.count - index
            guard rest > 0 else { return }
            let value = UInt32(bytes[index]) << 16 | (rest > 1 ? UInt32(bytes[index + 1]) << 8 : 0)
            output.append(alphabet[Int(value >> 18 & 63)])
            output.append(alphabet[Int(value >> 12 & 63)])
            if rest > 1 { output.append(alphabet[Int(value >> 6 & 63)]) }
            if padded { output.append(contentsOf: rest > 1 ? [0x3D] : [0x3D, 0x3D]) }
        }
    }

    /// nil for anything that is not unpadded base64url.
    public static func decode(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        guard text.count % 4 != 1 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }

    /// Strict base64url (RFC 4648 §5 without padding, as JOSE uses it: RFC 7515 §2): nil for padding, any
    /// character outside the alphabet, an impossible length, or unused trailing bits that are not zero, so that
    /// every byte string has exactly one accepted spelling. Decodes the bytes directly, without Foundation.
    public static func decodeCanonical(_ text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 4 != 1 else { return nil }
        var output = [UInt8]()
        output.reserveCapacity(text.count * 3 / 4)
        var accumulator: UInt32 = 0
        var pending = 0
        for character in text {
            let value = decodingTable[Int(character)]
            guard value != 0xff else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            pending += 1
            if pending == 4 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
                pending = 0
            }
        }
        switch pending {
        case 2:  // 12 bits: one byte and four unused bits
            guard accumulator & 0xf == 0 else { return nil }
            output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:  // 18 bits: two bytes and two unused bits
            guard accumulator & 0x3 == 0 else { return nil }
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default:
            break
        }
        return output
    }

    /// The value of each byte as a base64url digit, 0xFF for bytes outside the alphabet.
    private static let decodingTable: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()
}

/// RFC 4648 §4 base64 with padding, encoded here rather than through `Data`: the dispatcher writes a webhook
/// signature for every SMS.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        append(bytes, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    public static func append(_ bytes: [UInt8], to output: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { Base64URL.append($0, to: &output, alphabet: alphabet, padded: true) }
    }
}
