import Foundation
import NeuvoArrangements
import NeuvoNotifications
import NeuvoTestSupport
import Testing

@testable import NeuvoAPI

/// A notice names its unit in the resident's language, from the Service Map id a city system sends, and prints
/// dates by the one rule of each language.
@Suite("Names and dates in the resident's language")
struct NamesAndDatesTests {
    func arrange(_ api: TestAPI, resident: String, details: [String: String], key: String) async throws -> Notice {
        let outcome = try await api.app.intake.arrange(
            ArrangementRequest(resident: resident, kind: "preschool_place", details: details, idempotencyKey: key))
        let id = try #require(outcome.noticeID)
        return try #require(try await api.app.gateway.notices.notice(id))
    }

    @Test func aSwedishNoticeCarriesTheSwedishUnitNameFromTheServiceMap() async throws {
        let api = try await TestAPI.make()
        let notice = try await arrange(
            api, resident: "R2", details: ["unit_id": "8215", "start_date": "2027-08-01", "accept_by": "2027-03-15"],
            key: "sv-1")
        #expect(notice.personalisation["unit"] == "Berghälls bibliotek")
        #expect(notice.personalisation["names_note"] == nil, "the Service Map has the Swedish name")
        let rendered = try api.app.gateway.renderer().render(
            .preschoolPlace, channel: .email, locale: "sv", values: notice.personalisation.merging(["link": "L"]) { $1 }
        )
        #expect(rendered.text.contains("Plats: Berghälls bibliotek\nBörjar: 1.8.2027"), "\(rendered.text)")
        // The same request again is the same arrangement: names resolve the same way every time.
        let again = try await arrange(
            api, resident: "R2", details: ["unit_id": "8215", "start_date": "2027-08-01", "accept_by": "2027-03-15"],
            key: "sv-1")
        #expect(again.id == notice.id)
    }

    @Test func aNameOnlyInFinnishIsSaidOnceAndEnglishDatesAreSpelledOut() async throws {
        let api = try await TestAPI.make()
        try await api.app.gateway.arrangements.upsert(
            Resident(id: "R3", name: "Resident R3", language: "en", email: "r3@example.org", consentEmail: true),
            now: api.clock.now())
        let notice = try await arrange(
            api, resident: "R3",
            details: ["unit": "Päiväkoti Ämmä", "start_date": "2027-08-01", "accept_by": "2027-03-15"], key: "en-1")
        #expect(notice.personalisation["start_date"] == "1 August 2027")
        #expect(notice.personalisation["accept_by"] == "15 March 2027")
        let rendered = try api.app.gateway.renderer().render(
            .preschoolPlace, channel: .email, locale: "en", values: notice.personalisation.merging(["link": "L"]) { $1 }
        )
        #expect(
            rendered.text.contains(
                "Place: Päiväkoti Ämmä\nStarts: 1 August 2027\nThe name is only available in Finnish."))
        #expect(rendered.text.components(separatedBy: "only available in Finnish").count == 2, "said once")
    }
}

/// Only https links on the allowed hosts survive in a chat reply's sources, but Neuvo's own paths (the identify
/// action's `/auth/login?return=/`) do too; `//host` and `/\host` are other sites to a browser.
@Suite("Links in chat replies")
struct ChatReplyLinkTests {
    @Test func ownPathsStayAndProtocolRelativeOnesDoNot() {
        #expect(APIRoutes.isOwnPath("/auth/login?return=/"))
        #expect(!APIRoutes.isOwnPath("//evil.example/phish"))
        #expect(!APIRoutes.isOwnPath("/\\evil.example"))
        #expect(!APIRoutes.isOwnPath("https://evil.example/"))
    }
}
