import Foundation
import NeuvoHTTP
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoAPI

/// Issue 15's findings against the API, each reproduced: body limits per route, rate limits, receipts bound to
/// state, links, retention.
@Suite("Abuse limits", .serialized)
struct AbuseTests {
    @Test func aChatBodyOver16KiBIsAProblemDocument413() async throws {
        let api = try await TestAPI.make()
        let text = String(repeating: "a", count: 17 * 1024)
        let response = await api.request(.post, "/v1/chat", json: #"{"text": "\#(text)"}"#)
        #expect(response.status.code == 413)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        #expect(response.bodyText.contains("16384"))
        let fits = await api.request(.post, "/v1/chat", json: #"{"text": "hei"}"#)
        #expect(fits.status.code == 200)
    }

    @Test func aLargeBodyWithoutAValidKeyIsRefusedFromItsHeaders() async throws {
        let api = try await TestAPI.make()
        let bulk = #"{"arrangements": [\#(Array(repeating: "{}", count: 20_000).joined(separator: ","))]}"#
        let anonymous = await api.request(.post, "/v1/arrangements", json: bulk)
        #expect(anonymous.status.code == 401)
        let wrong = await api.request(.post, "/v1/arrangements", json: bulk, bearer: "neuvo_000000000000_nope")
        #expect(wrong.status.code == 401)
        // Over the bulk limit even with a key.
        let key = try await api.key([.arrangementsWrite])
        let huge = String(repeating: " ", count: 1024 * 1024 + 1)
        #expect(await api.request(.post, "/v1/arrangements", json: huge, bearer: key).status.code == 413)
        // Other city routes keep a smaller limit.
        let resident = String(repeating: " ", count: 65 * 1024)
        #expect(await api.request(.put, "/v1/residents/R9", json: resident, bearer: key).status.code == 413)
    }
}
