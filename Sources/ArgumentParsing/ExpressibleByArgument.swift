import Foundation

/// A type an option or argument value can be parsed into.
public protocol ExpressibleByArgument {
    init?(argument: String)
    /// Shown in usage as `<value>` unless the option names its own value.
    static var defaultValueName: String { get }
    /// The allowed values, when there is a fixed set (shown in help and in errors).
    static var allValueStrings: [String] { get }
    /// How a default value is shown in help.
    var defaultValueDescription: String { get }
}

extension ExpressibleByArgument {
    public static var defaultValueName: String { "value" }
    public static var allValueStrings: [String] { [] }
    public var defaultValueDescription: String { "\(self)" }
}

extension String: ExpressibleByArgument {
    public init?(argument: String) { self = argument }
    public static var defaultValueName: String { "text" }
}

extension Int: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
    public static var defaultValueName: String { "n" }
}

extension Double: ExpressibleByArgument {
    public init?(argument: String) {
        guard let value = Double(argument), value.isFinite else { return nil }
        self = value
    }
    public static var defaultValueName: String { "number" }
}

/// String-backed enums parse from their raw values and list them in help: `--lang <fi|sv|en>`.
extension ExpressibleByArgument where Self: CaseIterable, Self: RawRepresentable, RawValue == String {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}

extension Optional: ExpressibleByArgument where Wrapped: ExpressibleByArgument {
    public init?(argument: String) {
        guard let value = Wrapped(argument: argument) else { return nil }
        self = .some(value)
    }
    public static var defaultValueName: String { Wrapped.defaultValueName }
    public static var allValueStrings: [String] { Wrapped.allValueStrings }
    public var defaultValueDescription: String { self.map(\.defaultValueDescription) ?? "none" }
}

extension Array: ExpressibleByArgument where Element: ExpressibleByArgument {
    public init?(argument: String) {
        guard let value = Element(argument: argument) else { return nil }
        self = [value]
    }
    public static var defaultValueName: String { Element.defaultValueName }
    public static var allValueStrings: [String] { Element.allValueStrings }
    public var defaultValueDescription: String { map(\.defaultValueDescription).joined(separator: ", ") }
}
