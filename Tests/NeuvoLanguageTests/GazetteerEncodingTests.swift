import Foundation
import Testing

@testable import NeuvoLanguage

@Suite("Gazetteer: kept as bytes, read back whole or not at all")
struct GazetteerEncodingTests {
    private let entries = [
        GazetteerEntry(kind: .district, id: "kallio", names: ["Kallio", "Berghäll"]),
        GazetteerEntry(kind: .district, id: "vuosaari", names: ["Vuosaari", "Nordsjö"]),
        GazetteerEntry(kind: .unit, id: "kallio-library", names: ["Kallion kirjasto", "Berghälls bibliotek"]),
        GazetteerEntry(kind: .unit, id: "kallio-pool", names: ["Kallion uimahalli", "Kallio swimming hall"]),
        GazetteerEntry(kind: .unit, id: "oodi", names: ["Helsingin keskustakirjasto Oodi", "Oodi"]),
        GazetteerEntry(
            kind: .service, id: "health-station", names: ["terveysasema", "hälsostation", "health station"]),
    ]

    private func extract(_ gazetteer: Gazetteer, _ text: String) -> [String] {
        EntityExtractor(gazetteer: gazetteer).extract(
            text, language: nil, now: Date(timeIntervalSince1970: 0), timeZone: TimeZone(identifier: "UTC")!
        ).map { "\($0.kind):\($0.value)@\($0.start)" }
    }

    @Test func aGazetteerReadBackFindsWhatTheBuiltOneFinds() throws {
        let built = Gazetteer(entries)
        let read = try Gazetteer(encoded: built.encoded())
        #expect(read.entries.map(\.id) == built.entries.map(\.id))
        #expect(read.entries.map(\.kind) == built.entries.map(\.kind))
        for text in [
            "missä on Kallion kirjastossa", "kallion uimahalliin", "Kallio swimming hall", "Oodissa", "kalliossa",
            "Berghälls bibliotek", "närmaste hälsostation i Nordsjö", "nearest health station in vuosaari",
            "Helsingin keskustakirjasto Oodi",
        ] {
            #expect(extract(read, text) == extract(built, text), "\(text)")
            #expect(!extract(built, text).isEmpty, "\(text)")
        }
    }

    @Test func bytesThatAreNotAWholeGazetteerAreRefused() throws {
        let bytes = Gazetteer(entries).encoded()
        #expect(throws: BinaryReadError.self) { try Gazetteer(encoded: Array(bytes.prefix(bytes.count / 2))) }
        #expect(throws: BinaryReadError.self) { try Gazetteer(encoded: bytes + [0]) }
        #expect(throws: BinaryReadError.self) {
            try Gazetteer(encoded: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        }
    }
}
