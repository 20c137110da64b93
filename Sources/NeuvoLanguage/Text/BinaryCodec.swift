import NeuvoCore

/// A flat little-endian byte format for structures built from data (the gazetteer, the registry's indexes), so a
/// start reads them back instead of building them again. Written and read by the same build of the program only
/// (the caller keys what it stores by format and build); anything unexpected throws and the caller builds instead.
public struct BinaryWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func int(_ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func int32(_ value: Int32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func double(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            int32(Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func optional<Value>(_ value: Value?, _ write: (inout BinaryWriter, Value) -> Void) {
        bool(value != nil)
        if let value { write(&self, value) }
    }

    public mutating func array<Value>(_ values: [Value], _ write: (inout BinaryWriter, Value) -> Void) {
        int(values.count)
        for value in values { write(&self, value) }
    }

    public mutating func int32s(_ values: [Int32]) {
        int(values.count)
        for value in values { int32(value) }
    }

    public mutating func ints(_ values: [Int]) {
        int(values.count)
        for value in values { int(value) }
    }

    public mutating func strings(_ values: [String]) {
        array(values) { $0.string($1) }
    }
}

public struct BinaryReadError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

public struct BinaryReader {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int) throws -> Int {
        guard count >= 0, offset + count <= bytes.count else { throw BinaryReadError("truncated") }
        defer { offset += count }
        return offset
    }

    private mutating func load<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let start = try take(MemoryLayout<T>.size)
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: start, as: T.self)) }
    }

    public mutating func int() throws -> Int { Int(try load(Int64.self)) }
    public mutating func int32() throws -> Int32 { try load(Int32.self) }
    public mutating func double() throws -> Double { Double(bitPattern: try load(UInt64.self)) }
    public mutating func bool() throws -> Bool { try load(UInt8.self) != 0 }

    public mutating func string() throws -> String {
        let count = Int(try int32())
        let start = try take(count)
        return bytes.withUnsafeBufferPointer { String(decoding: $0[start..<(start + count)], as: UTF8.self) }
    }

    public mutating func count() throws -> Int {
        let count = try int()
        // Every element takes at least one byte: a count past the end is corrupt, not a reason to allocate.
        guard count >= 0, count <= bytes.count - offset else { throw BinaryReadError("bad count") }
        return count
    }

    public mutating func optional<Value>(_ read: (inout BinaryReader) throws -> Value) throws -> Value? {
        try bool() ? try read(&self) : nil
    }

    public mutating func array<Value>(_ read: (inout BinaryReader) throws -> Value) throws -> [Value] {
        let count = try count()
        var values: [Value] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try read(&self)) }
        return values
    }

    public mutating func int32s() throws -> [Int32] { try array { try $0.int32() } }
    public mutating func ints() throws -> [Int] { try array { try $0.int() } }
    public mutating func strings() throws -> [String] { try array { try $0.string() } }

    public mutating func language() throws -> Language {
        guard let language = Language(rawValue: try string()) else { throw BinaryReadError("bad language") }
        return language
    }
}
