/// The Finnish personal identity code (henkilötunnus, HETU): `DDMMYYCZZZQ`.
///
/// `C` is the century sign (`+` 1800s; `-` `Y` `X` `W` `V` `U` 1900s; `A`–`F` 2000s, the extra signs
/// since 2023), `ZZZ` the individual number (002–899, 900–999 for temporary codes) and `Q` the check
/// character `"0123456789ABCDEFHJKLMNPRSTUVWXY"[Int(DDMMYYZZZ) % 31]`. Source: Act 128/2010 and
/// Decree 1012/2022 (the new century signs).
public struct Henkilotunnus: Sendable, Hashable, CustomStringConvertible {
    public let day: Int
    public let month: Int
    public let year: Int
    public let individualNumber: Int
    public let isTemporary: Bool
    public let code: String

    public var description: String { "Henkilotunnus(****)" }

    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case wrongLength(Int)
        case notDigits
        case invalidCenturySign(Character)
        case invalidDate
        case individualNumberOutOfRange(Int)
        case temporaryNotAllowed
        case wrongCheckCharacter

        public var description: String {
            switch self {
            case .wrongLength(let length): "a henkilötunnus has 11 characters, this has \(length)"
            case .notDigits: "the date and individual number must be digits (DDMMYYCZZZQ)"
            case .invalidCenturySign(let sign): "'\(sign)' is not a century sign (+ - Y X W V U A B C D E F)"
            case .invalidDate: "the date does not exist"
            case .individualNumberOutOfRange(let number):
                "individual number \(String(number)) is outside 002–899 (900–999 for temporary codes)"
            case .temporaryNotAllowed: "individual numbers 900–999 are temporary codes, which are not accepted here"
            case .wrongCheckCharacter: "the check character does not match"
            }
        }
    }

    static let checkCharacters = Array("0123456789ABCDEFHJKLMNPRSTUVWXY")

    /// The century a sign stands for, or nil when it is not a century sign.
    static func century(of sign: Character) -> Int? {
        switch sign {
        case "+": 1800
        case "-", "Y", "X", "W", "V", "U": 1900
        case "A", "B", "C", "D", "E", "F": 2000
        default: nil
        }
    }

    /// Validates a code. Lowercase letters are accepted and read as uppercase.
    public init(validating text: String, allowTemporary: Bool = false) throws(Problem) {
        let characters = Array(text.uppercased())
        guard characters.count == 11 else { throw .wrongLength(characters.count) }
        let digitPositions = [0, 1, 2, 3, 4, 5, 7, 8, 9]
        guard digitPositions.allSatisfy({ characters[$0].isASCII && characters[$0].isNumber }) else {
            throw .notDigits
        }
        guard let century = Self.century(of: characters[6]) else { throw .invalidCenturySign(characters[6]) }
        func number(_ range: Range<Int>) -> Int { Int(String(characters[range]))! }
        let day = number(0..<2)
        let month = number(2..<4)
        let year = century + number(4..<6)
        let individual = number(7..<10)
        guard Self.isValidDate(day: day, month: month, year: year) else { throw .invalidDate }
        guard (2...999).contains(individual) else { throw .individualNumberOutOfRange(individual) }
        let temporary = individual >= 900
        if temporary && !allowTemporary { throw .temporaryNotAllowed }
        let checked = Int(String(characters[0..<6]) + String(characters[7..<10]))!
        guard characters[10] == Self.checkCharacters[checked % 31] else { throw .wrongCheckCharacter }
        self.day = day
        self.month = month
        self.year = year
        self.individualNumber = individual
        self.isTemporary = temporary
        self.code = String(characters)
    }

    public static func isValid(_ text: String, allowTemporary: Bool = false) -> Bool {
        (try? Henkilotunnus(validating: text, allowTemporary: allowTemporary)) != nil
    }

    static func isValidDate(day: Int, month: Int, year: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let isLeap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }
}
