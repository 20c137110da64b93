/// A regular expression of the small subset the redaction rules are written in, matched by backtracking over a
/// text's UTF-8 with the semantics of ICU's matcher (which `NSRegularExpression` is): the leftmost match,
/// quantifiers greedy, alternatives tried in order, matches not overlapping, one character at a time.
///
/// Supported: literal characters and the escapes `\s \. \- \+ \( \) \\ \/ \[ \]`; classes `[...]` of literals and
/// ranges; groups `(?:...)`; alternation `|`; the quantifiers `? * + {m} {m,} {m,n}`; lookahead `(?=...)` and
/// `(?!...)`; lookbehind `(?<=x)` and `(?<!x)` of one character or class. Anything else is refused when the
/// pattern is compiled. Classes hold ASCII only, and `\s` is ICU's `\p{WhiteSpace}`.
///
/// Why not `NSRegularExpression`: redaction runs on every reply stored in a transcript, and a reply that names a
/// unit carries its phone number, which is when the phone rules run; bridging the text to UTF-16 and ICU's
/// matcher were a tenth of a chat turn. ICU also takes the square of a run's length on a run of address
/// characters with no match after it (16 KiB of letters and one '(' took seconds). The rules stay written as
/// expressions, and a differential test and the `FuzzRedaction` target hold this matcher to ICU's on them.
public struct RedactionPattern: Sendable {
    /// A set of characters: an ASCII bitmap, plus the non-ASCII white space `\s` also matches.
    struct UnitSet: Sendable, Equatable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var unicodeWhiteSpace = false

        init() {}

        init(_ unit: UInt16) { insert(unit) }

        mutating func insert(_ unit: UInt16) {
            if unit < 64 {
                low |= 1 << UInt64(unit)
            } else if unit < 128 {
                high |= 1 << UInt64(unit - 64)
            }
        }

        mutating func insert(_ range: ClosedRange<UInt16>) {
            for unit in range { insert(unit) }
        }

        func isDisjoint(with other: UnitSet) -> Bool {
            low & other.low == 0 && high & other.high == 0 && !(unicodeWhiteSpace && other.unicodeWhiteSpace)
        }

        mutating func formUnion(_ other: UnitSet) {
            low |= other.low
            high |= other.high
            unicodeWhiteSpace = unicodeWhiteSpace || other.unicodeWhiteSpace
        }

        /// `\s`: Unicode's White_Space property (ICU's definition of the escape).
        static let whiteSpace: UnitSet = {
            var set = UnitSet()
            set.insert(0x09...0x0D)
            set.insert(0x20)
            set.unicodeWhiteSpace = true
            return set
        }()

        @inline(__always)
        func containsASCII(_ byte: UInt8) -> Bool {
            if byte < 64 { return low & (1 << UInt64(byte)) != 0 }
            return high & (1 << UInt64(byte & 63)) != 0
        }

        /// The bytes of the character at `position` if the set holds it, else 0.
        @inline(__always)
        func width(in text: UnsafeBufferPointer<UInt8>, at position: Int) -> Int {
            let byte = text[position]
            if byte < 0x80 { return containsASCII(byte) ? 1 : 0 }
            guard unicodeWhiteSpace else { return 0 }
            let (scalar, width) = Self.decode(text, at: position)
            return Self.isNonASCIIWhiteSpace(scalar) ? width : 0
        }

        /// Whether the set holds the character that ends just before `position`.
        func containsCharacter(in text: UnsafeBufferPointer<UInt8>, before position: Int) -> Bool {
            let byte = text[position - 1]
            if byte < 0x80 { return containsASCII(byte) }
            guard unicodeWhiteSpace else { return false }
            var start = position - 1
            while start > 0 && text[start] & 0xC0 == 0x80 { start -= 1 }
            return Self.isNonASCIIWhiteSpace(Self.decode(text, at: start).scalar)
        }

        /// The scalar of the (valid, as a Swift string's is) UTF-8 sequence at `position`, and its length.
        static func decode(_ text: UnsafeBufferPointer<UInt8>, at position: Int) -> (scalar: UInt32, width: Int) {
            let lead = UInt32(text[position])
            func next(_ offset: Int) -> UInt32 { UInt32(text[position + offset] & 0x3F) }
            switch lead {
            case ..<0xE0: return ((lead & 0x1F) << 6 | next(1), 2)
            case ..<0xF0: return ((lead & 0x0F) << 12 | next(1) << 6 | next(2), 3)
            default: return ((lead & 0x07) << 18 | next(1) << 12 | next(2) << 6 | next(3), 4)
            }
        }

