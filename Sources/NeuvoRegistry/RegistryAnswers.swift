import NeuvoLanguage

/// A unit as the bot tells it: every text in the requested language when the registry has it, else in another
/// language, flagged (`LocalizedText.isFallback`) so the bot can add a note.
public struct UnitAnswer: Sendable, Hashable {
    public let id: String
    public let name: LocalizedText
    public let streetAddress: LocalizedText?
    public let postalCode: String?
    public let city: LocalizedText?
    /// The OPENING_HOURS connections' texts, one per line.
    public let openingHours: LocalizedText?
    public let phone: String?
    public let email: String?
    public let link: LocalizedText?
    public let coordinates: Coordinates?
    /// Written by the Neuvo team, not from the city's registry: show "(sample data)".
    public let isSample: Bool
    /// From the location asked about, when there was one.
    public let distanceMeters: Double?
    /// Relevance to the query, 0...1 (1 for lookups by id).
    public let score: Double
    public let requestedLanguage: Language

    /// Languages other than the requested one that some text of this answer is in.
    public var fallbackLanguages: Set<Language> {
        Set([name, streetAddress, city, openingHours, link].compactMap { $0 }.filter(\.isFallback).map(\.language))
    }

    public var usesFallbackLanguage: Bool { !fallbackLanguages.isEmpty }
}

/// A service of the service tree or a service keyword, with how many stored units give it.
public struct ServiceMatch: Sendable, Hashable {
    /// "node:<ontologytree id>" or "keyword:<ontologyword id>"; accepted wherever a service is asked for.
    public let id: String
    public let name: LocalizedText
    public let unitCount: Int
    public let score: Double
}

/// A district (kaupunginosa) with its postal codes and approximate centre.
public struct DistrictAnswer: Sendable, Hashable {
    public let id: String
    public let name: LocalizedText
    public let postalCodes: [String]
    public let centre: Coordinates?
}

/// Where to look from.
public enum RegistryLocation: Sendable, Hashable {
    /// A district id from `DistrictAnswer.id` or the gazetteer ("kallio").
    case district(String)
    case postalCode(String)
    case coordinates(Coordinates)
}

/// What `RegistrySearch.search` understood and found.
public struct RegistrySearchResult: Sendable {
    /// Units, best first; when the query named a place, the relevant ones nearest to it first.
    public let units: [UnitAnswer]
    /// Services the query named, best first.
    public let services: [ServiceMatch]
    /// The district the query named ("Vuosaaressa"), if any.
    public let district: DistrictAnswer?
    /// The postal code the query named, if any.
    public let postalCode: String?
}
