import Foundation
import NeuvoSupport

/// The file formats the importer reads, detected from the records' fields.
public enum RegistryFileFormat: String, Sendable, Hashable, CaseIterable {
    /// palvelukarttaws v4 `/ontologytree/`: the service tree.
    case serviceTree = "ontologytree"
    /// palvelukarttaws v4 `/ontologyword/`: service keywords.
    case keywords = "ontologyword"
    /// palvelukarttaws v4 `/unit/`: units (one object, an array, or wrapped as `{"meta", "units"}`).
    case units = "unit"
    /// The Service Map layer export (HRI/WFS): flat units with `tpr_id`, categories and one-line addresses.
    case serviceMapExport = "servicemap-export"
    /// Neuvo's districts file: ids, fi/sv names, postal codes, centres.
    case districts

    /// What the records of this format become.
    public var recordKind: RecordKind {
        switch self {
        case .serviceTree: .service
        case .keywords: .keyword
        case .units, .serviceMapExport: .unit
        case .districts: .district
        }
    }
}

/// Kinds of stored registry records.
public enum RecordKind: String, Sendable, Hashable, CaseIterable, Codable {
    case service
    case keyword
    case unit
    case district
}

/// Why one record of a file was not stored.
public enum RejectionReason: Sendable, Hashable, CustomStringConvertible {
    case missingID
    case noName
    case badCoordinates(String)
    case unknownFormat(String)
    case invalidField(field: String, problem: String)

    public var description: String {
        switch self {
        case .missingID: "missing id"
        case .noName: "no name in any language (name_fi, name_sv, name_en)"
        case .badCoordinates(let detail): "bad coordinates: \(detail)"
        case .unknownFormat(let detail): "unknown format: \(detail)"
        case .invalidField(let field, let problem): "invalid \(field): \(problem)"
        }
    }
}

/// A record of a file, or why it was rejected.
struct ParsedRecord: Sendable {
    enum Payload: Sendable {
        case service(ServiceNodeRecord)
        case keyword(KeywordRecord)
        case unit(UnitRecord)
        case district(DistrictRecord)
    }

    let index: Int
    let result: Result<Payload, RejectionError>
    /// The id as written, when there is one, for reports.
    let sourceID: String?
}

struct RejectionError: Error, Sendable {
    let reason: RejectionReason
}

/// A whole file that could not be read as registry data.
public struct RegistryFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Turns decoded JSON into registry records. Pure: no files, no database.
enum RegistryParser {
    /// Keys under which wrapped files (`{"meta": ..., "units": [...]}`) keep their records.
    private static let wrapperKeys = ["units", "results", "districts", "services", "keywords", "items", "data"]

