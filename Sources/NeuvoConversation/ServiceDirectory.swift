import Foundation
import NeuvoLanguage

/// A city unit as the conversation shows it, already in the language asked for (or the registry's fallback).
public struct DirectoryUnit: Sendable, Hashable {
    public var id: String
    public var name: String
    public var address: String?
    public var phone: String?
    /// The unit's page, such as its Service Map address.
    public var link: String?
    /// Opening hours as text for residents, in `language`.
    public var openingHours: String?
    /// The language the texts are in when the registry lacked the one asked for.
    public var language: Language?
    /// Written by the Neuvo team, not from the city's registry: the answer says so.
    public var isSample = false

    public init(
        id: String, name: String, address: String? = nil, phone: String? = nil, link: String? = nil,
        openingHours: String? = nil, language: Language? = nil
    ) {
        self.id = id
        self.name = name
        self.address = address
        self.phone = phone
        self.link = link
        self.openingHours = openingHours
        self.language = language
    }
}

/// What the conversation needs from the services registry: names to recognise and units to describe.
/// The registry conforms with a small extension; tests use an in-memory directory.
public protocol ServiceDirectory: Sendable {
    /// Districts, units and services by name, for the entity extractor.
    func gazetteerEntries() async throws -> [GazetteerEntry]
    /// The gazetteer of `gazetteerEntries()`, built; a directory that keeps one built may return it instead.
    func gazetteer() async throws -> Gazetteer
    /// One unit by its id.
    func directoryUnit(id: String, language: Language) async throws -> DirectoryUnit?
    /// The unit offering one of `services` (gazetteer or Service Map service ids) nearest to `district`; nil
    /// when there is none, or when the directory needs a district to choose and none was given.
    func findUnit(services: [String], district: String?, language: Language) async throws -> DirectoryUnit?
    /// Opening hours of a unit on one day (ISO date) or, with nil, in general; nil when unknown.
    func openingHours(unitID: String, on date: String?, language: Language) async throws -> String?
    /// The unit offering one of `services` in `district` itself ("Vuosaaren kirjasto"), not merely nearest to it.
    func unit(services: [String], inDistrict district: String, language: Language) async throws -> DirectoryUnit?
}

extension ServiceDirectory {
    public func gazetteer() async throws -> Gazetteer {
        Gazetteer(try await gazetteerEntries())
    }

    public func unit(services: [String], inDistrict district: String, language: Language) async throws
        -> DirectoryUnit?
    {
        try await findUnit(services: services, district: district, language: language)
    }

    public func openingHours(unitID: String, on date: String?, language: Language) async throws -> String? {
        try await directoryUnit(id: unitID, language: language)?.openingHours
    }
}
