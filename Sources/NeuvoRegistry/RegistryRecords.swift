import Foundation
import NeuvoLanguage

/// A text in Finnish, Swedish and English; any of them may be missing.
public struct LocalizedNames: Sendable, Hashable, Codable {
    public var fi: String?
    public var sv: String?
    public var en: String?

    public init(fi: String? = nil, sv: String? = nil, en: String? = nil) {
        self.fi = fi
        self.sv = sv
        self.en = en
    }

    public subscript(language: Language) -> String? {
        switch language {
        case .fi: fi
        case .sv: sv
        case .en: en
        }
    }

    public var isEmpty: Bool { fi == nil && sv == nil && en == nil }

    /// Every present text with its language, Finnish first.
    public var all: [(Language, String)] {
        Language.allCases.compactMap { language in self[language].map { (language, $0) } }
    }

    /// The text in `language`, else in Finnish, Swedish, English (the order Helsinki's data is most complete in).
    public func resolved(_ language: Language) -> LocalizedText? {
        for candidate in [language] + Language.allCases.filter({ $0 != language }) {
            if let text = self[candidate] {
                return LocalizedText(text: text, language: candidate, requested: language)
            }
        }
        return nil
    }
}

/// A text in the language it was found in, which may differ from the one asked for.
public struct LocalizedText: Sendable, Hashable {
    public let text: String
    public let language: Language
    /// True when the requested language was missing and `language` is another one: the bot adds a note.
    public let isFallback: Bool

    public init(text: String, language: Language, requested: Language) {
        self.text = text
        self.language = language
        self.isFallback = language != requested
    }
}

/// WGS84 coordinates in degrees.
public struct Coordinates: Sendable, Hashable, Codable {
    public let latitude: Double
    public let longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Great-circle distance in metres (haversine, mean Earth radius).
    public func distance(to other: Coordinates) -> Double {
        let radians = Double.pi / 180
        let deltaLatitude = (other.latitude - latitude) * radians
        let deltaLongitude = (other.longitude - longitude) * radians
        let a =
            sin(deltaLatitude / 2) * sin(deltaLatitude / 2)
            + cos(latitude * radians) * cos(other.latitude * radians) * sin(deltaLongitude / 2)
            * sin(deltaLongitude / 2)
        return 6_371_008.8 * 2 * atan2(a.squareRoot(), (1 - a).squareRoot())
    }

    var isValid: Bool {
        latitude.isFinite && longitude.isFinite && (-90...90).contains(latitude) && (-180...180).contains(longitude)
            && !(latitude == 0 && longitude == 0)
    }
}

/// A node of the Service Map service tree (`ontologytree`).
struct ServiceNodeRecord: Sendable, Hashable, Codable {
    var id: Int
    var parentID: Int?
    var names: LocalizedNames
    var childIDs: [Int]
    /// Keyword ids: "729" is one keyword, "656*341" units with both, "a+b" either.
    var keywordReference: String?
    var searchWords: LocalizedNames
}

/// A service keyword (`ontologyword`).
struct KeywordRecord: Sendable, Hashable, Codable {
    var id: Int
    var names: LocalizedNames
    var searchWords: LocalizedNames
}

/// One `connections` entry of a unit: opening hours, a phone or e-mail, a link, a price...
struct ConnectionRecord: Sendable, Hashable, Codable {
    var sectionType: String
    var names: LocalizedNames
    var www: LocalizedNames
    var phone: String?
    var email: String?
}

/// A unit (toimipiste): a place where a service is given.
struct UnitRecord: Sendable, Hashable, Codable {
    var id: String
    /// Where the record came from: "tpr" (palvelukarttaws), "servicemap_export" or "sample".
    var source: String
    var isSample: Bool
    var names: LocalizedNames
    var street: LocalizedNames
    var postalCode: String?
    var city: LocalizedNames
    var phone: String?
    var email: String?
    var www: LocalizedNames
    var shortDescription: LocalizedNames
    var coordinates: Coordinates?
    var serviceIDs: [Int]
    var keywordIDs: [Int]
    /// Category names of exports without ids (e.g. "Ohjattu leikkipuistotoiminta"), matched to services by name.
    var categories: [LocalizedNames]
    var connections: [ConnectionRecord]
    /// Free search words of the source, comma-separated.
    var searchWords: String?
}

/// What the search's indexes need of a unit, while they are built.
struct UnitSummary: Sendable, Hashable {
    var id: String
    var names: LocalizedNames
    var postalCode: String?
    var coordinates: Coordinates?
    var serviceIDs: [Int]
    var keywordIDs: [Int]
    var categories: [LocalizedNames]
    var searchWords: String?
}

/// A district (kaupunginosa or peruspiiri) with its main postal codes and an approximate centre.
struct DistrictRecord: Sendable, Hashable, Codable {
    var id: String
    var names: LocalizedNames
    var postalCodes: [String]
    var centre: Coordinates?
}
