/// How many SMS parts a text costs, counted the way the network splits it (3GPP TS 23.038 and TS 23.040).
///
/// GSM 7-bit: basic-table characters cost 1 septet, extension-table characters (`^{}\[~]|€` and form feed) cost 2
/// (escape + character). Anything outside both tables switches the whole message to UCS-2, counted in UTF-16 code
/// units (an emoji outside the BMP costs 2). A multipart message loses room to the concatenation header
/// (TS 23.040 §9.2.3.24.1): 160 → 153 septets, 70 → 67 UCS-2 units per part. An escape pair or a surrogate pair is
/// never split across parts, so packing is greedy per character rather than a plain division.
public struct SMSSegments: Sendable, Hashable {
    public enum Encoding: String, Sendable, Hashable, Codable {
        case gsm7, ucs2
    }

    public let encoding: Encoding
    /// Septets for GSM-7, UTF-16 code units for UCS-2.
    public let units: Int
    /// Parts the network will send; an empty text still costs one.
    public let segments: Int

    public init(encoding: Encoding, units: Int, segments: Int) {
        self.encoding = encoding
        self.units = units
        self.segments = segments
    }

    public static func count(_ text: String) -> SMSSegments {
        // Plain ASCII letters, digits and most punctuation are GSM-7 basic characters: the common case is a scan.
        if text.utf8.allSatisfy(isPlainGSMByte) {
            let count = text.utf8.count
            return SMSSegments(encoding: .gsm7, units: count, segments: count <= 160 ? 1 : (count + 152) / 153)
        }
        // One pass counting GSM-7 septets; the first character outside GSM-7 switches to counting UCS-2.
        // The table is fetched once: a static's every use goes through its lazy initialiser's check.
        let costs = costBelowGreekEnd
        var gsm = Packer(part: 153)
        for scalar in text.unicodeScalars {
            guard let cost = gsmCost(scalar, costs: costs) else { return ucs2(text) }
            gsm.add(cost)
        }
        return gsm.result(encoding: .gsm7, single: 160)
    }

    private static func ucs2(_ text: String) -> SMSSegments {
        var packer = Packer(part: 67)
        for scalar in text.unicodeScalars { packer.add(scalar.value > 0xFFFF ? 2 : 1) }
        return packer.result(encoding: .ucs2, single: 70)
    }

    /// Greedy packing into parts: a unit pair (an escape pair, a surrogate pair) never straddles two parts.
    private struct Packer {
        let part: Int
        var units = 0
        var parts = 1
        var used = 0

        init(part: Int) { self.part = part }

        mutating func add(_ cost: Int) {
            units += cost
            if used + cost > part {
                parts += 1
                used = 0
            }
            used += cost
        }

        func result(encoding: Encoding, single: Int) -> SMSSegments {
            SMSSegments(encoding: encoding, units: units, segments: units <= single ? 1 : parts)
        }
    }

    /// Printable ASCII that costs one septet at the same code (not `^{}\[~]|` (two septets), nor `` ` `` (not in
    /// GSM-7), nor `$@_`, which GSM-7 has at other codes but still costs one: counted by the slow path), and LF.
    @inline(__always)
    static func isPlainGSMByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x0A: true
        case UInt8(ascii: "^"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\\"), UInt8(ascii: "["),
            UInt8(ascii: "~"), UInt8(ascii: "]"), UInt8(ascii: "|"), UInt8(ascii: "`"), UInt8(ascii: "$"),
            UInt8(ascii: "@"), UInt8(ascii: "_"):
            false
        default: byte >= 0x20 && byte < 0x7F
        }
    }

    /// TS 23.038 §6.2.1, the default alphabet without the escape code (0x1B).
    static let basicTable: Set<Unicode.Scalar> = Set(
        ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").unicodeScalars)

    /// TS 23.038 §6.2.1.1, the characters reachable through the escape code.
    static let extensionTable: Set<Unicode.Scalar> = Set("\u{0C}^{}\\[~]|€".unicodeScalars)

    /// The cost of every scalar below U+03AA (Latin-1 and Greek capitals: all of the basic table but €), from the
    /// two tables above: 0 for not in GSM-7. An array index instead of two set lookups per character.
    private static let costBelowGreekEnd: [UInt8] = {
        var costs = [UInt8](repeating: 0, count: 0x3AA)
        for scalar in basicTable where Int(scalar.value) < costs.count { costs[Int(scalar.value)] = 1 }
        for scalar in extensionTable where Int(scalar.value) < costs.count { costs[Int(scalar.value)] = 2 }
        return costs
    }()

    static func gsmCost(_ scalar: Unicode.Scalar) -> Int? { gsmCost(scalar, costs: costBelowGreekEnd) }

    @inline(__always)
    private static func gsmCost(_ scalar: Unicode.Scalar, costs: [UInt8]) -> Int? {
        let value = Int(scalar.value)
        if value < costs.count {
            let cost = costs[value]
            return cost == 0 ? nil : Int(cost)
        }
        return scalar == "€" ? 2 : nil
    }
}