    static func parse(_ data: Data) throws(RegistryFileError) -> (RegistryFileFormat, [ParsedRecord]) {
        let json: JSONValue
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw RegistryFileError(message: "not valid JSON (\(Self.describe(error)))")
        }
        let items = records(of: json)
        let objects = items.prefix(50).compactMap { item -> [String: JSONValue]? in
            if case .object(let fields) = item { return fields }
            return nil
        }
        var votes: [RegistryFileFormat: Int] = [:]
        for fields in objects {
            if let format = detect(fields) { votes[format, default: 0] += 1 }
        }
        guard
            let format = votes.max(by: {
                $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue > $1.key.rawValue)
            })?.key
        else {
            throw RegistryFileError(
                message: "unknown format: expected palvelukarttaws v4 ontologytree, ontologyword or unit records, "
                    + "a Service Map export (tpr_id) or a districts file (postal_codes)")
        }
        let parsed = items.enumerated().map { index, item in parseRecord(item, index: index, format: format) }
        return (format, parsed)
    }

    private static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription)
        }
        return "\(error)"
    }

    private static func records(of json: JSONValue) -> [JSONValue] {
        switch json {
        case .array(let items):
            return items
        case .object(let fields):
            for key in wrapperKeys {
                if case .array(let items) = fields[key] { return items }
            }
            return [json]
        default:
            return []
        }
    }

    static func detect(_ fields: [String: JSONValue]) -> RegistryFileFormat? {
        func has(_ key: String) -> Bool { fields[key] != nil }
        if has("postal_codes") { return .districts }
        if has("tpr_id") || has("wfs_feature_id") { return .serviceMapExport }
        if has("ontologyword_fi") || has("ontologyword_sv") || has("ontologyword_en") { return .keywords }
        if has("child_ids") || has("ontologyword_reference") { return .serviceTree }
        let unitKeys = [
            "street_address_fi", "street_address_sv", "street_address_en", "address_zip", "ontologytree_ids",
            "ontologyword_ids", "connections", "latitude", "northing_etrs_gk25", "northing_etrs_tm35fin",
            "address_city_fi",
        ]
        if unitKeys.contains(where: has) { return .units }
        if has("parent_id") && (has("name_fi") || has("name_sv") || has("name_en")) { return .serviceTree }
        return nil
    }

    static func parseRecord(_ item: JSONValue, index: Int, format: RegistryFileFormat) -> ParsedRecord {
        guard case .object(let fields) = item else {
            return ParsedRecord(
                index: index,
                result: .failure(RejectionError(reason: .unknownFormat("record is not a JSON object"))),
                sourceID: nil)
        }
        let object = JSONObject(fields: fields)
        let idKey = format == .serviceMapExport ? "tpr_id" : "id"
        let sourceID = object.text(idKey)
        do {
            if let detected = detect(fields), detected != format {
                throw RejectionError(
                    reason: .unknownFormat("a \(detected.rawValue) record in a \(format.rawValue) file"))
            }
            let payload: ParsedRecord.Payload
            switch format {
            case .serviceTree: payload = .service(try serviceNode(object))
            case .keywords: payload = .keyword(try keyword(object))
            case .units: payload = .unit(try unit(object))
            case .serviceMapExport: payload = .unit(try exportedUnit(object))
            case .districts: payload = .district(try district(object))
            }
            return ParsedRecord(index: index, result: .success(payload), sourceID: sourceID)
        } catch let error as RejectionError {
            return ParsedRecord(index: index, result: .failure(error), sourceID: sourceID)
        } catch {
            return ParsedRecord(
                index: index, result: .failure(RejectionError(reason: .unknownFormat("\(error)"))), sourceID: sourceID)
        }
    }

    // MARK: Formats

    private static func serviceNode(_ object: JSONObject) throws -> ServiceNodeRecord {
        let id = try object.integerID("id")
        let names = try object.requiredNames(prefix: "name_")
        return ServiceNodeRecord(
            id: id, parentID: try object.integer("parent_id"), names: names,
            childIDs: try object.integers("child_ids"), keywordReference: object.text("ontologyword_reference"),
            searchWords: object.names(prefix: "extra_searchwords_"))
    }

    private static func keyword(_ object: JSONObject) throws -> KeywordRecord {
        KeywordRecord(
            id: try object.integerID("id"), names: try object.requiredNames(prefix: "ontologyword_"),
            searchWords: object.names(prefix: "extra_searchwords_"))
    }

    private static func unit(_ object: JSONObject) throws -> UnitRecord {
        guard let id = object.text("id") else { throw RejectionError(reason: .missingID) }
        let names = try object.requiredNames(prefix: "name_")
        var connections: [ConnectionRecord] = []
        for item in object.array("connections") {
            guard case .object(let fields) = item else { continue }
            let entry = JSONObject(fields: fields)
            // A named contact person's line is personal data the bot has no use for.
            if entry.text("contact_person") != nil { continue }
            guard let section = entry.text("section_type") else { continue }
            connections.append(connection(entry, section: section))
        }
        // Some fixtures keep opening hours apart, without a section type.
        for item in object.array("opening_hours_connections") {
            guard case .object(let fields) = item else { continue }
            connections.append(connection(JSONObject(fields: fields), section: "OPENING_HOURS"))
        }
        return UnitRecord(
            id: id, source: object.bool("sample") ? "sample" : "tpr", isSample: object.bool("sample"), names: names,
            street: object.names(prefix: "street_address_"), postalCode: try postalCode(object.text("address_zip")),
            city: object.names(prefix: "address_city_"), phone: object.text("phone"), email: object.text("email"),
            www: object.names(prefix: "www_"), shortDescription: object.names(prefix: "short_desc_"),
            coordinates: try coordinates(object), serviceIDs: try object.integers("ontologytree_ids"),
            keywordIDs: try object.integers("ontologyword_ids"), categories: [], connections: connections,
            searchWords: nil)
    }

    private static func connection(_ entry: JSONObject, section: String) -> ConnectionRecord {
        ConnectionRecord(
            sectionType: section.uppercased(), names: entry.names(prefix: "name_"), www: entry.names(prefix: "www_"),
            phone: entry.text("phone"), email: entry.text("email"))
    }

    private static func exportedUnit(_ object: JSONObject) throws -> UnitRecord {
        guard let id = object.text("tpr_id") else { throw RejectionError(reason: .missingID) }
        let names = try object.requiredNames(prefix: "name_")
        let postal = try postalCode(object.text("postal_code"))
        // "Illergränd 6, 00800 Helsingfors": the street is before the comma, the city after the postal code.
        var street = LocalizedNames()
        var city = LocalizedNames()
        for language in ["fi", "sv", "en"] {
            guard let address = object.text("address_\(language)") else { continue }
            let parts = address.split(separator: ",", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let streetPart = address.hasPrefix(",") ? nil : parts.first.flatMap { $0.isEmpty ? nil : $0 }
            var cityPart = address.hasPrefix(",") ? parts.first : (parts.count > 1 ? parts[1] : nil)
            if let text = cityPart, let postal, text.hasPrefix(postal) {
                cityPart = text.dropFirst(postal.count).trimmingCharacters(in: .whitespaces)
            }
            street.set(language, streetPart)
            city.set(language, cityPart.flatMap { $0.isEmpty ? nil : $0 })
        }
        if street.fi == nil { street.fi = object.text("street_fi") }
        if city.fi == nil { city.fi = object.text("city_fi") }
        var categories: [LocalizedNames] = []
        for prefix in ["category_", "service_node_"] {
            let category = object.names(prefix: prefix)
            if !category.isEmpty { categories.append(category) }
        }
        return UnitRecord(
            id: id, source: object.bool("sample") ? "sample" : "servicemap_export", isSample: object.bool("sample"),
            names: names, street: street, postalCode: postal, city: city, phone: object.text("phone"),
            email: object.text("email"), www: object.names(prefix: "www_"), shortDescription: LocalizedNames(),
            coordinates: try coordinates(object), serviceIDs: [], keywordIDs: [], categories: categories,
            connections: [], searchWords: object.text("keywords"))
    }

    private static func district(_ object: JSONObject) throws -> DistrictRecord {
        guard let id = object.text("id") else { throw RejectionError(reason: .missingID) }
        let codes = try object.array("postal_codes").map { value -> String in
            guard let text = value.scalarText, let code = try postalCode(text) else {
                throw RejectionError(
                    reason: .invalidField(field: "postal_codes", problem: "\(value) is not a postal code"))
            }
            return code
        }
        return DistrictRecord(
            id: id, names: try object.requiredNames(prefix: "name_"), postalCodes: codes,
            centre: try coordinates(object))
    }

    // MARK: Fields

    /// Finnish postal codes are five digits.
    private static func postalCode(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard text.count == 5, text.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw RejectionError(reason: .invalidField(field: "postal code", problem: "\"\(text)\" is not five digits"))
        }
        return text
    }

    /// Helsinki's data is in Finland: coordinates outside it are swapped, zero or from another system.
    static let finland = (latitude: 59.0...70.5, longitude: 19.0...32.0)

    static func coordinates(_ object: JSONObject) throws -> Coordinates? {
        let hasLatitude = object.fields["latitude"].map { $0 != .null } ?? false
        let hasLongitude = object.fields["longitude"].map { $0 != .null } ?? false
        if hasLatitude || hasLongitude {
            guard let latitude = object.double("latitude"), let longitude = object.double("longitude") else {
                throw RejectionError(reason: .badCoordinates("latitude and longitude must both be numbers"))
            }
            return try checked(Coordinates(latitude: latitude, longitude: longitude))
        }
        let projected: [(TransverseMercator, String, String)] = [
            (.etrsGK25, "northing_etrs_gk25", "easting_etrs_gk25"),
            (.etrsTM35FIN, "northing_etrs_tm35fin", "easting_etrs_tm35fin"),
        ]
        for (projection, northingKey, eastingKey) in projected {
            guard object.fields[northingKey] != nil || object.fields[eastingKey] != nil else { continue }
            guard let northing = object.double(northingKey), let easting = object.double(eastingKey) else {
                throw RejectionError(reason: .badCoordinates("\(northingKey) and \(eastingKey) must both be numbers"))
            }
            return try checked(projection.wgs84(northing: northing, easting: easting))
        }
        return nil
    }

    private static func checked(_ coordinates: Coordinates) throws -> Coordinates {
        guard coordinates.isValid, finland.latitude.contains(coordinates.latitude),
            finland.longitude.contains(coordinates.longitude)
        else {
            throw RejectionError(
                reason: .badCoordinates(
                    "latitude \(coordinates.latitude), longitude \(coordinates.longitude) are not in Finland"))
        }
        return coordinates
    }
}

