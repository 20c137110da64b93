import Foundation
import NeuvoLanguage

/// Checks on resident-facing texts that a native clerk would otherwise catch by reading: sentences that break when a
/// value is missing, Finnish case endings a placeholder cannot carry, sentences too long for plain language, and
/// words the glossary says to avoid. All are warnings: `neuvo check --strict` makes them fail.
public enum TextRules {
    /// The longest sentence plain language allows (selkokieli, klarspråk and GOV.UK all put the limit near 25).
    public static let maximumWords = 25

    /// Values the code may not have when it renders these keys: a unit's address, phone or web page, an
    /// arrangement's place or date, a notice's unsubscribe link. Such a value belongs after a label
    /// ("Osoite: ((address))") or in an optional part ("((date??, ((date))))"), never in running text.
    public static let optionalValues: [(keyPrefix: String, names: Set<String>)] = [
        ("unit.", ["address", "phone", "link", "distance"]),
        ("arrangement.", ["place", "date"]),
        ("conversation.arrangement.item", ["place", "date"]),
        ("notice.", ["unsubscribe", "names_note"]),
    ]

    /// Words after a Finnish placeholder that do not make the name before them a genitive attribute.
    static let finnishPostpositions: Set<String> = [
        "asti", "saakka", "alkaen", "mennessä", "klo", "ja", "tai", "sekä", "on", "ovat", "oli", "kautta",
    ]

    public static func problems(_ strings: [LocalizedString], glossary: Glossary?) -> [CatalogProblem] {
        var problems: [CatalogProblem] = []
        for string in strings.sorted(by: { $0.key < $1.key }) {
            let optional = optionalValues.filter { string.key.hasPrefix($0.keyPrefix) }.reduce(into: Set<String>()) {
                $0.formUnion($1.names)
            }
            for language in Language.allCases {
                guard let forms = string.translations[language] else { continue }
                let templates: [Template]
                switch forms {
                case .single(let template): templates = [template]
                case .plural(let one, let other): templates = [one, other]
                }
                func warn(_ message: String, _ hint: String) {
                    problems.append(
                        CatalogProblem(
                            file: string.file, line: string.line(of: language), column: 1, severity: .warning,
                            message: "'\(string.key)' (\(language.rawValue)): \(message)", hint: hint))
                }
                for template in templates {
                    for name in misplacedOptionalValues(template.parts, optional: optional) {
                        warn(
                            "((\(name))) may be missing, and it sits in running text",
                            "put it after a label (\"Osoite: ((\(name)))\") or in an optional part "
                                + "(\"((\(name)??, ((\(name)))))\") so that the sentence stays whole without it")
                    }
                    if language == .fi {
                        for finding in finnishCaseProblems(template.parts) { warn(finding.0, finding.1) }
                    }
                    for sentence in sentences(of: template) where sentence.words > maximumWords {
                        warn(
                            "a sentence of \(sentence.words) words (\"\(sentence.start)…\")",
                            "plain language keeps sentences to \(maximumWords) words or fewer: split it")
                    }
                    if let glossary {
                        for hit in glossary.avoided(in: plainText(template.parts, value: " · "), language: language) {
                            warn(
                                "'\(hit.word)' is a word the glossary says to avoid",
                                "use '\(hit.term.preferred[language] ?? "")' (\(hit.term.concept))")
                        }
                    }
                }
            }
        }
        return problems
    }

    // MARK: - Missing values in running text

    /// Optional placeholders outside an optional part of their own and not right after a label.
    static func misplacedOptionalValues(_ parts: [Template.Part], optional: Set<String>, guarded: Set<String> = [])
        -> [String]
    {
        var found: [String] = []
        for (index, part) in parts.enumerated() {
            switch part {
            case .text: break
            case .placeholder(let name):
                guard optional.contains(name), !guarded.contains(name) else { continue }
                if !isAfterLabel(parts, index) { found.append(name) }
            case .conditional(let name, let body):
                found += misplacedOptionalValues(body, optional: optional, guarded: guarded.union([name]))
            }
        }
        return found
    }

    /// "Osoite: ((address))" at the start of a line, with nothing but the end of the line after it.
    static func isAfterLabel(_ parts: [Template.Part], _ index: Int) -> Bool {
        guard index > 0, case .text(let before) = parts[index - 1] else { return false }
        let line = before.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
        let label = line.trimmingCharacters(in: .whitespaces)
        guard label.hasSuffix(":"), label.count <= 40,
            label.dropLast().allSatisfy({ $0.isLetter || $0 == " " || $0 == "-" || $0 == "." })
        else { return false }
        guard index + 1 < parts.count else { return true }
        switch parts[index + 1] {
        case .text(let after):
            let rest = after.prefix { $0 != "\n" }
            return rest.allSatisfy { $0 == "." || $0 == " " }
        case .conditional: return true
        case .placeholder: return false
        }
    }

