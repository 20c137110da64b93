import Foundation
import NeuvoStorage
import NeuvoSupport

/// Records parsed from one file, stored together in one transaction.
struct RegistryBatch: Sendable {
    var services: [ServiceNodeRecord] = []
    var keywords: [KeywordRecord] = []
    var units: [UnitRecord] = []
    var districts: [DistrictRecord] = []

    var isEmpty: Bool { services.isEmpty && keywords.isEmpty && units.isEmpty && districts.isEmpty }
}

/// What the search indexes are built from: the service tree, keywords and districts whole, and of each unit only
/// what its indexes need (names, search words, place, service links). Descriptions, addresses and connections stay
/// in the database and are read for the few units an answer shows.
struct RegistrySnapshot: Sendable {
    var services: [ServiceNodeRecord]
    var keywords: [KeywordRecord]
    var units: [UnitSummary]
    var districts: [DistrictRecord]
}

/// How many records of a kind were inserted, updated (changed since the last import), unchanged or rejected.
public struct ImportCounts: Sendable, Hashable {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var rejected = 0

    public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0, rejected: Int = 0) {
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
        self.rejected = rejected
    }

    /// Records stored by this import (inserted + updated + unchanged).
    public var accepted: Int { inserted + updated + unchanged }

    static func + (lhs: ImportCounts, rhs: ImportCounts) -> ImportCounts {
        ImportCounts(
            inserted: lhs.inserted + rhs.inserted, updated: lhs.updated + rhs.updated,
            unchanged: lhs.unchanged + rhs.unchanged, rejected: lhs.rejected + rhs.rejected)
    }
}

/// The registry's storage: the only place with registry SQL. Its interface is three calls (store a batch,
/// is it empty, read everything), so a PostgreSQL implementation could replace it.
public struct RegistryRepository: Sendable {
    public let database: Database
    private let clock: any WallClock

    /// `clock` stamps `updated_at`.
    public init(database: Database, clock: any WallClock = SystemClock()) {
        self.database = database
        self.clock = clock
    }

    /// True when no service, keyword, unit or district is stored.
    func isEmpty() async throws -> Bool {
        try await database.read { connection in try Self.count(connection) == 0 }
    }

    private static func count(_ connection: Connection) throws -> Int {
        try connection.scalar(
            """
            SELECT (SELECT count(*) FROM registry_services) + (SELECT count(*) FROM registry_keywords)
                + (SELECT count(*) FROM registry_units) + (SELECT count(*) FROM registry_districts)
            """, as: Int.self) ?? 0
    }

    /// Upserts by source id in one transaction; a record whose fingerprint is unchanged is not rewritten.
    func store(_ batch: RegistryBatch) async throws -> [RecordKind: ImportCounts] {
        try await store(batch, onlyIfEmpty: false) ?? [:]
    }

    /// As `store`, but stores nothing and returns nil when `onlyIfEmpty` and the registry has records.
    func store(_ batch: RegistryBatch, onlyIfEmpty: Bool) async throws -> [RecordKind: ImportCounts]? {
        let now = clock.now()
        return try await database.write { connection -> [RecordKind: ImportCounts]? in
            if onlyIfEmpty, try Self.count(connection) > 0 { return nil }
            var counts: [RecordKind: ImportCounts] = [:]
            for record in batch.services {
                counts[.service, default: ImportCounts()].add(try Self.upsert(record, now: now, connection))
            }
            for record in batch.keywords {
                counts[.keyword, default: ImportCounts()].add(try Self.upsert(record, now: now, connection))
            }
            for record in batch.units {
                counts[.unit, default: ImportCounts()].add(try Self.upsert(record, now: now, connection))
            }
            for record in batch.districts {
                counts[.district, default: ImportCounts()].add(try Self.upsert(record, now: now, connection))
            }
            // A changed record makes the search's stored indexes stale (RegistryIndexStore).
            if counts.values.contains(where: { $0.inserted + $0.updated > 0 }) {
                try connection.execute("UPDATE registry_generation SET generation = generation + 1 WHERE id = 1")
            }
            return counts
        }
    }

    enum Outcome {
        case inserted
        case updated
        case unchanged
    }

    private static func outcome(table: String, id: SQLiteValue, fingerprint: String, _ connection: Connection) throws
        -> Outcome
    {
        let stored = try connection.scalar(
            "SELECT fingerprint FROM \(table) WHERE id = ?", id, as: String.self)
        guard let stored else { return .inserted }
        return stored == fingerprint ? .unchanged : .updated
    }

