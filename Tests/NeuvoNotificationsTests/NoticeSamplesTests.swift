import Foundation
import NeuvoCatalog
import NeuvoTestSupport
import Testing

@testable import NeuvoNotifications

/// `docs/samples/` is what reviewers read: it must be what the shipped texts render today.
@Suite("Committed notice samples")
struct NoticeSamplesTests {
    @Test func theCommittedSamplesAreWhatTheTextsRenderToday() throws {
        let source = CatalogLoader(root: projectRoot).load()
        let files = try NoticeSamples.render(with: NoticeRenderer(locales: LocaleTable(source.locales)))
        #expect(files.count == NoticeTemplate.allCases.count + 1)
        let folder = projectRoot.appendingPathComponent("docs/samples")
        for (name, text) in files {
            let committed = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(
                committed == text,
                "docs/samples/\(name) is out of date: run swift run neuvo notices samples --out docs/samples")
        }
    }

    /// Every kind in every language fills every value: no sample shows a raw ((placeholder)).
    @Test func noSampleLeavesAPlaceholderUnfilled() throws {
        let source = CatalogLoader(root: projectRoot).load()
        for (name, text) in try NoticeSamples.render(with: NoticeRenderer(locales: LocaleTable(source.locales))) {
            #expect(!text.contains("(("), "\(name)")
        }
    }
}