    // MARK: - Finnish case endings

    /// A name cannot take a case ending from a template: "((unit))ssa" glues the ending on, "Toimipisteen ((unit))
    /// aukioloajat" makes the name the head of a genitive phrase. Both read wrong for most names.
    static func finnishCaseProblems(_ parts: [Template.Part]) -> [(String, String)] {
        var found: [(String, String)] = []
        for (index, part) in parts.enumerated() {
            switch part {
            case .text: continue
            case .conditional(_, let body): found += finnishCaseProblems(body)
            case .placeholder(let name):
                let after: String = index + 1 < parts.count ? (parts[index + 1].text ?? "") : ""
                let before: String = index > 0 ? (parts[index - 1].text ?? "") : ""
                let glued = after.hasPrefix(":") ? after.dropFirst() : Substring(after)
                if let first = glued.first, first.isLetter {
                    let ending = glued.prefix { $0.isLetter }
                    found.append(
                        (
                            "((\(name)))\(after.hasPrefix(":") ? ":" : "")\(ending) gives the name a case ending it "
                                + "cannot carry",
                            "restructure so that the name stands in the nominative, e.g. after a label ('Paikka: "
                                + "((\(name)))')"
                        ))
                    continue
                }
                guard before.hasSuffix(" "), after.hasPrefix(" ") else { continue }
                let previous = before.dropLast().split(separator: " ").last.map(String.init) ?? ""
                let next = after.dropFirst().prefix { $0.isLetter }
                if previous.count > 3, previous.hasSuffix("n"), previous.first?.isLetter == true,
                    let firstOfNext = next.first, firstOfNext.isLowercase,
                    !finnishPostpositions.contains(String(next))
                {
                    found.append(
                        (
                            "'\(previous) ((\(name))) \(next)' puts the name inside a genitive phrase",
                            "name the thing with a label or restructure ('\(next.capitalized): ((\(name)))')"
                        ))
                }
            }
        }
        return found
    }

    // MARK: - Sentences

    struct Sentence {
        let words: Int
        let start: String
    }

    /// Sentences of the text with every value as one word (optional parts shown): split at . ! ? followed by a space
    /// or a line end, and at line ends.
    static func sentences(of template: Template) -> [Sentence] {
        let text = plainText(template.parts)
        var sentences: [Sentence] = []
        var current: [Substring] = []
        func close() {
            if !current.isEmpty {
                sentences.append(Sentence(words: current.count, start: current.prefix(6).joined(separator: " ")))
            }
            current = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            for word in line.split(separator: " ") {
                guard word.contains(where: { $0.isLetter || $0.isNumber }) else { continue }
                current.append(word)
                if let last = word.last, ".!?".contains(last), !word.hasPrefix("http") { close() }
            }
            close()
        }
        return sentences
    }

    /// The template's text with each value as `value` (by default a one-word stand-in) and every optional part shown.
    static func plainText(_ parts: [Template.Part], value: String = "«value»") -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .placeholder: value
            case .conditional(_, let body): plainText(body, value: value)
            }
        }.joined()
    }
}

extension Template.Part {
    var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }
}

/// `locales/glossary.json`: the preferred term for each concept in each language, and the words to avoid, so that a
/// staff edit that brings back *päivähoito* or *arrangement* is caught by `neuvo check`.
public struct Glossary: Sendable, Hashable {
    public struct Term: Sendable, Hashable {
        public let concept: String
        public let preferred: [Language: String]
        /// Lower-case words or phrases; a trailing `*` matches any ending (Finnish and Swedish inflect).
        public let avoid: [Language: [String]]
    }

    public let terms: [Term]

    public init(terms: [Term]) { self.terms = terms }

    /// Avoided words found in `text`, with the term they belong to.
    public func avoided(in text: String, language: Language) -> [(word: String, term: Term)] {
        let words = text.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "-") }.map(String.init)
        var hits: [(String, Term)] = []
        for term in terms {
            for pattern in term.avoid[language] ?? [] {
                let phrase = pattern.split(separator: " ").map(String.init)
                guard !phrase.isEmpty, phrase.count <= words.count else { continue }
                for start in 0...(words.count - phrase.count) {
                    let matches = phrase.indices.allSatisfy { offset in
                        let want = phrase[offset]
                        let word = words[start + offset]
                        return want.hasSuffix("*") ? word.hasPrefix(want.dropLast()) : word == want
                    }
                    if matches {
                        hits.append((words[start..<(start + phrase.count)].joined(separator: " "), term))
                        break
                    }
                }
            }
        }
        return hits
    }
}