    private static func upsert(_ record: ServiceNodeRecord, now: Date, _ connection: Connection) throws -> Outcome {
        let fingerprint = Fingerprint.of(record)
        let outcome = try outcome(
            table: "registry_services", id: .integer(Int64(record.id)), fingerprint: fingerprint, connection)
        guard outcome != .unchanged else { return outcome }
        try connection.execute(
            """
            INSERT INTO registry_services (id, parent_id, name_fi, name_sv, name_en, child_ids, keyword_reference,
                search_words_fi, search_words_sv, search_words_en, fingerprint, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, name_fi = excluded.name_fi,
                name_sv = excluded.name_sv, name_en = excluded.name_en, child_ids = excluded.child_ids,
                keyword_reference = excluded.keyword_reference, search_words_fi = excluded.search_words_fi,
                search_words_sv = excluded.search_words_sv, search_words_en = excluded.search_words_en,
                fingerprint = excluded.fingerprint, updated_at = excluded.updated_at
            """,
            record.id, record.parentID, record.names.fi, record.names.sv, record.names.en,
            record.childIDs.map(String.init).joined(separator: ","), record.keywordReference, record.searchWords.fi,
            record.searchWords.sv, record.searchWords.en, fingerprint, now)
        return outcome
    }

    private static func upsert(_ record: KeywordRecord, now: Date, _ connection: Connection) throws -> Outcome {
        let fingerprint = Fingerprint.of(record)
        let outcome = try outcome(
            table: "registry_keywords", id: .integer(Int64(record.id)), fingerprint: fingerprint, connection)
        guard outcome != .unchanged else { return outcome }
        try connection.execute(
            """
            INSERT INTO registry_keywords (id, name_fi, name_sv, name_en, search_words_fi, search_words_sv,
                search_words_en, fingerprint, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET name_fi = excluded.name_fi, name_sv = excluded.name_sv,
                name_en = excluded.name_en, search_words_fi = excluded.search_words_fi,
                search_words_sv = excluded.search_words_sv, search_words_en = excluded.search_words_en,
                fingerprint = excluded.fingerprint, updated_at = excluded.updated_at
            """,
            record.id, record.names.fi, record.names.sv, record.names.en, record.searchWords.fi,
            record.searchWords.sv, record.searchWords.en, fingerprint, now)
        return outcome
    }

