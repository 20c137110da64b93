import Foundation
import NeuvoLanguage
import NeuvoStorage
import NeuvoSupport

/// What building the search costs: the units' places, the services with their units, the two text indexes. Built
/// from a snapshot, or read back from the database (`RegistryIndexStore`).
struct BuiltIndexes: Sendable {
    var unitIDs: [String]
    var unitCoordinates: [Coordinates?]
    var unitPostalCodes: [String?]
    var districts: [DistrictRecord]
    var concepts: [ServiceConcept]
    var conceptUnits: [[Int]]
    var conceptIndex: TextIndex
    var unitIndex: TextIndex

    init(snapshot: RegistrySnapshot) {
        unitIDs = snapshot.units.map(\.id)
        unitCoordinates = snapshot.units.map(\.coordinates)
        unitPostalCodes = snapshot.units.map(\.postalCode)
        districts = snapshot.districts
        let built = RegistrySearch.buildConcepts(snapshot)
        concepts = built.concepts
        conceptUnits = built.units
        conceptIndex = TextIndex(documents: concepts.map(\.fields))
        unitIndex = TextIndex(
            documents: snapshot.units.map { unit in
                var fields = unit.names.all.map { IndexField(text: $0.1, language: $0.0, weight: 1) }
                if let words = unit.searchWords {
                    fields += words.split(separator: ",").map {
                        IndexField(text: String($0), language: .fi, weight: 0.6)
                    }
                }
                return fields
            })
    }

    func write(to writer: inout BinaryWriter) {
        writer.array(unitIDs) { $0.string($1) }
        writer.array(unitCoordinates) { $0.coordinates($1) }
        writer.array(unitPostalCodes) { writer, code in writer.optional(code) { $0.string($1) } }
        writer.array(districts) { writer, district in
            writer.string(district.id)
            writer.names(district.names)
            writer.array(district.postalCodes) { $0.string($1) }
            writer.coordinates(district.centre)
        }
        writer.array(concepts) { writer, concept in
            writer.string(concept.id)
            writer.names(concept.names)
            writer.ints(concept.nodeIDs)
            writer.ints(concept.keywordIDs)
            writer.optional(concept.depth) { $0.int($1) }
            writer.array(concept.fields) { writer, field in
                writer.string(field.text)
                writer.string(field.language.rawValue)
                writer.double(field.weight)
            }
        }
        writer.array(conceptUnits) { writer, units in writer.int32s(units.map { Int32($0) }) }
        conceptIndex.write(to: &writer)
        unitIndex.write(to: &writer)
    }

    init(from reader: inout BinaryReader) throws {
        unitIDs = try reader.array { try $0.string() }
        unitCoordinates = try reader.array { try $0.coordinates() }
        unitPostalCodes = try reader.array { reader in try reader.optional { try $0.string() } }
        districts = try reader.array { reader in
            DistrictRecord(
                id: try reader.string(), names: try reader.names(), postalCodes: try reader.array { try $0.string() },
                centre: try reader.coordinates())
        }
        concepts = try reader.array { reader in
            ServiceConcept(
                id: try reader.string(), names: try reader.names(), nodeIDs: try reader.ints(),
                keywordIDs: try reader.ints(), depth: try reader.optional { try $0.int() },
                fields: try reader.array { reader in
                    IndexField(text: try reader.string(), language: try reader.language(), weight: try reader.double())
                })
        }
        conceptUnits = try reader.array { reader in try reader.int32s().map(Int.init) }
        conceptIndex = try TextIndex(from: &reader)
        unitIndex = try TextIndex(from: &reader)
        let units = unitIDs.count
        guard unitCoordinates.count == units, unitPostalCodes.count == units, conceptUnits.count == concepts.count,
            conceptIndex.documentCount == concepts.count, unitIndex.documentCount == units,
            conceptUnits.allSatisfy({ $0.allSatisfy { (0..<units).contains($0) } })
        else { throw BinaryReadError("inconsistent counts") }
    }
}

/// The built search indexes and the gazetteer, kept in `registry_search_cache` by the registry's generation.
///
/// A row is valid for one generation, one format and one build of the program (a changed build may index
/// differently); any other row, or one that does not read back whole, is ignored and replaced after a build.
enum RegistryIndexStore {
    /// Bumped when the layout of what is written changes.
    static let format = "registry-index-1"

    static var version: String { "\(format)|\(BuildIdentity.current)" }

    /// Runs `body` in one read transaction, so the generation it reads belongs to the rows it reads.
    static func consistently<T>(_ connection: Connection, _ body: (Connection) throws -> T) throws -> T {
        try connection.executeScript("BEGIN")
        defer { try? connection.executeScript("COMMIT") }
        return try body(connection)
    }

    static func generation(_ connection: Connection) throws -> Int {
        try connection.scalar("SELECT generation FROM registry_generation WHERE id = 1", as: Int.self) ?? 0
    }

    /// The stored bytes of `name` when they were written for the current generation by this build.
    private static func stored(_ name: String, _ connection: Connection) throws -> [UInt8]? {
        guard
            let row = try connection.queryOne(
                """
                SELECT c.data FROM registry_search_cache c JOIN registry_generation g ON g.id = 1
                WHERE c.name = ? AND c.version = ? AND c.generation = g.generation
                """, name, version),
            case .blob(let bytes) = row[0]
        else { return nil }
        return bytes
    }

    static func read(_ reader: DatabaseReader) -> BuiltIndexes? {
        guard let bytes = try? reader.read({ try stored("indexes", $0) }) else { return nil }
        var input = BinaryReader(bytes)
        guard let built = try? BuiltIndexes(from: &input), input.isAtEnd else { return nil }
        return built
    }

    static func readGazetteer(_ reader: DatabaseReader) -> Gazetteer? {
        guard let bytes = try? reader.read({ try stored("gazetteer", $0) }) else { return nil }
        return try? Gazetteer(encoded: bytes)
    }

    /// Keeps what was built for `generation`, unless an import has changed the registry since (then the next start
    /// builds again). Failing to write (a read-only or in-memory database) only costs the next start a build.
    static func write(_ built: BuiltIndexes, gazetteer: Gazetteer, generation: Int, to database: Database) async {
        guard database.path != ":memory:", !database.path.hasPrefix("file::memory:") else { return }
        var indexes = BinaryWriter(capacity: 8 << 20)
        built.write(to: &indexes)
        let rows = [("indexes", indexes.bytes), ("gazetteer", gazetteer.encoded())]
        let version = version
        _ = try? await database.write { connection in
            guard try Self.generation(connection) == generation else { return }
            for (name, bytes) in rows {
                try connection.execute(
                    """
                    INSERT INTO registry_search_cache (name, version, generation, data) VALUES (?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET version = excluded.version, generation = excluded.generation,
                        data = excluded.data
                    """,
                    arguments: [.text(name), .text(version), .integer(Int64(generation)), .blob(bytes)])
            }
        }
    }
}
