import Foundation
import NeuvoTestSupport
import Testing

@Suite("neuvo check")
struct CheckCommandTests {
    @Test func theProjectsOwnCatalogIsClean() async throws {
        let result = try await NeuvoProcess.run([
            "check", "--catalog", projectRoot.path, "--no-cross-validation", "--json",
        ])
        #expect(result.status == 0, "\(result.stdout)")
        let report = try JSONDecoder().decode([String: JSONAny].self, from: Data(result.stdout.utf8))
        #expect(report["ok"] != nil && result.stdout.contains(#""ok" : true"#))
    }

    @Test func aBrokenCatalogNamesFileAndLineAndFails() async throws {
        let folder = try TemporaryFolder()
        let root = URL(fileURLWithPath: folder.path("catalog"))
        for sub in ["intents", "locales"] {
            try FileManager.default.createDirectory(
                at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(
            at: projectRoot.appendingPathComponent("intents/greeting.json"),
            to: root.appendingPathComponent("intents/greeting.json"))
        try "{\n  \"greeting.answer\": {\"fi\": \"Hei!\", \"sv\": \"Hej!\"}\n}\n".write(
            to: root.appendingPathComponent("locales/general.json"), atomically: true, encoding: .utf8)
        let result = try await NeuvoProcess.run(["check", "--catalog", root.path, "--no-cross-validation"])
        #expect(result.status == 65)
        #expect(result.stdout.contains("locales/general.json:2:3: error: 'greeting.answer' has no en translation"))
        #expect(result.stdout.contains("1 intents, 1 locale keys: 1 error"))
    }
}
