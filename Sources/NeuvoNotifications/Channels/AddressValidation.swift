/// Why an address or a header value was refused. Descriptions never repeat the value itself (it is personal data).
public enum AddressError: Error, Sendable, Hashable, CustomStringConvertible {
    case empty
    case tooLong(limit: Int)
    /// A character that could end a command line or header (CR, LF, NUL, other controls) or break a path (`<`, `>`).
    case forbiddenCharacter(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .empty: "address is empty"
        case .tooLong(let limit): "address is longer than \(limit) characters"
        case .forbiddenCharacter(let name): "address contains a forbidden character (\(name))"
        case .malformed(let why): "address is malformed: \(why)"
        }
    }
}

/// Strict checks that run before any value reaches libcurl or the wire.
///
/// libcurl 7.88 copies CR/LF inside CURLOPT_MAIL_RCPT verbatim into the SMTP command stream, so a crafted
/// recipient could inject commands; every check here is an allow-list, not a deny-list.
public enum AddressValidation {
    /// RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the angle brackets.
    static let maximumEmailLength = 254
    /// RFC 5321 §4.5.3.1.1.
    static let maximumLocalPartLength = 64
    /// RFC 1035 §2.3.4.
    static let maximumLabelLength = 63

    /// An ASCII mailbox `local@domain`: local part a dot-atom (RFC 5322 §3.2.3), domain a dotted LDH host name
    /// (RFC 5321 §4.1.2). Quoted local parts, address literals and SMTPUTF8 addresses are refused on purpose.
    public static func email(_ address: String) throws(AddressError) {
        guard !address.isEmpty else { throw .empty }
        // Forbidden characters first, so an injection attempt is reported as such whatever its length.
        for scalar in address.unicodeScalars {
            if let name = forbiddenName(scalar) { throw .forbiddenCharacter(name) }
            if scalar == "<" || scalar == ">" { throw .forbiddenCharacter(String(scalar)) }
        }
        let bytes = Array(address.utf8)
        guard bytes.count <= maximumEmailLength else { throw .tooLong(limit: maximumEmailLength) }
        guard bytes.allSatisfy({ $0 < 0x80 }) else { throw .malformed("non-ASCII addresses need SMTPUTF8") }
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { throw .malformed("no @") }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= maximumLocalPartLength else {
            throw .malformed("local part must be 1–\(maximumLocalPartLength) characters")
        }
        guard isDotAtom(local) else { throw .malformed("local part is not a dot-atom") }
        try checkDomain(domain)
    }

    /// E.164 (ITU-T E.164 §6): `+`, a country code that does not start with 0, 8–15 digits in all.
    public static func phone(_ number: String) throws(AddressError) {
        guard !number.isEmpty else { throw .empty }
        for scalar in number.unicodeScalars {
            if let name = forbiddenName(scalar) { throw .forbiddenCharacter(name) }
        }
        let bytes = Array(number.utf8)
        guard bytes.count <= 16 else { throw .tooLong(limit: 16) }
        guard bytes.first == UInt8(ascii: "+") else { throw .malformed("E.164 numbers start with +") }
        let digits = bytes.dropFirst()
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .malformed("only digits may follow +")
        }
        guard (8...15).contains(digits.count) else { throw .malformed("E.164 numbers have 8–15 digits") }
        guard digits.first != UInt8(ascii: "0") else { throw .malformed("country codes do not start with 0") }
    }

    /// The name of a character that must never appear in an SMTP command or a header field: C0 controls (CR, LF,
    /// NUL, TAB...), DEL, C1 controls (including NEL) and the Unicode line and paragraph separators.
    static func forbiddenName(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x00: "NUL"
        case 0x0A: "LF"
        case 0x0D: "CR"
        case 0x01...0x1F, 0x7F...0x9F, 0x2028, 0x2029:
            codePointName(scalar)
        default: nil
        }
    }

    private static func codePointName(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// A header value (subject, display name) that is safe to encode: no forbidden characters, not absurdly long.
    static func checkHeaderText(_ value: String, field: String, maximumBytes: Int = 998) throws(HeaderValueError) {
        for scalar in value.unicodeScalars {
            if let name = forbiddenName(scalar) { throw HeaderValueError(field: field, problem: "contains \(name)") }
        }
        // RFC 5322 §2.1.1 caps a line at 998 octets; more than that is never a legitimate subject.
        guard value.utf8.count <= maximumBytes else {
            throw HeaderValueError(field: field, problem: "is longer than \(maximumBytes) bytes")
        }
    }

    // RFC 5322 §3.2.3 atext.
    private static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
        }
    }

    private static func isDotAtom(_ bytes: ArraySlice<UInt8>) -> Bool {
        let atoms = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return atoms.allSatisfy { !$0.isEmpty && $0.allSatisfy(isAtext) }
    }

    private static func checkDomain(_ bytes: ArraySlice<UInt8>) throws(AddressError) {
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        // Dotless domains are not used for mail (RFC 7085); address literals are not accepted either.
        guard labels.count >= 2 else { throw .malformed("domain needs at least two labels") }
        for label in labels {
            guard !label.isEmpty, label.count <= maximumLabelLength else {
                throw .malformed("domain labels must be 1–\(maximumLabelLength) characters")
            }
            let isLetterDigit: (UInt8) -> Bool = {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
            }
            guard label.allSatisfy({ isLetterDigit($0) || $0 == UInt8(ascii: "-") }),
                isLetterDigit(label.first!), isLetterDigit(label.last!)
            else { throw .malformed("domain labels are letters, digits and inner hyphens") }
        }
        guard let top = labels.last, !top.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .malformed("top-level domain is numeric")
        }
    }
}

/// A header value that cannot be put on the wire safely.
struct HeaderValueError: Error, Sendable, Hashable, CustomStringConvertible {
    let field: String
    let problem: String
    var description: String { "\(field) \(problem)" }
}
