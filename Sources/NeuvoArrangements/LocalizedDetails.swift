import NeuvoCore

/// An arrangement's details as one resident reads them: names in their language, dates by `DateDisplay`.
///
/// City systems send single strings (`unit`, `title`), per-language ones where they have them (`unit_sv`,
/// `title_en`), or a Service Map id (`unit_id`) that intake turns into `unit`, `unit_sv` and `unit_en`. The
/// resident's language is used when present; otherwise the Finnish value, and `namesOnlyInFinnish` says so, so that
/// the notice or the chat can tell the resident once.
public struct LocalizedDetails: Sendable, Hashable {
    public let values: [String: String]
    /// A name (unit, title, district) is shown in Finnish because the resident's language had none.
    public let namesOnlyInFinnish: Bool

    /// Details that are dates or date-times (ISO 8601 from city systems).
    public static let dateKeys: Set<String> = ["start_date", "accept_by", "closes", "date", "time", "datetime"]
    /// Details that name something and so have a language. English keeps Finnish district names (Kallio is Kallio),
    /// so a district falls back silently in English, but not in Swedish (Berghäll).
    static let nameKeys: [String: Set<Language>] = ["unit": [.sv, .en], "title": [.sv, .en], "district": [.sv]]

    public init(_ details: [String: String], language: Language) {
        var values: [String: String] = [:]
        var fellBack = false
        for (key, value) in details where Self.baseKey(key) == key && key != "unit_id" {
            var shown = value
            if language != .fi {
                if let own = details["\(key)_\(language.rawValue)"], !own.isEmpty {
                    shown = own
                } else if Self.nameKeys[key]?.contains(language) == true {
                    fellBack = true
                }
            }
            values[key] = Self.dateKeys.contains(key) ? DateDisplay.text(shown, language: language) ?? shown : shown
        }
        // A per-language value without a base one (`title_sv` alone) still counts for its language.
        for (key, value) in details where key.hasSuffix("_\(language.rawValue)") {
            let base = String(key.dropLast(3))
            if values[base] == nil, base != "unit_id" {
                values[base] = Self.dateKeys.contains(base) ? DateDisplay.text(value, language: language) : value
            }
        }
        self.values = values
        namesOnlyInFinnish = fellBack
    }

    /// `title_sv` → `title`; other keys unchanged.
    static func baseKey(_ key: String) -> String {
        for language in Language.allCases where key.hasSuffix("_\(language.rawValue)") && key.count > 3 {
            return String(key.dropLast(3))
        }
        return key
    }
}

/// Names of places in the three languages, for arrangements that name their unit by Service Map id or their area by
/// district. Implemented over the registry by the runtime; intake stores what it finds with the arrangement, so a
/// notice and the chat read the same names even if the registry changes later.
public protocol PlaceNames: Sendable {
    /// The unit's names by language (Finnish always present when the unit is known).
    func unitNames(id: String) async -> [Language: String]?
    /// A district given in any language, by language (Kallio → fi Kallio, sv Berghäll).
    func districtNames(named: String) async -> [Language: String]?
}

extension LocalizedDetails {
    /// `unit_id` resolved into `unit`, `unit_sv`, `unit_en`, and a district into `district_sv`, where the city system
    /// did not send them itself. Unknown ids change nothing (the required `unit` check then decides).
    public static func resolvingPlaces(_ details: [String: String], with names: (any PlaceNames)?) async -> [String:
        String]
    {
        guard let names else { return details }
        var resolved = details
        if let id = details["unit_id"], !id.isEmpty, let unit = await names.unitNames(id: id) {
            for (language, name) in unit {
                let key = language == .fi ? "unit" : "unit_\(language.rawValue)"
                if (resolved[key] ?? "").isEmpty { resolved[key] = name }
            }
        }
        if let district = details["district"], !district.isEmpty, let found = await names.districtNames(named: district)
        {
            for (language, name) in found where language != .fi {
                let key = "district_\(language.rawValue)"
                if (resolved[key] ?? "").isEmpty { resolved[key] = name }
            }
        }
        return resolved
    }
}
