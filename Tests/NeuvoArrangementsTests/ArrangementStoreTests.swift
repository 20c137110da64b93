import Foundation
import NeuvoStorage
import Testing

@testable import NeuvoArrangements

@Suite("Residents and arrangements")
struct ArrangementStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func store() async throws -> ArrangementStore {
        let store = ArrangementStore(
            database: try Database.inMemory(
                options: Database.Options(migrations: StorageSchema.migrations + ArrangementsSchema.migrations)))
        try await store.upsert(
            Resident(id: "r1", name: "Maija", language: "fi", email: "maija@example.fi", consentEmail: true), now: now)
        try await store.upsert(
            Resident(id: "r2", name: "Erik", language: "sv", phone: "+358401234567", consentSMS: true), now: now)
        return store
    }

    func offer(_ id: String, for resident: String, kind: Arrangement.Kind = .preschoolPlace) -> Arrangement {
        Arrangement(
            id: id, residentID: resident, kind: kind,
            details: ["unit": "Kallion ala-aste", "start_date": "2027-08-01"],
            createdAt: now)
    }

    @Test func residentsRoundTripAndChooseTheirChannel() async throws {
        let store = try await store()
        let maija = try #require(try await store.resident("r1"))
        #expect(maija.deliveryChannel == .email)
        #expect(maija.quietStart == 21 * 60 && maija.quietEnd == 8 * 60)
        var erik = try #require(try await store.resident("r2"))
        #expect(erik.deliveryChannel == .sms)
        erik.consentSMS = false
        #expect(erik.deliveryChannel == nil)
    }

    @Test func anIdempotencyKeyCreatesOnlyOneArrangement() async throws {
        let store = try await store()
        let first = try await store.database.write { connection in
            try ArrangementStore.insert(self.offer("a1", for: "r1"), idempotencyKey: "k1", in: connection)
        }
        let second = try await store.database.write { connection in
            try ArrangementStore.insert(self.offer("a2", for: "r1"), idempotencyKey: "k1", in: connection)
        }
        #expect(first && !second)
        #expect(try await store.arrangements(of: "r1").map(\.id) == ["a1"])
    }

    @Test func healthIsAlwaysSensitive() {
        let checkup = Arrangement(
            id: "h", residentID: "r1", kind: .healthCheckup, details: [:], sensitivity: .normal, createdAt: now)
        #expect(checkup.sensitivity == .sensitive)
    }

    @Test func transitionsFollowTheTableAndAreAudited() async throws {
        let store = try await store()
        _ = try await store.database.write {
            try ArrangementStore.insert(self.offer("a1", for: "r1"), idempotencyKey: nil, in: $0)
        }
        let later = now.addingTimeInterval(60)
        _ = try await store.database.write {
            try ArrangementStore.transition(
                "a1", to: .accepted, reason: "resident accepted in chat", actor: "r1", now: later, in: $0)
        }
        await #expect(throws: ArrangementError.notAllowed(id: "a1", from: .accepted, to: .declined)) {
            try await store.database.write {
                try ArrangementStore.transition("a1", to: .declined, reason: "x", actor: "r1", now: later, in: $0)
            }
        }
        #expect(try await store.arrangement("a1")?.status == .accepted)
        let audit = try await store.transitions(of: "a1")
        #expect(audit.map(\.to) == ["offered", "accepted"])
        #expect(audit.last?.reason == "resident accepted in chat")
        #expect(
            ArrangementStatus.declined.isFinal && ArrangementStatus.cancelled.isFinal
                && !ArrangementStatus.offered.isFinal)
    }

    @Test func aResidentNeverReadsAnotherResidentsArrangement() async throws {
        let store = try await store()
        _ = try await store.database.write {
            try ArrangementStore.insert(self.offer("a1", for: "r1"), idempotencyKey: nil, in: $0)
        }
        #expect(try await store.arrangement("a1", of: "r1").id == "a1")
        await #expect(throws: ArrangementError.notFound("a1")) { try await store.arrangement("a1", of: "r2") }
        #expect(try await store.arrangements(of: "r2").isEmpty)
    }

    @Test func anArrangementNeedsAKnownResident() async throws {
        let store = try await store()
        await #expect(throws: ArrangementError.residentNotFound("nobody")) {
            try await store.database.write {
                try ArrangementStore.insert(self.offer("a9", for: "nobody"), idempotencyKey: nil, in: $0)
            }
        }
    }
}
