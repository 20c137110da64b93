/// What the parser knows of one declared option, flag or positional argument. The wrappers create it
/// with closures that know the concrete value type; the parser works only with this erased form.
final class ArgumentSlot {
    enum Kind {
        case option
        case flag
        case positional
    }

    let kind: Kind
    var name: String?
    let short: Character?
    let help: String
    let valueName: String?
    let isRequired: Bool
    let isRepeating: Bool
    let allowedValues: [String]
    let defaultDescription: String?
    let parse: (String) -> Bool
    let setFlag: () -> Void
    var isSet = false

    init(
        kind: Kind, name: String?, short: Character?, help: String, valueName: String?, isRequired: Bool,
        isRepeating: Bool, allowedValues: [String], defaultDescription: String?, parse: @escaping (String) -> Bool,
        setFlag: @escaping () -> Void = {}
    ) {
        self.kind = kind
        self.name = name
        self.short = short
        self.help = help
        self.valueName = valueName
        self.isRequired = isRequired
        self.isRepeating = isRepeating
        self.allowedValues = allowedValues
        self.defaultDescription = defaultDescription
        self.parse = parse
        self.setFlag = setFlag
    }

    var displayValueName: String { valueName ?? name ?? "value" }
}

final class ValueBox<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Found by reflection on a command: every wrapper exposes its slot.
protocol ArgumentSlotProviding {
    var slot: ArgumentSlot { get }
}

/// A group of options shared by several commands (`@OptionGroup var global: GlobalOptions`).
protocol ArgumentGroupProviding {
    var groupValue: Any { get }
}

/// `--name <value>`. Optional values default to nil; others need a default or are required.
@propertyWrapper
public struct Option<Value: ExpressibleByArgument>: ArgumentSlotProviding {
    let slot: ArgumentSlot
    private let box: ValueBox<Value?>

    public var wrappedValue: Value {
        get {
            guard let value = box.value else { fatalError("required option --\(slot.name ?? "?") was not parsed") }
            return value
        }
        nonmutating set { box.value = newValue }
    }

    /// An option with a default value.
    public init(
        wrappedValue: Value, name: String? = nil, short: Character? = nil, valueName: String? = nil, help: String
    ) {
        let box = ValueBox<Value?>(wrappedValue)
        self.box = box
        slot = ArgumentSlot(
            kind: .option, name: name, short: short, help: help, valueName: valueName ?? Value.defaultValueName,
            isRequired: false, isRepeating: false, allowedValues: Value.allValueStrings,
            defaultDescription: wrappedValue.defaultValueDescription,
            parse: { text in
                guard let value = Value(argument: text) else { return false }
                box.value = value
                return true
            })
    }

    /// A required option: missing it is a usage error.
    @_disfavoredOverload
    public init(name: String? = nil, short: Character? = nil, valueName: String? = nil, help: String) {
        let box = ValueBox<Value?>(nil)
        self.box = box
        slot = ArgumentSlot(
            kind: .option, name: name, short: short, help: help, valueName: valueName ?? Value.defaultValueName,
            isRequired: true, isRepeating: false, allowedValues: Value.allValueStrings, defaultDescription: nil,
            parse: { text in
                guard let value = Value(argument: text) else { return false }
                box.value = value
                return true
            })
    }

    /// A repeatable option collecting every occurrence: `--detail a=1 --detail b=2`.
    public init<Element: ExpressibleByArgument>(
        name: String? = nil, short: Character? = nil, valueName: String? = nil, help: String
    ) where Value == [Element] {
        let box = ValueBox<Value?>([])
        self.box = box
        slot = ArgumentSlot(
            kind: .option, name: name, short: short, help: help, valueName: valueName ?? Element.defaultValueName,
            isRequired: false, isRepeating: true, allowedValues: Element.allValueStrings, defaultDescription: nil,
            parse: { text in
                guard let value = Element(argument: text) else { return false }
                box.value?.append(value)
                return true
            })
    }

    /// An optional option, nil when not given.
    public init<Wrapped>(name: String? = nil, short: Character? = nil, valueName: String? = nil, help: String)
    where Value == Wrapped? {
        let box = ValueBox<Value?>(.some(nil))
        self.box = box
        slot = ArgumentSlot(
            kind: .option, name: name, short: short, help: help, valueName: valueName ?? Value.defaultValueName,
            isRequired: false, isRepeating: false, allowedValues: Value.allValueStrings, defaultDescription: nil,
            parse: { text in
                guard let value = Value(argument: text) else { return false }
                box.value = value
                return true
            })
    }
}

/// `--name`, a Boolean switch.
@propertyWrapper
public struct Flag: ArgumentSlotProviding {
    let slot: ArgumentSlot
    private let box: ValueBox<Bool>

    public var wrappedValue: Bool {
        get { box.value }
        nonmutating set { box.value = newValue }
    }

    public init(wrappedValue: Bool = false, name: String? = nil, short: Character? = nil, help: String) {
        let box = ValueBox(wrappedValue)
        self.box = box
        slot = ArgumentSlot(
            kind: .flag, name: name, short: short, help: help, valueName: nil, isRequired: false, isRepeating: false,
            allowedValues: [], defaultDescription: nil, parse: { _ in false }, setFlag: { box.value = true })
    }
}

/// A positional argument; an array collects all remaining ones.
@propertyWrapper
public struct Argument<Value>: ArgumentSlotProviding {
    let slot: ArgumentSlot
    private let box: ValueBox<Value?>

    public var wrappedValue: Value {
        get {
            guard let value = box.value else { fatalError("required argument <\(slot.name ?? "?")> was not parsed") }
            return value
        }
        nonmutating set { box.value = newValue }
    }

    /// One required positional value.
    @_disfavoredOverload
    public init(valueName: String? = nil, help: String) where Value: ExpressibleByArgument {
        let box = ValueBox<Value?>(nil)
        self.box = box
        slot = ArgumentSlot(
            kind: .positional, name: nil, short: nil, help: help, valueName: valueName, isRequired: true,
            isRepeating: false, allowedValues: Value.allValueStrings, defaultDescription: nil,
            parse: { text in
                guard let value = Value(argument: text) else { return false }
                box.value = value
                return true
            })
    }

    /// Zero or more (or, with `atLeastOne`, one or more) positional values.
    public init<Element: ExpressibleByArgument>(valueName: String? = nil, atLeastOne: Bool = false, help: String)
    where Value == [Element] {
        let box = ValueBox<Value?>([])
        self.box = box
        slot = ArgumentSlot(
            kind: .positional, name: nil, short: nil, help: help, valueName: valueName, isRequired: atLeastOne,
            isRepeating: true, allowedValues: Element.allValueStrings, defaultDescription: nil,
            parse: { text in
                guard let value = Element(argument: text) else { return false }
                box.value?.append(value)
                return true
            })
    }
}

/// Options declared once and shared by several commands.
@propertyWrapper
public struct OptionGroup<Value: ParsableArguments>: ArgumentGroupProviding {
    public let wrappedValue: Value
    var groupValue: Any { wrappedValue }

    public init() {
        wrappedValue = Value()
    }
}
