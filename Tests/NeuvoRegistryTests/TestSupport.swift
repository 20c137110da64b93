import Foundation
import NeuvoRegistry
import NeuvoStorage
import NeuvoTestSupport

/// A fresh SQLite file in its own temporary folder.
func makeDatabase() throws -> Database {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-registry-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return try Database(
        path: folder.appendingPathComponent("neuvo.db").path,
        options: .init(migrations: StorageSchema.migrations + RegistrySchema.migrations))
}

/// A file of the shared development data (`SharedData`: NEUVO_SHARED_DATA or ../shared/data).
func helsinki(_ path: String) -> URL { SharedData.url("helsinki/\(path)") }

/// Writes a fixture file into a temporary folder.
func fixture(_ name: String, _ text: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-fixtures-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let url = folder.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url
}

/// One seeded database and its search, shared by the search tests (seeding and indexing take a while in debug).
let seededSearch = Task<RegistrySearch, any Error> {
    let database = try makeDatabase()
    try await RegistrySeeder.seedIfEmpty(database)
    return try await RegistrySearch.load(from: database)
}