    private static func upsert(_ record: UnitRecord, now: Date, _ connection: Connection) throws -> Outcome {
        let fingerprint = Fingerprint.of(record)
        let outcome = try outcome(table: "registry_units", id: .text(record.id), fingerprint: fingerprint, connection)
        guard outcome != .unchanged else { return outcome }
        try connection.execute(
            """
            INSERT INTO registry_units (id, source, is_sample, name_fi, name_sv, name_en, street_fi, street_sv,
                street_en, postal_code, city_fi, city_sv, city_en, phone, email, www_fi, www_sv, www_en,
                short_desc_fi, short_desc_sv, short_desc_en, latitude, longitude, search_words, fingerprint,
                updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET source = excluded.source, is_sample = excluded.is_sample,
                name_fi = excluded.name_fi, name_sv = excluded.name_sv, name_en = excluded.name_en,
                street_fi = excluded.street_fi, street_sv = excluded.street_sv, street_en = excluded.street_en,
                postal_code = excluded.postal_code, city_fi = excluded.city_fi, city_sv = excluded.city_sv,
                city_en = excluded.city_en, phone = excluded.phone, email = excluded.email, www_fi = excluded.www_fi,
                www_sv = excluded.www_sv, www_en = excluded.www_en, short_desc_fi = excluded.short_desc_fi,
                short_desc_sv = excluded.short_desc_sv, short_desc_en = excluded.short_desc_en,
                latitude = excluded.latitude, longitude = excluded.longitude, search_words = excluded.search_words,
                fingerprint = excluded.fingerprint, updated_at = excluded.updated_at
            """,
            arguments: [
                .text(record.id), .text(record.source), record.isSample.sqliteValue, record.names.fi.sqliteValue,
                record.names.sv.sqliteValue, record.names.en.sqliteValue, record.street.fi.sqliteValue,
                record.street.sv.sqliteValue, record.street.en.sqliteValue, record.postalCode.sqliteValue,
                record.city.fi.sqliteValue, record.city.sv.sqliteValue, record.city.en.sqliteValue,
                record.phone.sqliteValue, record.email.sqliteValue, record.www.fi.sqliteValue,
                record.www.sv.sqliteValue, record.www.en.sqliteValue, record.shortDescription.fi.sqliteValue,
                record.shortDescription.sv.sqliteValue, record.shortDescription.en.sqliteValue,
                record.coordinates?.latitude.sqliteValue ?? .null, record.coordinates?.longitude.sqliteValue ?? .null,
                record.searchWords.sqliteValue, .text(fingerprint), now.sqliteValue,
            ])
        if outcome == .updated {
            for table in [
                "registry_unit_services", "registry_unit_keywords", "registry_unit_categories",
                "registry_unit_connections",
            ] {
                try connection.execute("DELETE FROM \(table) WHERE unit_id = ?", record.id)
            }
        }
        // OR IGNORE: a source may list the same id twice.
        for serviceID in record.serviceIDs {
            try connection.execute(
                "INSERT OR IGNORE INTO registry_unit_services (unit_id, service_id) VALUES (?, ?)", record.id,
                serviceID)
        }
        for keywordID in record.keywordIDs {
            try connection.execute(
                "INSERT OR IGNORE INTO registry_unit_keywords (unit_id, keyword_id) VALUES (?, ?)", record.id,
                keywordID)
        }
        for (position, category) in record.categories.enumerated() {
            try connection.execute(
                """
                INSERT INTO registry_unit_categories (unit_id, position, name_fi, name_sv, name_en)
                VALUES (?, ?, ?, ?, ?)
                """,
                record.id, position, category.fi, category.sv, category.en)
        }
        for (position, item) in record.connections.enumerated() {
            try connection.execute(
                """
                INSERT INTO registry_unit_connections (unit_id, position, section_type, name_fi, name_sv, name_en,
                    www_fi, www_sv, www_en, phone, email)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                record.id, position, item.sectionType, item.names.fi, item.names.sv, item.names.en, item.www.fi,
                item.www.sv, item.www.en, item.phone, item.email)
        }
        return outcome
    }

    private static func upsert(_ record: DistrictRecord, now: Date, _ connection: Connection) throws -> Outcome {
        let fingerprint = Fingerprint.of(record)
        let outcome = try outcome(
            table: "registry_districts", id: .text(record.id), fingerprint: fingerprint, connection)
        guard outcome != .unchanged else { return outcome }
        try connection.execute(
            """
            INSERT INTO registry_districts (id, name_fi, name_sv, name_en, latitude, longitude, fingerprint, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET name_fi = excluded.name_fi, name_sv = excluded.name_sv,
                name_en = excluded.name_en, latitude = excluded.latitude, longitude = excluded.longitude,
                fingerprint = excluded.fingerprint, updated_at = excluded.updated_at
            """,
            record.id, record.names.fi, record.names.sv, record.names.en, record.centre?.latitude,
            record.centre?.longitude, fingerprint, now)
        try connection.execute("DELETE FROM registry_district_postal_codes WHERE district_id = ?", record.id)
        for code in Set(record.postalCodes) {
            try connection.execute(
                "INSERT INTO registry_district_postal_codes (postal_code, district_id) VALUES (?, ?)", code, record.id)
        }
        return outcome
    }

    // MARK: Reading

    /// Reads what the search indexes are built from.
    func snapshot() async throws -> RegistrySnapshot {
        try await database.read { connection in try Self.snapshot(connection) }
    }

    static func snapshot(_ connection: Connection) throws -> RegistrySnapshot {
        let services = try connection.query(
            """
            SELECT id, parent_id, name_fi, name_sv, name_en, child_ids, keyword_reference, search_words_fi,
                search_words_sv, search_words_en
            FROM registry_services ORDER BY id
            """
        ).map { row in
            ServiceNodeRecord(
                id: try row.get("id"), parentID: try row.get("parent_id"), names: try Self.names(row, "name_"),
                childIDs: (try row.get("child_ids", as: String.self)).split(separator: ",").compactMap {
                    Int($0)
                },
                keywordReference: try row.get("keyword_reference"),
                searchWords: try Self.names(row, "search_words_"))
        }
        let keywords = try connection.query(
            """
            SELECT id, name_fi, name_sv, name_en, search_words_fi, search_words_sv, search_words_en
            FROM registry_keywords ORDER BY id
            """
        ).map { row in
            KeywordRecord(
                id: try row.get("id"), names: try Self.names(row, "name_"),
                searchWords: try Self.names(row, "search_words_"))
        }
        // Rows are streamed, not collected: at city scale a collected result is tens of megabytes that malloc
        // keeps after the build.
        var units: [UnitSummary] = []
        var unitIndex: [String: Int] = [:]
        try connection.forEachRow(
            """
            SELECT id, name_fi, name_sv, name_en, postal_code, latitude, longitude, search_words
            FROM registry_units ORDER BY id
            """, arguments: []
        ) { row in
            let id: String = try row.get("id")
            let latitude: Double? = try row.get("latitude")
            let longitude: Double? = try row.get("longitude")
            unitIndex[id] = units.count
            units.append(
                UnitSummary(
                    id: id, names: try Self.names(row, "name_"), postalCode: try row.get("postal_code"),
                    coordinates: latitude.flatMap { latitude in
                        longitude.map { Coordinates(latitude: latitude, longitude: $0) }
                    },
                    serviceIDs: [], keywordIDs: [], categories: [], searchWords: try row.get("search_words")))
        }
        try connection.forEachRow("SELECT unit_id, service_id FROM registry_unit_services", arguments: []) { row in
            if let index = unitIndex[try row.get("unit_id")] {
                units[index].serviceIDs.append(try row.get("service_id"))
            }
        }
        try connection.forEachRow("SELECT unit_id, keyword_id FROM registry_unit_keywords", arguments: []) { row in
            if let index = unitIndex[try row.get("unit_id")] {
                units[index].keywordIDs.append(try row.get("keyword_id"))
            }
        }
        try connection.forEachRow(
            "SELECT unit_id, name_fi, name_sv, name_en FROM registry_unit_categories ORDER BY unit_id, position",
            arguments: []
        ) { row in
            if let index = unitIndex[try row.get("unit_id")] {
                units[index].categories.append(try Self.names(row, "name_"))
            }
        }
        var postalCodes: [String: [String]] = [:]
        for row in try connection.query(
            "SELECT district_id, postal_code FROM registry_district_postal_codes ORDER BY district_id, postal_code")
        {
            postalCodes[try row.get("district_id"), default: []].append(try row.get("postal_code"))
        }
        let districts = try connection.query(
            "SELECT id, name_fi, name_sv, name_en, latitude, longitude FROM registry_districts ORDER BY id"
        ).map { row in
            let id: String = try row.get("id")
            let latitude: Double? = try row.get("latitude")
            let longitude: Double? = try row.get("longitude")
            return DistrictRecord(
                id: id, names: try Self.names(row, "name_"), postalCodes: postalCodes[id] ?? [],
                centre: latitude.flatMap { latitude in
                    longitude.map { Coordinates(latitude: latitude, longitude: $0) }
                })
        }
        return RegistrySnapshot(services: services, keywords: keywords, units: units, districts: districts)
    }

    /// One unit as an answer shows it (no service links or categories), or nil when it is not stored.
    static func unit(id: String, _ connection: Connection) throws -> UnitRecord? {
        guard
            let row = try connection.queryOne(
                """
                SELECT id, source, is_sample, name_fi, name_sv, name_en, street_fi, street_sv, street_en, postal_code,
                    city_fi, city_sv, city_en, phone, email, www_fi, www_sv, www_en, short_desc_fi, short_desc_sv,
                    short_desc_en, latitude, longitude, search_words
                FROM registry_units WHERE id = ?
                """, id)
        else { return nil }
        let connections = try connection.query(
            """
            SELECT section_type, name_fi, name_sv, name_en, www_fi, www_sv, www_en, phone, email
            FROM registry_unit_connections WHERE unit_id = ? ORDER BY position
            """, id
        ).map { row in
            ConnectionRecord(
                sectionType: try row.get("section_type"), names: try Self.names(row, "name_"),
                www: try Self.names(row, "www_"), phone: try row.get("phone"), email: try row.get("email"))
        }
        let latitude: Double? = try row.get("latitude")
        let longitude: Double? = try row.get("longitude")
        return UnitRecord(
            id: id, source: try row.get("source"), isSample: try row.get("is_sample"),
            names: try Self.names(row, "name_"), street: try Self.names(row, "street_"),
            postalCode: try row.get("postal_code"), city: try Self.names(row, "city_"),
            phone: try row.get("phone"), email: try row.get("email"), www: try Self.names(row, "www_"),
            shortDescription: try Self.names(row, "short_desc_"),
            coordinates: latitude.flatMap { latitude in
                longitude.map { Coordinates(latitude: latitude, longitude: $0) }
            },
            serviceIDs: [], keywordIDs: [], categories: [], connections: connections,
            searchWords: try row.get("search_words"))
    }

    /// Every unit's names and street address, in id order, for the gazetteer.
    static func forEachUnitName(
        _ connection: Connection, _ body: (_ id: String, _ names: LocalizedNames, _ street: LocalizedNames) -> Void
    ) throws {
        try connection.forEachRow(
            "SELECT id, name_fi, name_sv, name_en, street_fi, street_sv, street_en FROM registry_units ORDER BY id",
            arguments: []
        ) { row in
            body(try row.get("id"), try Self.names(row, "name_"), try Self.names(row, "street_"))
        }
    }

    private static func names(_ row: Row, _ prefix: String) throws -> LocalizedNames {
        LocalizedNames(
            fi: try row.get(prefix + "fi"), sv: try row.get(prefix + "sv"), en: try row.get(prefix + "en"))
    }
}

extension ImportCounts {
    mutating func add(_ outcome: RegistryRepository.Outcome) {
        switch outcome {
        case .inserted: inserted += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        }
    }
}

/// A stable hash of a record's canonical JSON (FNV-1a, 64 bits): Swift's `Hasher` is seeded per process.
enum Fingerprint {
    static func of(_ record: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(record)) ?? Data()
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }
}
