import Foundation
import Testing

@testable import NeuvoCatalog

@Suite("Reloading the catalog without downtime")
struct LiveCatalogTests {
    @Test func aGoodEditIsPickedUpAndABrokenOneIsRefused() throws {
        let fixture = try CatalogFixture()
        let live = LiveCatalog(try Catalog.load(root: fixture.root))
        let before = live.catalog
        #expect(try before.locales.render("greeting.answer", language: .fi) == "Hei! Miten voin auttaa?")

        try fixture.write(
            "locales/general.json",
            """
            {
              "unit.opening_hours.answer": {"fi": "((unit)) on auki ((hours)).", "sv": "((unit)) har öppet ((hours)).", "en": "((unit)) is open ((hours))."},
              "greeting.answer": {"fi": "Moikka!", "sv": "Hejsan!", "en": "Hello there!"}
            }
            """)
        guard case .success = live.reload() else {
            Issue.record("a valid edit was refused")
            return
        }
        #expect(try live.catalog.locales.render("greeting.answer", language: .fi) == "Moikka!")
        // A snapshot taken before the reload keeps answering as it did.
        #expect(try before.locales.render("greeting.answer", language: .fi) == "Hei! Miten voin auttaa?")

        try fixture.write("locales/general.json", #"{"greeting.answer": {"fi": "Rikki"#)
        guard case .failure(let error) = live.reload() else {
            Issue.record("a broken catalog was accepted")
            return
        }
        #expect(error.description.contains("locales/general.json"))
        #expect(try live.catalog.locales.render("greeting.answer", language: .fi) == "Moikka!")
    }
}