/// Lenient typed access to one JSON object: numbers may come as strings and strings as numbers, blank is absent.
struct JSONObject {
    let fields: [String: JSONValue]

    func text(_ key: String) -> String? {
        guard let value = fields[key], let text = value.scalarText else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    func double(_ key: String) -> Double? {
        switch fields[key] {
        case .number(let number): return number
        case .string(let text): return Double(text.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    func bool(_ key: String) -> Bool {
        if case .bool(let flag) = fields[key] { return flag }
        return false
    }

    func array(_ key: String) -> [JSONValue] {
        if case .array(let items) = fields[key] { return items }
        return []
    }

    func integer(_ key: String) throws -> Int? {
        guard let value = fields[key], value != .null else { return nil }
        guard let text = value.scalarText, let number = Int(text) else {
            throw RejectionError(reason: .invalidField(field: key, problem: "\(value) is not an integer"))
        }
        return number
    }

    func integerID(_ key: String) throws -> Int {
        guard fields[key] != nil, fields[key] != .null else { throw RejectionError(reason: .missingID) }
        guard let id = try integer(key) else { throw RejectionError(reason: .missingID) }
        return id
    }

    func integers(_ key: String) throws -> [Int] {
        try array(key).map { value in
            guard let text = value.scalarText, let number = Int(text) else {
                throw RejectionError(reason: .invalidField(field: key, problem: "\(value) is not an integer"))
            }
            return number
        }
    }

    func names(prefix: String) -> LocalizedNames {
        LocalizedNames(fi: text(prefix + "fi"), sv: text(prefix + "sv"), en: text(prefix + "en"))
    }

    func requiredNames(prefix: String) throws -> LocalizedNames {
        let names = names(prefix: prefix)
        if names.isEmpty { throw RejectionError(reason: .noName) }
        return names
    }
}

extension LocalizedNames {
    mutating func set(_ code: String, _ text: String?) {
        switch code {
        case "fi": fi = text
        case "sv": sv = text
        default: en = text
        }
    }
}
