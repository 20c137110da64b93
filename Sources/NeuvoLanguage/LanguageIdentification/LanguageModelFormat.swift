import Foundation

/// Errors of `LanguageIdentifier.init(modelData:)`.
public enum LanguageModelError: Error, Equatable, Sendable {
    case badMagic
    case unsupportedVersion(Int)
    case badLanguages
    case badHashBits(Int)
    case truncated(expected: Int, actual: Int)
}

/// Model file layout (version 1, little-endian):
///
///     "NLID"  version:u8  bits:u8  classes:u8 (= 3)  language codes: 2 ASCII bytes each ("fi", "sv", "en")
///     scale:f32  temperature:f32  bias: f32 × classes
///     weights: i8 × (2^bits × classes), bucket-major
///
/// The bytes depend only on the model, so regenerating from the same data gives the same file.
extension LanguageIdentifier {
    static let magic: [UInt8] = Array("NLID".utf8)
    static let formatVersion: UInt8 = 1

    public init(modelData data: Data) throws {
        let bytes = [UInt8](data)
        var reader = ByteReader(bytes: bytes)
        guard bytes.count >= 7, Array(bytes[0..<4]) == Self.magic else { throw LanguageModelError.badMagic }
        reader.position = 4
        let version = reader.readByte()
        guard version == Self.formatVersion else { throw LanguageModelError.unsupportedVersion(Int(version)) }
        let bits = Int(reader.readByte())
        guard (8...24).contains(bits) else { throw LanguageModelError.badHashBits(bits) }
        let classes = Int(reader.readByte())
        let headerSize = 7 + 2 * classes + 4 * (2 + classes)
        let expected = headerSize + (1 << bits) * classes
        guard bytes.count == expected else {
            throw LanguageModelError.truncated(expected: expected, actual: bytes.count)
        }
        var languages: [Language] = []
        for _ in 0..<classes {
            let code = String(decoding: [reader.readByte(), reader.readByte()], as: UTF8.self)
            guard let language = Language(rawValue: code) else { throw LanguageModelError.badLanguages }
            languages.append(language)
        }
        // Scoring unrolls exactly three classes in this order.
        guard languages == [.fi, .sv, .en] else { throw LanguageModelError.badLanguages }
        let scale = reader.readFloat()
        let temperature = reader.readFloat()
        let bias = (0..<classes).map { _ in reader.readFloat() }
        let weights = bytes[headerSize...].map { Int8(bitPattern: $0) }
        self.init(
            languages: languages, bits: bits, weights: weights, scale: scale, bias: bias, temperature: temperature)
    }

    /// Serialises the model (see the layout above); `init(modelData:)` reads it back.
    public func modelData() -> Data {
        var bytes = Self.magic
        bytes.append(Self.formatVersion)
        bytes.append(UInt8(hasher.bits))
        bytes.append(UInt8(languages.count))
        for language in languages { bytes.append(contentsOf: Array(language.rawValue.utf8.prefix(2))) }
        for value in [scale, temperature] + bias {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(contentsOf: weights.map { UInt8(bitPattern: $0) })
        return Data(bytes)
    }
}

private struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    mutating func readByte() -> UInt8 {
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readFloat() -> Float {
        var pattern: UInt32 = 0
        for shift in 0..<4 { pattern |= UInt32(readByte()) << (8 * shift) }
        return Float(bitPattern: pattern)
    }
}
