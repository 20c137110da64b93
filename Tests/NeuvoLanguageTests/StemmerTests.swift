import Foundation
import Testing

@testable import NeuvoLanguage

@Suite struct StemmerTests {
    // MARK: Behaviour (no data files needed)

    @Test func finnishCaseEndingsAndPlurals() {
        let stemmer = FinnishStemmer()
        #expect(stemmer.stem("päiväkodissa") == "päiväkod")
        #expect(stemmer.stem("terveysasemalle") == "terveysasem")
        #expect(stemmer.stem("kirjastoon") == "kirjasto")
        #expect(stemmer.stem("kirjastossa") == "kirjasto")
        #expect(stemmer.stem("taloissa") == "talo")
        #expect(stemmer.stem("uimahalliin") == "uimahal")
        #expect(stemmer.stem("kaupungintalolla") == "kaupungintalo")
    }

    @Test func swedishDefiniteAndPluralForms() {
        let stemmer = SwedishStemmer()
        #expect(stemmer.stem("förskoleplatsen") == "förskoleplats")
        #expect(stemmer.stem("biblioteket") == "bibliotek")
        #expect(stemmer.stem("bibliotekens") == "bibliotek")
        #expect(stemmer.stem("simhallen") == "simhall")
        #expect(stemmer.stem("parkeringen") == "parkering")
    }

    @Test func englishPorter2() {
        let stemmer = EnglishStemmer()
        #expect(stemmer.stem("running") == "run")
        #expect(stemmer.stem("swimming") == "swim")
        #expect(stemmer.stem("generously") == "generous")
        #expect(stemmer.stem("caresses") == "caress")
        #expect(stemmer.stem("libraries") == "librari")
        #expect(stemmer.stem("happiness") == "happi")
        #expect(stemmer.stem("relational") == "relat")
        #expect(stemmer.stem("hopeful") == "hope")
        // Exceptional forms.
        #expect(stemmer.stem("skies") == "sky")
        #expect(stemmer.stem("dying") == "die")
        #expect(stemmer.stem("news") == "news")
        #expect(stemmer.stem("ugly") == "ugli")
    }

    @Test func shortAndEmptyWordsAreUnchanged() {
        for language in Language.allCases {
            #expect(language.stemmer.stem("") == "")
            #expect(language.stemmer.stem("a") == "a")
        }
        #expect(EnglishStemmer().stem("is") == "is")
    }

    @Test func languageChoosesItsStemmer() {
        #expect(Language.fi.stemmer is FinnishStemmer)
        #expect(Language.sv.stemmer is SwedishStemmer)
        #expect(Language.en.stemmer is EnglishStemmer)
    }

    // MARK: Reference pairs from the Snowball 3.1.1 implementation

    /// Pair counts of the reference files (see shared/data/README.md).
    private static let referenceCounts: [Language: Int] = [.fi: 12_718, .sv: 8_972, .en: 6_180]

    @Test(.enabled(if: SharedData.isAvailable), arguments: Language.allCases)
    func reproducesSnowballReference(language: Language) throws {
        let text = try String(contentsOf: SharedData.url("snowball/\(language.rawValue).tsv"), encoding: .utf8)
        let stemmer = language.stemmer
        var checked = 0
        var mismatches: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else { continue }
            checked += 1
            let actual = stemmer.stem(String(fields[0]))
            // Compare scalar by scalar: String equality would hide differences in normalisation.
            if !actual.unicodeScalars.elementsEqual(fields[1].unicodeScalars) {
                mismatches.append("\(fields[0]) -> \(actual), expected \(fields[1])")
            }
        }
        #expect(
            checked == Self.referenceCounts[language],
            "\(language.rawValue): \(checked) pairs read, \(Self.referenceCounts[language] ?? 0) expected"
        )
        let summary =
            "\(language.rawValue): \(checked - mismatches.count) of \(checked) pairs reproduced; "
            + "\(mismatches.count) differ: \(mismatches.prefix(20))"
        #expect(mismatches.isEmpty, "\(summary)")
    }
}
