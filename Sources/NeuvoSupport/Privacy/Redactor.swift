/// Removes personal data from free text before it is logged or stored in a transcript.
///
/// It is deliberately greedy: a henkilötunnus is removed whether or not its date or check character
/// is right (a mistyped code is still personal data), with every century sign and in either case.
/// Redaction happens once, at the log sink and the transcript store, never at call sites.
public struct Redactor: Sendable {
    public struct Rule: Sendable {
        public let name: String
        public let replacement: String
        public let pattern: String
        /// Matches with fewer digits are left alone (a postal code such as 00530 is not a phone number).
        var minimumDigits = 0
        /// What a text must have for the pattern to match at all; nil runs it on every text.
        var needs: Needs? = nil
    }

    /// A cheap necessary condition for a rule, checked before its regular expression.
    public enum Needs: Sendable {
        /// This many ASCII digits in a row.
        case digitRun(Int)
        /// An '@' or a '('.
        case atSignOrParenthesis
        /// This many ASCII digits in the whole text.
        case digits(Int)
        /// This many ASCII digits in one stretch of digits, spaces, '-', '(', ')' and '+': the only characters a
        /// phone number's expression matches, so its digits all lie in one such stretch.
        case phoneDigits(Int)
    }

    /// Order matters: a henkilötunnus holds digit runs that the phone rule would otherwise claim.
    public static let rules: [Rule] = [
        Rule(
            name: "henkilotunnus", replacement: "[HETU]",
            pattern: #"(?<![0-9A-Za-z])[0-9]{6}[-+YXWVUABCDEFyxwvuabcdef][0-9]{3}[0-9A-Za-z](?![0-9A-Za-z])"#,
            needs: .digitRun(6)),
        Rule(
            name: "email", replacement: "[EMAIL]",
            pattern: #"[A-Za-z0-9._%+\-]+(?:@|\s*\(at\)\s*)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"#,
            needs: .atSignOrParenthesis),
        // E.164 and international forms: +358 40 123 4567, 00358401234567, +44 (20) 7946-0958.
        Rule(
            name: "phone", replacement: "[PHONE]",
            pattern: #"(?<![0-9A-Za-z+])(?:\+|00)[1-9][0-9]{0,2}(?:[ \-]?\(?[0-9]{1,4}\)?){2,6}(?![0-9])"#,
            minimumDigits: 8, needs: .phoneDigits(8)),
        // Finnish national forms: 040 123 4567, 040-1234567, 0401234567, (09) 310 12345, 09 3101 2345.
        Rule(
            name: "phone", replacement: "[PHONE]",
            pattern: #"(?<![0-9A-Za-z.:\-])\(?0[1-9][0-9]{0,2}\)?(?:[ \-]?[0-9]{2,4}){2,3}(?![0-9]|[.:][0-9])"#,
            minimumDigits: 7, needs: .phoneDigits(7)),
    ]

    private let expressions: [(RedactionPattern, Rule)]

    public init(rules: [Rule] = Redactor.rules) {
        // The patterns are compile-time constants covered by tests, so a failure is a programming error.
        expressions = rules.map { rule in
            do {
                return (try RedactionPattern(rule.pattern), rule)
            } catch {
                preconditionFailure("redaction rule \(rule.name): \(error)")
            }
        }
    }

    public static let standard = Redactor()

    /// What one scan of the bytes tells about which rules could match at all.
    struct Prerequisites {
        var digits = 0
        var longestDigitRun = 0
        /// The most digits in one stretch of the characters a phone number is written with (`Needs.phoneDigits`).
        var mostPhoneDigits = 0
        /// An '@' or a '(' (an address written "name (at) example.fi").
        var atSign = false

        init(_ text: String) {
            var run = 0
            var phoneRun = 0
            for byte in text.utf8 {
                if byte >= 0x30 && byte <= 0x39 {
                    digits += 1
                    run += 1
                    if run > longestDigitRun { longestDigitRun = run }
                    phoneRun += 1
                    if phoneRun > mostPhoneDigits { mostPhoneDigits = phoneRun }
                } else {
                    run = 0
                    // Space, '-', '(', ')' and '+' continue a phone number's stretch; anything else ends it.
                    if !(byte == 0x20 || byte == 0x2D || byte == 0x28 || byte == 0x29 || byte == 0x2B) { phoneRun = 0 }
                    if byte == 0x40 || byte == 0x28 { atSign = true }
                }
            }
        }

        /// False when the rule cannot match this text (a henkilötunnus needs six digits in a row, an address
        /// an '@' or "(at)", a phone number its minimum of digits). Regular expressions were a twentieth of a
        /// chat turn, run on every reply, most of which have none of these.
        func allow(_ rule: Rule) -> Bool {
            switch rule.needs {
            case nil: true
            case .digitRun(let count): longestDigitRun >= count
            case .atSignOrParenthesis: atSign
            case .digits(let count): digits >= count
            case .phoneDigits(let count): mostPhoneDigits >= count
            }
        }
    }

    public func redact(_ text: String) -> String {
        let prerequisites = Prerequisites(text)
        // Fast path: most log text meets no rule's prerequisite.
        guard expressions.contains(where: { prerequisites.allow($0.1) }) else { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for (pattern, rule) in expressions where prerequisites.allow(rule) {
            let found = bytes.withUnsafeBufferPointer { pattern.matches(in: $0) }
            // Replace from the end so earlier ranges stay valid.
            for range in found.reversed() {
                if rule.minimumDigits > 0 {
                    var digits = 0
                    for byte in bytes[range] where byte >= 0x30 && byte <= 0x39 { digits += 1 }
                    if digits < rule.minimumDigits { continue }
                }
                bytes.replaceSubrange(range, with: rule.replacement.utf8)
                changed = true
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }
}
