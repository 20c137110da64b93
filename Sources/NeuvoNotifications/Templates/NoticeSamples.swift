import NeuvoArrangements
import NeuvoCatalog
import NeuvoCore

/// Every notice kind rendered in every language, email and SMS, from sample details, as Markdown for reviewers who
/// read texts without running anything (`neuvo notices samples --out docs/samples`). The details go through the
/// same `LocalizedDetails` a real notice does: the unit's Swedish name, dates by each language's rule, and the note
/// when a name exists only in Finnish (the English samples show it).
public enum NoticeSamples {
    static let names: [Language: String] = [.fi: "Aino Virtanen", .sv: "Elsa Lindqvist", .en: "Alex Smith"]

    /// Sample details per kind, as a city system would send them (ISO dates, per-language names where it has them).
    static let details: [NoticeTemplate: [String: String]] = [
        .preschoolPlace: [
            "unit": "Päiväkoti Aurinkokallio", "unit_sv": "Daghemmet Solberget", "start_date": "2027-08-11",
            "accept_by": "2027-03-15",
        ],
        .budgetingVote: ["district": "Kallio", "district_sv": "Berghäll", "closes": "2027-10-31"],
        .planningDecision: [
            "title": "Kalasataman Sompasaaren asemakaava", "title_sv": "Detaljplan för Sumparn i Fiskehamnen",
            "url": "https://kartta.hel.fi/3d/?plan=12800",
        ],
        .reminder: ["accept_by": "2027-03-15"],
    ]

    static let link = "https://neuvo.hel.fi/r/SAMPLE-LINK"
    static let unsubscribe = "https://neuvo.hel.fi/unsubscribe/SAMPLE-TOKEN"

    /// The sample values a template is rendered with in `language` (for the samples and the staff console's preview).
    public static func values(for template: NoticeTemplate, language: Language, renderer: NoticeRenderer) throws
        -> [String: String]
    {
        var values: [String: String] = ["name": names[language]!, "link": link]
        if !template.isEssential { values["unsubscribe"] = unsubscribe }
        let localized = LocalizedDetails(details[template] ?? [:], language: language)
        values.merge(localized.values) { $1 }
        if localized.namesOnlyInFinnish {
            values["names_note"] = try renderer.locales.render("notice.names_only_in_finnish", language: language)
        }
        return values
    }

    /// File name → Markdown, one file per notice kind plus `README.md`.
    public static func render(with renderer: NoticeRenderer) throws -> [String: String] {
        var files: [String: String] = [:]
        var index = """
            # Notice samples

            Every notice Neuvo sends, in Finnish, Swedish and English, by email and by SMS, rendered from sample details
            by `swift run neuvo notices samples --out docs/samples` (a test fails when these files are out of date).
            Sample details are invented; links are placeholders.


            """
        for template in NoticeTemplate.allCases {
            var page = "# `\(template.rawValue)`\n\n"
            if let details = details[template] {
                page +=
                    "Sample details: `"
                    + details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    .joined(separator: "`, `") + "`\n\n"
            }
            for language in Language.allCases {
                var values: [String: String] = ["name": names[language]!, "link": link]
                if !template.isEssential { values["unsubscribe"] = unsubscribe }
                let localized = LocalizedDetails(details[template] ?? [:], language: language)
                values.merge(localized.values) { $1 }
                if localized.namesOnlyInFinnish {
                    values["names_note"] = try renderer.locales.render(
                        "notice.names_only_in_finnish", language: language)
                }
                let email = try renderer.render(template, channel: .email, locale: language.rawValue, values: values)
                let sms = try renderer.render(template, channel: .sms, locale: language.rawValue, values: values)
                let segments =
                    sms.segments.map {
                        " (\($0.segments) segment\($0.segments == 1 ? "" : "s"), \($0.encoding.rawValue))"
                    } ?? ""
                page += """
                    ## \(language.rawValue)

                    **Subject:** \(email.subject ?? "")

                    ```text
                    \(email.text)
                    ```

                    **SMS**\(segments):

                    ```text
                    \(sms.text)
                    ```


                    """
            }
            files["\(template.rawValue).md"] = page
            index += "- [`\(template.rawValue)`](\(template.rawValue).md)\n"
        }
        files["README.md"] = index
        return files
    }
}