        static func isNonASCIIWhiteSpace(_ scalar: UInt32) -> Bool {
            switch scalar {
            case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
            default: false
            }
        }

        /// Whether a byte can begin a character of the set: ASCII by the bitmap, and the lead bytes of the
        /// non-ASCII white space (U+0085 and U+00A0: C2; U+1680: E1; U+2000–U+205F: E2; U+3000: E3).
        func mayStart(_ byte: UInt8) -> Bool {
            if byte < 0x80 { return containsASCII(byte) }
            return unicodeWhiteSpace && (byte == 0xC2 || (byte >= 0xE1 && byte <= 0xE3))
        }
    }

    indirect enum Node: Sendable {
        /// One character from the set.
        case unit(UnitSet)
        case sequence([Node])
        case alternation([Node])
        /// Greedy: as many as match, then fewer on backtracking.
        case repetition(Node, min: Int, max: Int?)
        /// A repetition of one set (the common case, matched in a loop); possessive: never gives characters back.
        case run(UnitSet, min: Int, max: Int?, possessive: Bool)
        case lookahead(Node, negated: Bool)
        /// The one character before the position is (or, negated, is not) in the set; nothing before counts as
        /// not in it.
        case lookbehind(UnitSet, negated: Bool)
    }

    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public let pattern: String
        public let offset: Int
        public let reason: String
        public var description: String { "pattern \(pattern.debugDescription) at \(offset): \(reason)" }
    }

    let root: Node
    /// Characters a match can start with: positions whose byte cannot start one are skipped without trying.
    let firstUnits: UnitSet
    /// Whether the pattern can match the empty text (then every position is tried).
    let nullable: Bool
    /// Set when the pattern begins with an unbounded possessive run of one set (`[a-z]+@...`): a failed attempt
    /// at one position of such a run fails at every later position of it too (each reaches the same end of the run
    /// in the same state), so the search goes on after the run. Without this, a long run with no match after it
    /// costs the square of its length.
    let skipsRuns: UnitSet?
    public let source: String

    public init(_ pattern: String) throws(SyntaxError) {
        var parser = Parser(pattern: pattern)
        root = Self.optimized(try parser.parse())
        (firstUnits, nullable) = Self.first(root)
        skipsRuns = Self.leadingRun(root)
        source = pattern
    }

    /// The byte ranges (UTF-8 offsets) of the non-overlapping matches in `text`, left to right.
    public func matches(in text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var found: [Range<Int>] = []
        let matcher = Matcher(text: text)
        var start = 0
        while start <= text.count {
            if !nullable {
                // The cheap scan: most positions cannot start a match.
                while start < text.count && !firstUnits.mayStart(text[start]) { start += 1 }
                if start == text.count { break }
            }
            if let end = matcher.match(root, at: start) {
                found.append(start..<end)
                start = end > start ? end : start + 1
            } else if let run = skipsRuns, start < text.count, run.width(in: text, at: start) > 0 {
                while start < text.count, case let width = run.width(in: text, at: start), width > 0 {
                    start += width
                }
            } else {
                start += 1
                // Never start inside a character.
                while start < text.count && text[start] & 0xC0 == 0x80 { start += 1 }
            }
        }
        return found
    }

    /// The matches in a string, as ranges of its UTF-8 offsets.
    public func matches(in text: String) -> [Range<Int>] {
        var text = text
        return text.withUTF8 { matches(in: $0) }
    }

    static func leadingRun(_ root: Node) -> UnitSet? {
        let first: Node
        if case .sequence(let nodes) = root, let head = nodes.first { first = head } else { first = root }
        if case .run(let set, let min, nil, true) = first, min <= 1 { return set }
        return nil
    }

    /// Repetitions of one set become runs, and a run is made possessive where giving characters back can never
    /// help: what follows it in its sequence cannot be empty and cannot start with a character of the set
    /// (`[a-z0-9.]+` before `@`). The matches stay the same; the backtracking that could not succeed is not done.
    static func optimized(_ node: Node) -> Node {
        switch node {
        case .unit, .lookbehind, .run:
            return node
        case .alternation(let options):
            return .alternation(options.map(optimized))
        case .repetition(.unit(let set), let min, let max):
            return .run(set, min: min, max: max, possessive: false)
        case .repetition(let inner, let min, let max):
            return .repetition(optimized(inner), min: min, max: max)
        case .lookahead(let inner, let negated):
            return .lookahead(optimized(inner), negated: negated)
        case .sequence(let nodes):
            var result = nodes.map(optimized)
            for index in result.indices.dropLast() {
                guard case .run(let set, let min, let max, false) = result[index] else { continue }
                let (follow, nullable) = first(.sequence(Array(result[(index + 1)...])))
                if !nullable && follow.isDisjoint(with: set) {
                    result[index] = .run(set, min: min, max: max, possessive: true)
                }
            }
            return .sequence(result)
        }
    }

    /// What the node's match can start with, and whether it can be empty.
    static func first(_ node: Node) -> (UnitSet, nullable: Bool) {
        switch node {
        case .unit(let set):
            return (set, false)
        case .run(let set, let min, _, _):
            return (set, min == 0)
        case .sequence(let nodes):
            var units = UnitSet()
            for node in nodes {
                let (first, nullable) = first(node)
                units.formUnion(first)
                if !nullable { return (units, false) }
            }
            return (units, true)
        case .alternation(let options):
            var units = UnitSet()
            var anyNullable = false
            for option in options {
                let (first, nullable) = first(option)
                units.formUnion(first)
                anyNullable = anyNullable || nullable
            }
            return (units, anyNullable)
        case .repetition(let node, let min, _):
            let (units, nullable) = first(node)
            return (units, nullable || min == 0)
        case .lookahead, .lookbehind:
            return (UnitSet(), true)
        }
    }

    /// Backtracking in continuation-passing style: each node matches at a position and calls the rest of the
    /// pattern (`next`) with where it ended; a failure there makes the node try its next way to match.
    struct Matcher {
        let text: UnsafeBufferPointer<UInt8>

        func match(_ node: Node, at start: Int) -> Int? {
            var end: Int?
            _ = run(node, start) { position in
                end = position
                return true
            }
            return end
        }

        func run(_ node: Node, _ position: Int, _ next: (Int) -> Bool) -> Bool {
            switch node {
            case .unit(let set):
                guard position < text.count else { return false }
                let width = set.width(in: text, at: position)
                return width > 0 && next(position + width)
            case .run(let set, let min, let max, let possessive):
                var end = position
                var count = 0
                while end < text.count, max.map({ count < $0 }) ?? true {
                    let width = set.width(in: text, at: end)
                    if width == 0 { break }
                    end += width
                    count += 1
                }
                if possessive { return count >= min && next(end) }
                while count >= min {
                    if next(end) { return true }
                    guard count > 0 else { break }
                    // Give back one character.
                    end -= 1
                    while text[end] & 0xC0 == 0x80 { end -= 1 }
                    count -= 1
                }
                return false
            case .sequence(let nodes):
                return sequence(nodes[...], position, next)
            case .alternation(let options):
                for option in options where run(option, position, next) { return true }
                return false
            case .repetition(let node, let min, let max):
                return repeated(node, min: min, max: max, count: 0, position, next)
            case .lookahead(let node, let negated):
                let found = run(node, position) { _ in true }
                return found != negated && next(position)
            case .lookbehind(let set, let negated):
                let found = position > 0 && set.containsCharacter(in: text, before: position)
                return found != negated && next(position)
            }
        }

        func sequence(_ nodes: ArraySlice<Node>, _ position: Int, _ next: (Int) -> Bool) -> Bool {
            guard let first = nodes.first else { return next(position) }
            let rest = nodes.dropFirst()
            return run(first, position) { end in sequence(rest, end, next) }
        }

        func repeated(_ node: Node, min: Int, max: Int?, count: Int, _ position: Int, _ next: (Int) -> Bool) -> Bool {
            if max.map({ count < $0 }) ?? true {
                // One more first (greedy). An iteration that matched nothing ends the loop, as in ICU.
                let more = run(node, position) { end in
                    end != position && repeated(node, min: min, max: max, count: count + 1, end, next)
                }
                if more { return true }
            }
            return count >= min && next(position)
        }
    }

    /// Recursive descent over the pattern's UTF-16 units.
    struct Parser {
        let pattern: String
        let units: [UInt16]
        var index = 0

        init(pattern: String) {
            self.pattern = pattern
            units = Array(pattern.utf16)
        }

        mutating func parse() throws(SyntaxError) -> Node {
            let node = try alternation()
            guard index == units.count else { throw error("unexpected ')'") }
            return node
        }

        func error(_ reason: String) -> SyntaxError { SyntaxError(pattern: pattern, offset: index, reason: reason) }

        var current: UInt16? { index < units.count ? units[index] : nil }

        mutating func take(_ unit: Character) -> Bool {
            guard current == unit.utf16.first else { return false }
            index += 1
            return true
        }

        mutating func alternation() throws(SyntaxError) -> Node {
            var options = [try sequence()]
            while take("|") { options.append(try sequence()) }
            return options.count == 1 ? options[0] : .alternation(options)
        }

        mutating func sequence() throws(SyntaxError) -> Node {
            var nodes: [Node] = []
            while let unit = current, unit != ascii("|"), unit != ascii(")") {
                nodes.append(try quantified())
            }
            return nodes.count == 1 ? nodes[0] : .sequence(nodes)
        }

        mutating func quantified() throws(SyntaxError) -> Node {
            let node = try atom()
            if case .lookahead = node { return node }
            if case .lookbehind = node { return node }
            if take("?") { return .repetition(node, min: 0, max: 1) }
            if take("*") { return .repetition(node, min: 0, max: nil) }
            if take("+") { return .repetition(node, min: 1, max: nil) }
            if take("{") {
                let min = try number()
                var max: Int? = min
                if take(",") { max = current == ascii("}") ? nil : try number() }
                guard take("}") else { throw error("'}' expected") }
                if let max, max < min { throw error("{m,n} with n < m") }
                return .repetition(node, min: min, max: max)
            }
            return node
        }

        mutating func number() throws(SyntaxError) -> Int {
            var value = 0
            var digits = 0
            while let unit = current, unit >= 0x30, unit <= 0x39, digits < 4 {
                value = value * 10 + Int(unit - 0x30)
                digits += 1
                index += 1
            }
            guard digits > 0 else { throw error("a count expected") }
            return value
        }

        mutating func atom() throws(SyntaxError) -> Node {
            guard let unit = current else { throw error("unexpected end") }
            switch unit {
            case ascii("("):
                index += 1
                guard take("?") else { throw error("only (?:...), (?=...), (?!...), (?<=x) and (?<!x) groups") }
                if take(":") {
                    let node = try alternation()
                    guard take(")") else { throw error("')' expected") }
                    return node
                }
                if take("=") || take("!") {
                    let negated = units[index - 1] == ascii("!")
                    let node = try alternation()
                    guard take(")") else { throw error("')' expected") }
                    return .lookahead(node, negated: negated)
                }
                if take("<") {
                    guard take("=") || take("!") else { throw error("(?<= or (?<! expected") }
                    let negated = units[index - 1] == ascii("!")
                    guard case .unit(let set) = try atom() else { throw error("a lookbehind holds one character") }
                    guard take(")") else { throw error("a lookbehind holds one character") }
                    return .lookbehind(set, negated: negated)
                }
                throw error("unsupported group")
            case ascii("["):
                index += 1
                return .unit(try characterClass())
            case ascii("\\"):
                return .unit(try escape())
            case ascii("."), ascii("^"), ascii("$"), ascii("*"), ascii("+"),
                ascii("?"), ascii("{"):
                throw error("unsupported or misplaced '\(Character(Unicode.Scalar(unit)!))'")
            default:
                guard unit < 128 else { throw error("only ASCII literals") }
                index += 1
                return .unit(UnitSet(unit))
            }
        }

        mutating func escape() throws(SyntaxError) -> UnitSet {
            index += 1  // the backslash
            guard let unit = current else { throw error("unfinished escape") }
            index += 1
            if unit == ascii("s") { return .whiteSpace }
            guard "\\.-+()/[]{}|?*^$".utf16.contains(unit) else { throw error("unsupported escape") }
            return UnitSet(unit)
        }

        mutating func characterClass() throws(SyntaxError) -> UnitSet {
            var set = UnitSet()
            guard current != ascii("^") else { throw error("negated classes are not supported") }
            while let unit = current, unit != ascii("]") {
                if unit == ascii("\\") {
                    let escaped = try escape()
                    set.formUnion(escaped)
                    continue
                }
                guard unit < 128 else { throw error("only ASCII in classes") }
                index += 1
                if current == ascii("-"), index + 1 < units.count, units[index + 1] != ascii("]") {
                    index += 1
                    guard let upper = current, upper < 128, upper >= unit else { throw error("bad range") }
                    index += 1
                    set.insert(unit...upper)
                } else {
                    set.insert(unit)
                }
            }
            guard take("]") else { throw error("']' expected") }
            return set
        }
    }
}

/// The UTF-16 code unit of an ASCII character.
private func ascii(_ scalar: Unicode.Scalar) -> UInt16 { UInt16(scalar.value) }
