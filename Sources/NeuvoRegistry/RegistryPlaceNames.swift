import NeuvoLanguage
import NeuvoStorage

/// Units' and districts' names in the three languages, read from the registry's tables when an arrangement comes
/// in (a handful of rows by primary key or name: nothing is held in memory). The runtime hands it to intake as the
/// arrangements' `PlaceNames`.
public struct RegistryPlaceNames: Sendable {
    let database: Database

    public init(database: Database) { self.database = database }

    public func unitNames(id: String) async -> [Language: String]? {
        let row = try? await database.read { connection in
            try connection.queryOne("SELECT name_fi, name_sv, name_en FROM registry_units WHERE id = ?", id)
        }
        return row.flatMap(Self.names)
    }

    public func districtNames(named name: String) async -> [Language: String]? {
        let row = try? await database.read { connection in
            try connection.queryOne(
                """
                SELECT name_fi, name_sv, name_en FROM registry_districts
                WHERE name_fi = ?1 COLLATE NOCASE OR name_sv = ?1 COLLATE NOCASE OR name_en = ?1 COLLATE NOCASE
                ORDER BY id LIMIT 1
                """, name)
        }
        return row.flatMap(Self.names)
    }

    /// nil unless the Finnish name is there: the fallback every other language relies on.
    static func names(_ row: Row) -> [Language: String]? {
        var names: [Language: String] = [:]
        for language in Language.allCases {
            if let name = try? row.get("name_\(language.rawValue)", as: String?.self), !name.isEmpty {
                names[language] = name
            }
        }
        return names[.fi] == nil ? nil : names
    }
}
