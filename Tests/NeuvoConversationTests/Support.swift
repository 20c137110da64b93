import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoConversation
import NeuvoLanguage
import NeuvoStorage
import NeuvoSupport
import Testing

/// The project's own catalog (intents/ and locales/ at the repository root), trained once for all tests.
let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let projectCatalog: Catalog = {
    do {
        return try Catalog.load(root: projectRoot)
    } catch {
        fatalError("the project catalog does not load: \(error)")
    }
}()

/// A small Service Map: two libraries and a swimming hall, named in three languages.
struct TestDirectory: ServiceDirectory {
    struct Entry {
        let unit: [Language: DirectoryUnit]
        let service: String
        let district: String
    }

    static let entries: [Entry] = [
        Entry(
            unit: units(
                id: "unit:8215", names: ["Kallion kirjasto", "Berghälls bibliotek", "Kallio Library"],
                address: "Viides linja 11, 00530 Helsinki", phone: "09 3108 5000",
                hours: [
                    "ma–to 9–20, pe 9–16, la–su 11–17", "mån–tor 9–20, fre 9–16, lör–sön 11–17",
                    "Mon–Thu 9–20, Fri 9–16, Sat–Sun 11–17",
                ]),
            service: "service:library", district: "district:kallio"),
        Entry(
            unit: units(
                id: "unit:8292", names: ["Vuosaaren kirjasto", "Nordsjö bibliotek", "Vuosaari Library"],
                address: "Mosaiikkitori 2, 00980 Helsinki", phone: "09 3108 5110",
                hours: ["ma–pe 9–20", "mån–fre 9–20", "Mon–Fri 9–20"]),
            service: "service:library", district: "district:vuosaari"),
        Entry(
            unit: units(
                id: "unit:40142",
                names: ["Itäkeskuksen uimahalli", "Östra centrums simhall", "Itäkeskus Swimming Hall"],
                address: "Olavinlinnantie 6, 00900 Helsinki", phone: nil, hours: nil),
            service: "service:swimming", district: "district:itakeskus"),
    ]

    static func units(id: String, names: [String], address: String, phone: String?, hours: [String]?)
        -> [Language: DirectoryUnit]
    {
        Dictionary(
            uniqueKeysWithValues: Language.allCases.enumerated().map { index, language in
                (
                    language,
                    DirectoryUnit(
                        id: id, name: names[index], address: address, phone: phone,
                        link: "https://palvelukartta.hel.fi/\(language.rawValue)/unit/\(id.dropFirst(5))",
                        openingHours: hours?[index])
                )
            })
    }

    static let gazetteer: [GazetteerEntry] =
        [
            GazetteerEntry(kind: .service, id: "service:library", names: ["kirjasto", "bibliotek", "library"]),
            GazetteerEntry(kind: .service, id: "service:swimming", names: ["uimahalli", "simhall", "swimming hall"]),
            GazetteerEntry(kind: .district, id: "district:kallio", names: ["Kallio", "Berghäll"]),
            GazetteerEntry(kind: .district, id: "district:vuosaari", names: ["Vuosaari", "Nordsjö"]),
            GazetteerEntry(kind: .district, id: "district:itakeskus", names: ["Itäkeskus", "Östra centrum"]),
        ]
        + entries.map { entry in
            GazetteerEntry(kind: .unit, id: entry.unit[.fi]!.id, names: entry.unit.values.map(\.name))
        }

    func gazetteerEntries() async throws -> [GazetteerEntry] { Self.gazetteer }

    func directoryUnit(id: String, language: Language) async throws -> DirectoryUnit? {
        Self.entries.first { $0.unit[language]?.id == id }?.unit[language]
    }

    func findUnit(services: [String], district: String?, language: Language) async throws -> DirectoryUnit? {
        let offering = Self.entries.filter { services.contains($0.service) }
        return (offering.first { $0.district == district } ?? offering.first)?.unit[language]
    }
}

/// A fresh database file, a clock at a known Helsinki time, and the engine over them.
final class ChatFixture: @unchecked Sendable {
    let folder: URL
    let database: Database
    let clock: ManualClock
    let engine: ConversationEngine
    let arrangements: ArrangementStore
    let transcripts: ConversationStore
    var session: SessionID?
    var residentID: String?

    /// Wednesday 3 March 2027, 10:00 in Helsinki (08:00 UTC): customer service is open.
    static let wednesdayMorning = Date(timeIntervalSince1970: 1_804_060_800)

    init(
        at start: Date = ChatFixture.wednesdayMorning, directory: Bool = true, catalog: Catalog = projectCatalog,
        afterTransition: ArrangementDesk.AfterTransition? = nil
    ) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-chat-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try Database(
            path: folder.appendingPathComponent("neuvo.db").path, options: .init(migrations: conversationSchema))
        clock = ManualClock(start)
        engine = ConversationEngine(
            catalog: catalog, database: database, directory: directory ? TestDirectory() : nil,
            gazetteer: directory ? TestDirectory.gazetteer : [], clock: clock, afterTransition: afterTransition)
        arrangements = ArrangementStore(database: database)
        transcripts = ConversationStore(database: database)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Sends one message in the fixture's session (the first starts it).
    @discardableResult
    func say(_ text: String, language: Language? = nil) async throws -> Reply {
        let reply = try await engine.respond(to: text, session: session, residentID: residentID, language: language)
        session = reply.sessionID
        return reply
    }

    /// A resident with a preschool place offered at Kallio primary school from 1 August 2027.
    @discardableResult
    func residentWithPreschoolOffer(
        id: String = "resident-1", language: String = "fi", arrangementID: String = "arr-preschool-1"
    ) async throws -> Arrangement {
        try await arrangements.upsert(Resident(id: id, name: "Maija Meikäläinen", language: language), now: clock.now())
        let arrangement = Arrangement(
            id: arrangementID, residentID: id, kind: .preschoolPlace,
            details: ["unit": "Kallion ala-aste", "start_date": "2027-08-01", "accept_by": "2027-04-15"],
            createdAt: clock.now())
        _ = try await database.write { connection in
            try ArrangementStore.insert(arrangement, idempotencyKey: nil, in: connection)
        }
        return arrangement
    }

    func rows(_ sql: String) async throws -> [Row] {
        try await database.read { connection in try connection.query(sql) }
    }
}
