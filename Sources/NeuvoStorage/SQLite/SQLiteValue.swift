import Foundation

/// A value as SQLite stores it (https://sqlite.org/datatype3.html §2).
public enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A Swift type that binds to a statement parameter and reads back from a column.
public protocol SQLiteValueConvertible: Sendable {
    var sqliteValue: SQLiteValue { get }
    /// Returns nil when the stored value cannot represent this type.
    init?(sqliteValue: SQLiteValue)
}

extension SQLiteValue: SQLiteValueConvertible {
    @inlinable public var sqliteValue: SQLiteValue { self }
    @inlinable public init?(sqliteValue: SQLiteValue) { self = sqliteValue }
}

extension Int64: SQLiteValueConvertible {
    @inlinable public var sqliteValue: SQLiteValue { .integer(self) }
    @inlinable public init?(sqliteValue: SQLiteValue) {
        guard case .integer(let value) = sqliteValue else { return nil }
        self = value
    }
}

extension Int: SQLiteValueConvertible {
    @inlinable public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
    @inlinable public init?(sqliteValue: SQLiteValue) {
        guard case .integer(let value) = sqliteValue else { return nil }
        self = Int(value)
    }
}

extension Bool: SQLiteValueConvertible {
    @inlinable public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
    @inlinable public init?(sqliteValue: SQLiteValue) {
        guard case .integer(let value) = sqliteValue else { return nil }
        self = value != 0
    }
}

extension Double: SQLiteValueConvertible {
    @inlinable public var sqliteValue: SQLiteValue { .real(self) }
    @inlinable public init?(sqliteValue: SQLiteValue) {
        switch sqliteValue {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

extension String: SQLiteValueConvertible {
    @inlinable public var sqliteValue: SQLiteValue { .text(self) }
    @inlinable public init?(sqliteValue: SQLiteValue) {
        guard case .text(let value) = sqliteValue else { return nil }
        self = value
    }
}

extension Data: SQLiteValueConvertible {
    @inlinable public var sqliteValue: SQLiteValue { .blob([UInt8](self)) }
    @inlinable public init?(sqliteValue: SQLiteValue) {
        guard case .blob(let bytes) = sqliteValue else { return nil }
        self = Data(bytes)
    }
}

/// Dates are stored as Unix time in milliseconds: sortable, compact and exact enough for audit trails.
extension Date: SQLiteValueConvertible {
    @inlinable public var sqliteValue: SQLiteValue { .integer(Int64((timeIntervalSince1970 * 1000).rounded())) }
    @inlinable public init?(sqliteValue: SQLiteValue) {
        guard case .integer(let milliseconds) = sqliteValue else { return nil }
        self = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

extension Optional: SQLiteValueConvertible where Wrapped: SQLiteValueConvertible {
    @inlinable public var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
    @inlinable public init?(sqliteValue: SQLiteValue) {
        if case .null = sqliteValue {
            self = .none
        } else if let value = Wrapped(sqliteValue: sqliteValue) {
            self = .some(value)
        } else {
            return nil
        }
    }
}

/// One result row, detached from the statement that produced it.
public struct Row: Sendable, Hashable {
    public let columns: [String]
    public let values: [SQLiteValue]

    public subscript(index: Int) -> SQLiteValue { values[index] }

    public subscript(column: String) -> SQLiteValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// Reads a typed column; a missing column or an incompatible value is an error naming the column.
    /// Inlinable, like the conversions, so that a caller in another module gets a copy specialised to its type:
    /// unspecialised, every read looks up the type's metadata (docs/BENCHMARKS.md).
    @inlinable
    public func get<Value: SQLiteValueConvertible>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        guard let index = columns.firstIndex(of: column) else { throw Self.noColumn(column) }
        return try get(index, as: type)
    }

    @inlinable
    public func get<Value: SQLiteValueConvertible>(_ index: Int, as type: Value.Type = Value.self) throws -> Value {
        guard let value = Value(sqliteValue: values[index]) else { throw mismatch(index, Value.self) }
        return value
    }

    @usableFromInline static func noColumn(_ column: String) -> SQLiteError {
        SQLiteError(code: 1, message: "no column named \(column) in the result")
    }

    @usableFromInline func mismatch(_ index: Int, _ type: Any.Type) -> SQLiteError {
        SQLiteError(
            code: 20,  // SQLITE_MISMATCH
            message: "column \(columns[index]) holds \(values[index]), which is not a \(type)")
    }
}
