import Foundation
import NeuvoLanguage
import NeuvoStorage

/// A service as residents see it: the tree nodes that share a name (the tree repeats "Kirjastot" under two
/// branches) together with the keywords they reference.
struct ServiceConcept: Sendable {
    let id: String
    let names: LocalizedNames
    var nodeIDs: [Int]
    var keywordIDs: [Int]
    /// Depth of the shallowest node (0 for the nine roots); nil for keyword-only services.
    var depth: Int?
    var fields: [IndexField] = []
}

/// Search over the registry: indexes in memory choose the candidate units, and the few an answer shows are read
/// from the database.
///
/// The indexes are service → units (`conceptUnits`), name and search-word tokens → units (`unitIndex`),
/// postal code → units (for districts), and each unit's point (for "nearest"); what a query costs follows the
/// units that can match it, not the size of the register. Unit details (addresses, hours, descriptions) are read
/// on demand through a read-only connection of their own, so memory does not grow with them.
///
/// Build with `load(from:)` after an import or seeding; it is safe to call from any task.
public final class RegistrySearch: Sendable {
    /// Units in id order: the index every other structure refers to.
    let unitIDs: [String]
    let unitCoordinates: [Coordinates?]
    private let unitPoints: UnitPoints
    let unitPostalCodes: [String?]
    private let unitIndexByID: [String: Int]
    /// Unit indices by postal code, ascending.
    private let unitsByPostalCode: [String: [Int]]
    let reader: DatabaseReader
    let concepts: [ServiceConcept]
    let districts: [DistrictRecord]
    private let unitIndex: TextIndex
    private let conceptIndex: TextIndex
    /// Unit indices of each concept, including the units of its subtree.
    let conceptUnits: [[Int]]
    private let conceptByID: [String: Int]
    private let districtByID: [String: Int]
    private let districtsByPostalCode: [String: [Int]]
    private let unitCentreByPostalCode: [String: Coordinates]
    private let extractor: EntityExtractor

    /// Reads the registry and builds the index.
    ///
    /// The built indexes are kept in the database by the registry's generation (which every import that changes a
    /// record advances): a start on an unchanged registry reads them back instead of building them.
    public static func load(from database: Database) async throws -> RegistrySearch {
        let reader = try await database.makeReader()
        if let built = RegistryIndexStore.read(reader) { return RegistrySearch(built: built, reader: reader) }
        let (generation, snapshot) = try reader.read { connection in
            try RegistryIndexStore.consistently(connection) {
                (try RegistryIndexStore.generation($0), try RegistryRepository.snapshot($0))
            }
        }
        let built = BuiltIndexes(snapshot: snapshot)
        let search = RegistrySearch(built: built, reader: reader)
        await RegistryIndexStore.write(
            built, gazetteer: Gazetteer(search.buildGazetteerEntries()), generation: generation, to: database)
        return search
    }

    /// The bundled registry alone, without touching any file: for tools that must stay read-only
    /// (`neuvo check`, `neuvo nlu classify`).
    public static func bundled() async throws -> RegistrySearch {
        let database = try Database.inMemory(
            options: Database.Options(migrations: StorageSchema.migrations + RegistrySchema.migrations))
        _ = try await RegistrySeeder.seedIfEmpty(database)
        return try await load(from: database)
    }

    /// Whether a Service Map service id (an `ontologytree` id, as intents list them) is known.
    public func hasService(id: String) -> Bool {
        conceptByID["node:\(id)"] != nil || conceptByID[id] != nil
    }

