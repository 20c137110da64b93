import Foundation

/// What an extracted entity is. District, unit and service come from the registry's gazetteer.
public enum EntityKind: String, Sendable, Codable {
    case date
    case time
    case dateTime = "datetime"
    case postalCode = "postal_code"
    case number
    case yesNo = "yes_no"
    case district
    case unit
    case service
}

/// An entity found in a message.
///
/// `value` is canonical: ISO 8601 date "2027-03-15", time "14:30", local datetime "2027-03-15T14:30" (Helsinki wall
/// clock, no offset), postal code "00530", number "3" or "2.5", yes/no "yes" or "no", or a gazetteer id.
/// `start` and `end` are Character offsets into the input string (`end` exclusive); `text` is that slice as written.
public struct Entity: Sendable, Hashable, Codable {
    public let kind: EntityKind
    public let text: String
    public let value: String
    public let start: Int
    public let end: Int

    public init(kind: EntityKind, text: String, value: String, start: Int, end: Int) {
        self.kind = kind
        self.text = text
        self.value = value
        self.start = start
        self.end = end
    }
}
