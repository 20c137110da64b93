import Foundation
import NeuvoLanguage

/// A flat little-endian byte format for the search's built structures, so a start reads them instead of building
/// them again. Written and read only by this module, for the same format version (`RegistryIndexStore.format`);
/// anything unexpected throws and the structures are built instead.
struct IndexWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1 << 20) {
        bytes.reserveCapacity(capacity)
    }

    mutating func int(_ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int32(_ value: Int32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func double(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            int32(Int32(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func optional<Value>(_ value: Value?, _ write: (inout IndexWriter, Value) -> Void) {
        bool(value != nil)
        if let value { write(&self, value) }
    }

    mutating func array<Value>(_ values: [Value], _ write: (inout IndexWriter, Value) -> Void) {
        int(values.count)
        for value in values { write(&self, value) }
    }

    mutating func int32s(_ values: [Int32]) {
        int(values.count)
        for value in values { int32(value) }
    }

    mutating func ints(_ values: [Int]) {
        int(values.count)
        for value in values { int(value) }
    }

    mutating func names(_ value: LocalizedNames) {
        optional(value.fi) { $0.string($1) }
        optional(value.sv) { $0.string($1) }
        optional(value.en) { $0.string($1) }
    }

    mutating func coordinates(_ value: Coordinates?) {
        optional(value) {
            $0.double($1.latitude)
            $0.double($1.longitude)
        }
    }
}

struct IndexReadError: Error, CustomStringConvertible {
    let description: String
}

struct IndexReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int) throws -> Int {
        guard count >= 0, offset + count <= bytes.count else { throw IndexReadError(description: "truncated") }
        defer { offset += count }
        return offset
    }

    private mutating func load<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let start = try take(MemoryLayout<T>.size)
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: start, as: T.self)) }
    }

    mutating func int() throws -> Int { Int(try load(Int64.self)) }
    mutating func int32() throws -> Int32 { try load(Int32.self) }
    mutating func double() throws -> Double { Double(bitPattern: try load(UInt64.self)) }
    mutating func bool() throws -> Bool { try load(UInt8.self) != 0 }

    mutating func string() throws -> String {
        let count = Int(try int32())
        let start = try take(count)
        return bytes.withUnsafeBufferPointer { String(decoding: $0[start..<(start + count)], as: UTF8.self) }
    }

    mutating func count() throws -> Int {
        let count = try int()
        // Every element takes at least one byte: a count past the end is corrupt, not a reason to allocate.
        guard count >= 0, count <= bytes.count - offset else { throw IndexReadError(description: "bad count") }
        return count
    }

    mutating func optional<Value>(_ read: (inout IndexReader) throws -> Value) throws -> Value? {
        try bool() ? try read(&self) : nil
    }

    mutating func array<Value>(_ read: (inout IndexReader) throws -> Value) throws -> [Value] {
        let count = try count()
        var values: [Value] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try read(&self)) }
        return values
    }

    mutating func int32s() throws -> [Int32] { try array { try $0.int32() } }
    mutating func ints() throws -> [Int] { try array { try $0.int() } }

    mutating func names() throws -> LocalizedNames {
        LocalizedNames(
            fi: try optional { try $0.string() }, sv: try optional { try $0.string() },
            en: try optional { try $0.string() })
    }

    mutating func coordinates() throws -> Coordinates? {
        try optional { Coordinates(latitude: try $0.double(), longitude: try $0.double()) }
    }

    mutating func language() throws -> Language {
        guard let language = Language(rawValue: try string()) else {
            throw IndexReadError(description: "bad language")
        }
        return language
    }
}