    init(built: BuiltIndexes, reader: DatabaseReader) {
        self.reader = reader
        unitIDs = built.unitIDs
        unitCoordinates = built.unitCoordinates
        unitPoints = UnitPoints(built.unitCoordinates)
        unitPostalCodes = built.unitPostalCodes
        unitIndexByID = Dictionary(
            built.unitIDs.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        var unitsByCode: [String: [Int]] = [:]
        for (index, code) in built.unitPostalCodes.enumerated() {
            if let code { unitsByCode[code, default: []].append(index) }
        }
        unitsByPostalCode = unitsByCode
        districts = built.districts
        concepts = built.concepts
        conceptUnits = built.conceptUnits
        var byID: [String: Int] = [:]
        for (index, concept) in concepts.enumerated() {
            byID[concept.id] = index
            for node in concept.nodeIDs { byID["node:\(node)"] = byID["node:\(node)"] ?? index }
            for keyword in concept.keywordIDs { byID["keyword:\(keyword)"] = byID["keyword:\(keyword)"] ?? index }
        }
        conceptByID = byID
        conceptIndex = built.conceptIndex
        unitIndex = built.unitIndex
        districtByID = Dictionary(
            built.districts.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { first, _ in first })
        var byPostalCode: [String: [Int]] = [:]
        for (index, district) in built.districts.enumerated() {
            for code in district.postalCodes { byPostalCode[code, default: []].append(index) }
        }
        // A district whose main (first) postal code this is comes first.
        for (code, indices) in byPostalCode {
            byPostalCode[code] = indices.sorted { lhs, rhs in
                let lhsMain = built.districts[lhs].postalCodes.first == code
                let rhsMain = built.districts[rhs].postalCodes.first == code
                return lhsMain && !rhsMain || (lhsMain == rhsMain && lhs < rhs)
            }
        }
        districtsByPostalCode = byPostalCode
        var sums: [String: (Double, Double, Int)] = [:]
        for (code, point) in zip(built.unitPostalCodes, built.unitCoordinates) {
            guard let code, let point else { continue }
            let sum = sums[code] ?? (0, 0, 0)
            sums[code] = (sum.0 + point.latitude, sum.1 + point.longitude, sum.2 + 1)
        }
        unitCentreByPostalCode = sums.mapValues {
            Coordinates(latitude: $0.0 / Double($0.2), longitude: $0.1 / Double($0.2))
        }
        extractor = EntityExtractor(
            gazetteer: Gazetteer(
                built.districts.map { district in
                    GazetteerEntry(kind: .district, id: district.id, names: Self.uniqueNames(district.names))
                }))
    }

    // MARK: Counts

    public var unitCount: Int { unitIDs.count }
    public var serviceCount: Int { concepts.count }
    public var districtCount: Int { districts.count }

    // MARK: Free-text search

    /// Searches names and keywords in any language: "uimahalliin", "simhallen", "swiming hall", "Kallion kirjasto",
    /// "leikkipuisto Vuosaaressa", "neuvola 00980". A district or postal code in the query orders the units by
    /// distance from it.
    public func search(_ query: String, language: Language, limit: Int = 5) -> RegistrySearchResult {
        let entities = extractor.extract(query, language: language, now: Self.epoch, timeZone: Self.helsinki)
        var rest = Array(query)
        var district: Int?
        var postalCode: String?
        for entity in entities.reversed() {
            switch entity.kind {
            case .district:
                district = districtByID[entity.value] ?? district
            case .postalCode:
                postalCode = entity.value
            default:
                continue
            }
            rest.replaceSubrange(entity.start..<entity.end, with: " ")
        }
        if district == nil, let postalCode { district = districtsByPostalCode[postalCode]?.first }
        let centre: Coordinates? =
            postalCode.flatMap { self.centre(ofPostalCode: $0) } ?? district.flatMap { districts[$0].centre }

        let serviceHits = selectedConcepts(TextIndex.queryTokens(String(rest)))
        var relevance: [Int: Double] = [:]
        for hit in unitIndex.search(TextIndex.queryTokens(query)) where hit.score >= 0.3 {
            relevance[hit.document] = hit.score
        }
        for hit in serviceHits {
            for unit in conceptUnits[hit.document] {
                relevance[unit] = max(relevance[unit] ?? 0, hit.score * 0.95)
            }
        }
        let best = relevance.values.max() ?? 0
        var ranked = relevance.filter { $0.value >= best * 0.5 }.map { (unit: $0.key, score: $0.value) }
        if let centre {
            // The relevant ones nearest first, the rest after them by relevance.
            var distances: [Int: Double] = [:]
            for candidate in ranked where candidate.score >= best * 0.75 {
                distances[candidate.unit] = unitCoordinates[candidate.unit]?.distance(to: centre) ?? .infinity
            }
            func distance(_ unit: Int) -> Double { distances[unit] ?? .infinity }
            ranked.sort { lhs, rhs in
                let lhsTop = lhs.score >= best * 0.75
                let rhsTop = rhs.score >= best * 0.75
                if lhsTop != rhsTop { return lhsTop }
                if lhsTop {
                    let (lhsDistance, rhsDistance) = (distance(lhs.unit), distance(rhs.unit))
                    if lhsDistance != rhsDistance { return lhsDistance < rhsDistance }
                }
                return lhs.score > rhs.score || (lhs.score == rhs.score && lhs.unit < rhs.unit)
            }
        } else {
            ranked.sort { $0.score > $1.score || ($0.score == $1.score && $0.unit < $1.unit) }
        }
        return RegistrySearchResult(
            units: ranked.prefix(limit).compactMap {
                answer($0.unit, language: language, from: centre, score: $0.score)
            },
            services: serviceHits.prefix(limit).map { serviceMatch($0.document, language: language, score: $0.score) },
            district: district.map { districtAnswer($0, language: language) },
            postalCode: postalCode)
    }

    /// Services matching a text, best first.
    public func services(matching query: String, language: Language, limit: Int = 5) -> [ServiceMatch] {
        selectedConcepts(TextIndex.queryTokens(query)).prefix(limit).map {
            serviceMatch($0.document, language: language, score: $0.score)
        }
    }

    /// The concepts worth acting on: the best hit and those close to it. A concept with units beats an equally
    /// named empty one, because the bot needs places to answer with.
    private func selectedConcepts(_ tokens: [Token]) -> [TextHit] {
        guard !tokens.isEmpty else { return [] }
        let hits = conceptIndex.search(tokens, limit: 50)
        guard let best = hits.first?.score, best >= 0.4 else { return [] }
        return hits.filter { $0.score >= best * 0.8 }
            .sorted { lhs, rhs in
                if lhs.score != rhs.score { return lhs.score > rhs.score }
                return conceptUnits[lhs.document].count > conceptUnits[rhs.document].count
            }
    }

    // MARK: Places

    /// The nearest units giving a service to a district, postal code or point. `service` is a service id
    /// ("node:991", "keyword:703", from `ServiceMatch.id` or the gazetteer) or a text ("terveysasema").
    public func nearest(service: String, to location: RegistryLocation, language: Language, limit: Int = 3)
        -> [UnitAnswer]
    {
        guard let centre = centre(of: location) else { return [] }
        return unitPoints.nearest(unitIndices(forService: service), to: centre, limit: limit, points: unitCoordinates)
            .compactMap { answer($0.unit, language: language, from: centre, score: 1) }
    }

    /// Units with this postal code, optionally only those giving `service`, by name.
    public func units(inPostalCode code: String, service: String? = nil, language: Language, limit: Int = 20)
        -> [UnitAnswer]
    {
        let allowed = service.map { Set(unitIndices(forService: $0)) }
        return (unitsByPostalCode[code] ?? []).filter { allowed?.contains($0) ?? true }
            .compactMap { answer($0, language: language, from: nil, score: 1) }
            .sorted { $0.name.text < $1.name.text }.prefix(limit).map { $0 }
    }

    /// Units in a district (by its postal codes), optionally only those giving `service`, nearest to its centre first.
    public func units(inDistrict id: String, service: String? = nil, language: Language, limit: Int = 20)
        -> [UnitAnswer]
    {
        guard let index = districtByID[id] else { return [] }
        let district = districts[index]
        let allowed = service.map { Set(unitIndices(forService: $0)) }
        let found = Set(district.postalCodes).flatMap { unitsByPostalCode[$0] ?? [] }.sorted().filter { unit in
            allowed?.contains(unit) ?? true
        }
        // Ordered by the same distances the answers carry, before any unit is read.
        let centre = district.centre
        func distance(_ unit: Int) -> Double? {
            centre.flatMap { centre in unitCoordinates[unit].map { $0.distance(to: centre) } }
        }
        return found.map { (unit: $0, distance: distance($0)) }
            .sorted { ($0.distance ?? .infinity) < ($1.distance ?? .infinity) }
            .prefix(limit).compactMap { answer($0.unit, language: language, from: centre, score: 1) }
    }

    public func unit(id: String, language: Language) -> UnitAnswer? {
        unitIndexByID[id].flatMap { answer($0, language: language, from: nil, score: 1) }
    }

    public func district(id: String, language: Language) -> DistrictAnswer? {
        districtByID[id].map { districtAnswer($0, language: language) }
    }

    /// The district a postal code belongs to (the one whose main code it is, when several share it).
    public func district(postalCode: String, language: Language) -> DistrictAnswer? {
        districtsByPostalCode[postalCode]?.first.map { districtAnswer($0, language: language) }
    }

    /// The district named in a text, inflected or not ("Vuosaaressa", "i Nordsjö", "Toolo").
    public func district(named text: String, language: Language) -> DistrictAnswer? {
        let entities = extractor.extract(text, language: language, now: Self.epoch, timeZone: Self.helsinki)
        return entities.lazy.compactMap { self.districtByID[$0.value] }.first.map {
            districtAnswer($0, language: language)
        }
    }

    public func centre(of location: RegistryLocation) -> Coordinates? {
        switch location {
        case .coordinates(let point): point
        case .district(let id): districtByID[id].flatMap { districts[$0].centre }
        case .postalCode(let code): centre(ofPostalCode: code)
        }
    }

    /// A district's centre when the code is a district's main one, else the mean of the units with that code.
    private func centre(ofPostalCode code: String) -> Coordinates? {
        if let index = districtsByPostalCode[code]?.first, districts[index].postalCodes.first == code,
            let centre = districts[index].centre
        {
            return centre
        }
        return unitCentreByPostalCode[code] ?? districtsByPostalCode[code]?.first.flatMap { districts[$0].centre }
    }

    private func unitIndices(forService service: String) -> [Int] {
        if let concept = conceptByID[service] { return conceptUnits[concept] }
        var found = Set<Int>()
        for hit in selectedConcepts(TextIndex.queryTokens(service)) { found.formUnion(conceptUnits[hit.document]) }
        return found.sorted()
    }

    // MARK: Answers

    private static let epoch = Date(timeIntervalSince1970: 0)
    private static let helsinki = City.timeZone

    /// The unit's stored record: nil when it is no longer stored (a unit is never deleted by an import, so only a
    /// database replaced under a running server does this) or cannot be read.
    func record(_ index: Int) -> UnitRecord? {
        try? reader.read { try RegistryRepository.unit(id: unitIDs[index], $0) }
    }

    private func answer(_ index: Int, language: Language, from centre: Coordinates?, score: Double) -> UnitAnswer? {
        guard let unit = record(index) else { return nil }
        let hours = unit.connections.filter { $0.sectionType == "OPENING_HOURS" }
        var openingHours: LocalizedText?
        for candidate in [language] + Language.allCases.filter({ $0 != language }) {
            let texts = hours.compactMap { $0.names[candidate] }
            if !texts.isEmpty {
                openingHours = LocalizedText(
                    text: texts.joined(separator: "\n"), language: candidate, requested: language)
                break
            }
        }
        let contacts = unit.connections.filter { $0.sectionType == "PHONE_OR_EMAIL" }
        return UnitAnswer(
            id: unit.id,
            name: unit.names.resolved(language)
                ?? LocalizedText(text: unit.id, language: language, requested: language),
            streetAddress: unit.street.resolved(language), postalCode: unit.postalCode,
            city: unit.city.resolved(language), openingHours: openingHours,
            phone: unit.phone ?? contacts.lazy.compactMap(\.phone).first,
            email: unit.email ?? contacts.lazy.compactMap(\.email).first, link: unit.www.resolved(language),
            coordinates: unit.coordinates, isSample: unit.isSample,
            distanceMeters: centre.flatMap { centre in unit.coordinates.map { $0.distance(to: centre) } },
            score: score, requestedLanguage: language)
    }

    private func serviceMatch(_ index: Int, language: Language, score: Double) -> ServiceMatch {
        let concept = concepts[index]
        return ServiceMatch(
            id: concept.id,
            name: concept.names.resolved(language)
                ?? LocalizedText(text: concept.id, language: language, requested: language),
            unitCount: conceptUnits[index].count, score: score)
    }

    private func districtAnswer(_ index: Int, language: Language) -> DistrictAnswer {
        let district = districts[index]
        return DistrictAnswer(
            id: district.id,
            name: district.names.resolved(language)
                ?? LocalizedText(text: district.id, language: language, requested: language),
            postalCodes: district.postalCodes, centre: district.centre)
    }

    static func uniqueNames(_ names: LocalizedNames) -> [String] {
        var seen = Set<String>()
        return names.all.map(\.1).filter { seen.insert(TextNormalizer.normalize($0)).inserted }
    }
}
