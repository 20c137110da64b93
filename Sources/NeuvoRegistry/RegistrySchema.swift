import NeuvoStorage

/// The tables this module owns, declared by stable ids (the application fixes the order of all modules).
public enum RegistrySchema {
    /// The Service Map registry: the service tree, service keywords, units and districts.
    ///
    /// Rows are keyed by the source's own ids so a re-import upserts; `fingerprint` is a hash of the imported
    /// record, which tells an unchanged record from an updated one without comparing every column.
    /// Only `NeuvoRegistry`'s repository reads or writes these tables.
    ///
    /// `registry_generation` counts the stores that changed a record; `registry_search_cache` keeps the search's
    /// built indexes for one generation (see `RegistryIndexStore`), so a start on an unchanged registry reads them
    /// instead of building them.
    public static let migrations: [Migration] = [
        Migration(
            "registry.service-tree", legacyVersion: 2,
            sql: """
                CREATE TABLE registry_services (
                    id INTEGER PRIMARY KEY,
                    parent_id INTEGER,
                    name_fi TEXT,
                    name_sv TEXT,
                    name_en TEXT,
                    child_ids TEXT NOT NULL DEFAULT '',
                    keyword_reference TEXT,
                    search_words_fi TEXT,
                    search_words_sv TEXT,
                    search_words_en TEXT,
                    fingerprint TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX registry_services_parent ON registry_services (parent_id);
                CREATE TABLE registry_keywords (
                    id INTEGER PRIMARY KEY,
                    name_fi TEXT,
                    name_sv TEXT,
                    name_en TEXT,
                    search_words_fi TEXT,
                    search_words_sv TEXT,
                    search_words_en TEXT,
                    fingerprint TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                """),
        Migration(
            "registry.units", legacyVersion: 3,
            sql: """
                CREATE TABLE registry_units (
                    id TEXT PRIMARY KEY,
                    source TEXT NOT NULL,
                    is_sample INTEGER NOT NULL DEFAULT 0 CHECK (is_sample IN (0, 1)),
                    name_fi TEXT,
                    name_sv TEXT,
                    name_en TEXT,
                    street_fi TEXT,
                    street_sv TEXT,
                    street_en TEXT,
                    postal_code TEXT,
                    city_fi TEXT,
                    city_sv TEXT,
                    city_en TEXT,
                    phone TEXT,
                    email TEXT,
                    www_fi TEXT,
                    www_sv TEXT,
                    www_en TEXT,
                    short_desc_fi TEXT,
                    short_desc_sv TEXT,
                    short_desc_en TEXT,
                    latitude REAL,
                    longitude REAL,
                    search_words TEXT,
                    fingerprint TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX registry_units_postal_code ON registry_units (postal_code);
                CREATE TABLE registry_unit_services (
                    unit_id TEXT NOT NULL REFERENCES registry_units (id) ON DELETE CASCADE,
                    service_id INTEGER NOT NULL,
                    PRIMARY KEY (unit_id, service_id)
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX registry_unit_services_service ON registry_unit_services (service_id);
                CREATE TABLE registry_unit_keywords (
                    unit_id TEXT NOT NULL REFERENCES registry_units (id) ON DELETE CASCADE,
                    keyword_id INTEGER NOT NULL,
                    PRIMARY KEY (unit_id, keyword_id)
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX registry_unit_keywords_keyword ON registry_unit_keywords (keyword_id);
                CREATE TABLE registry_unit_categories (
                    unit_id TEXT NOT NULL REFERENCES registry_units (id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    name_fi TEXT,
                    name_sv TEXT,
                    name_en TEXT,
                    PRIMARY KEY (unit_id, position)
                ) STRICT, WITHOUT ROWID;
                CREATE TABLE registry_unit_connections (
                    unit_id TEXT NOT NULL REFERENCES registry_units (id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    section_type TEXT NOT NULL,
                    name_fi TEXT,
                    name_sv TEXT,
                    name_en TEXT,
                    www_fi TEXT,
                    www_sv TEXT,
                    www_en TEXT,
                    phone TEXT,
                    email TEXT,
                    PRIMARY KEY (unit_id, position)
                ) STRICT, WITHOUT ROWID;
                """),
        Migration(
            "registry.districts", legacyVersion: 4,
            sql: """
                CREATE TABLE registry_districts (
                    id TEXT PRIMARY KEY,
                    name_fi TEXT,
                    name_sv TEXT,
                    name_en TEXT,
                    latitude REAL,
                    longitude REAL,
                    fingerprint TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                ) STRICT;
                CREATE TABLE registry_district_postal_codes (
                    postal_code TEXT NOT NULL,
                    district_id TEXT NOT NULL REFERENCES registry_districts (id) ON DELETE CASCADE,
                    PRIMARY KEY (postal_code, district_id)
                ) STRICT, WITHOUT ROWID;
                CREATE INDEX registry_district_postal_codes_district ON registry_district_postal_codes (district_id);
                """),
        Migration(
            "registry.search-cache",
            sql: """
                CREATE TABLE registry_generation (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    generation INTEGER NOT NULL
                ) STRICT;
                INSERT INTO registry_generation (id, generation) VALUES (1, 0);
                CREATE TABLE registry_search_cache (
                    name TEXT PRIMARY KEY,
                    version TEXT NOT NULL,
                    generation INTEGER NOT NULL,
                    data BLOB NOT NULL
                ) STRICT;
                """),
    ]
}
