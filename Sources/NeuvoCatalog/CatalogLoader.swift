import Foundation
import NeuvoLanguage
import NeuvoSupport

/// Reads `intents/` and `locales/` from a folder and checks everything that can be checked without
/// training: syntax, fields, languages, example counts, duplicates, locale keys and placeholders.
public struct CatalogLoader: Sendable {
    public static let minimumExamplesPerLanguage = 15
    public static let outOfScopeID = "out_of_scope"

    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    public struct Result: Sendable {
        public var intents: [IntentDefinition] = []
        public var locales: [String: LocalizedString] = [:]
        public var problems: [CatalogProblem] = []
    }

    public func load() -> Result {
        var result = Result()
        let intentsFolder = root.appendingPathComponent("intents")
        let localesFolder = root.appendingPathComponent("locales")
        for (folder, name) in [(intentsFolder, "intents"), (localesFolder, "locales")] {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) || !isDirectory.boolValue
            {
                result.problems.append(
                    CatalogProblem(
                        file: name, line: 0, message: "the folder \(folder.path) does not exist",
                        hint:
                            "run from the project folder or point --catalog at the folder holding intents/ and locales/"
                    ))
            }
        }
        var glossary: Glossary?
        for file in jsonFiles(in: localesFolder) {
            if file.lastPathComponent == Self.glossaryFile {
                glossary = loadGlossary(file, problems: &result.problems)
            } else {
                loadLocales(file, into: &result)
            }
        }
        result.problems += TextRules.problems(Array(result.locales.values), glossary: glossary)
        for file in jsonFiles(in: intentsFolder) {
            if let intent = loadIntent(file, problems: &result.problems) { result.intents.append(intent) }
        }
        result.intents.sort { $0.id < $1.id }
        if result.intents.isEmpty && !result.problems.contains(where: { $0.file == "intents" }) {
            result.problems.append(
                CatalogProblem(
                    file: "intents", line: 0, message: "no intents were found",
                    hint: "add one file per intent, such as intents/greeting.json (see docs/CATALOG.md)"))
        }
        checkReferences(&result)
        checkDuplicateExamples(&result)
        return result
    }

    /// Only `locales/`: parsed and validated as `load` does, without the intents, the text rules (warnings for
    /// `neuvo check`) or the cross-checks between intents and texts. For processes that render notices and never
    /// classify (`arrange`, `dispatch`): reading every intent's examples was two thirds of their start-up.
    public func loadLocales() -> Result {
        var result = Result()
        let localesFolder = root.appendingPathComponent("locales")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: localesFolder.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            result.problems.append(
                CatalogProblem(
                    file: "locales", line: 0, message: "the folder \(localesFolder.path) does not exist",
                    hint: "run from the project folder or point --catalog at the folder holding intents/ and locales/"))
            return result
        }
        for file in jsonFiles(in: localesFolder) where file.lastPathComponent != Self.glossaryFile {
            loadLocales(file, into: &result)
        }
        return result
    }

    /// `locales/glossary.json` holds terms, not strings: read by `loadGlossary`, used by `TextRules`.
    static let glossaryFile = "glossary.json"

    func loadGlossary(_ url: URL, problems: inout [CatalogProblem]) -> Glossary? {
        let file = relative(url)
        func problem(_ message: String) -> Glossary? {
            problems.append(
                CatalogProblem(
                    file: file, line: 1, message: message,
                    hint: "see docs/CATALOG.md: {\"terms\": [{\"concept\", \"fi\", \"sv\", \"en\", \"avoid\": {...}}]}")
            )
            return nil
        }
        guard let data = try? Data(contentsOf: url),
            let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return problem("the glossary is not a JSON object") }
        guard let entries = root["terms"] as? [[String: Any]] else {
            return problem("the glossary has no \"terms\" list")
        }
        var terms: [Glossary.Term] = []
        for (index, entry) in entries.enumerated() {
            guard let concept = entry["concept"] as? String else {
                return problem("term \(index + 1) of the glossary has no \"concept\"")
            }
            var preferred: [Language: String] = [:]
            var avoid: [Language: [String]] = [:]
            let avoided = entry["avoid"] as? [String: Any] ?? [:]
            for language in Language.allCases {
                preferred[language] = entry[language.rawValue] as? String
                guard let words = avoided[language.rawValue] else { continue }
                guard let list = words as? [String] else {
                    return problem("'\(concept)': \"avoid\".\(language.rawValue) must be a list of words")
                }
                avoid[language] = list.map { $0.lowercased() }
            }
            terms.append(Glossary.Term(concept: concept, preferred: preferred, avoid: avoid))
        }
        return Glossary(terms: terms)
    }

    func jsonFiles(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map {
            folder.appendingPathComponent($0)
        }
    }

    func relative(_ url: URL) -> String {
        let base = root.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }

    func parse(_ url: URL, problems: inout [CatalogProblem]) -> JSONNode? {
        let file = relative(url)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            problems.append(
                CatalogProblem(file: file, line: 0, message: "cannot read the file", hint: "check its permissions"))
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            problems.append(
                CatalogProblem(file: file, line: 1, message: "the file is not UTF-8 text", hint: "save it as UTF-8"))
            return nil
        }
        do {
            return try JSONDocument.parse(text)
        } catch {
            problems.append(
                CatalogProblem(
                    file: file, line: error.position.line, column: error.position.column, message: error.message,
                    hint: "fix the JSON syntax; compare with docs/CATALOG.md"))
            return nil
        }
    }

    // MARK: Locales

    func loadLocales(_ url: URL, into result: inout Result) {
        let file = relative(url)
        guard let root = parse(url, problems: &result.problems) else { return }
        guard let members = root.objectMembers else {
            result.problems.append(
                CatalogProblem(
                    file: file, line: root.position.line, message: "a locale file must be an object of keys",
                    hint: #"{"greeting.hello": {"fi": "...", "sv": "...", "en": "..."}}"#))
            return
        }
        for member in members {
            let line = member.keyPosition.line
            func problem(_ message: String, _ hint: String, at position: SourcePosition? = nil) {
                result.problems.append(
                    CatalogProblem(
                        file: file, line: position?.line ?? line, column: position?.column ?? member.keyPosition.column,
                        message: message, hint: hint))
            }
            if let existing = result.locales[member.key] {
                problem(
                    "the key '\(member.key)' is already defined in \(existing.file):\(existing.line)",
                    "define each key once; rename or remove one")
                continue
            }
            guard isValidKey(member.key) else {
                problem(
                    "'\(member.key)' is not a valid key",
                    "use lower-case words joined by dots, such as unit.contact.answer")
                continue
            }
            guard let languages = member.value.objectMembers else {
                problem(
                    "the value of '\(member.key)' is \(member.value.typeName)",
                    #"give {"fi": "...", "sv": "...", "en": "..."}"#)
                continue
            }
            var translations: [Language: LocalizedString.Forms] = [:]
            var lines: [Language: Int] = [:]
            for entry in languages {
                guard let language = Language(rawValue: entry.key) else {
                    problem(
                        "unknown language '\(entry.key)' in '\(member.key)'", "use fi, sv and en", at: entry.keyPosition
                    )
                    continue
                }
                if let forms = parseForms(
                    entry.value, key: member.key, language: language, file: file, into: &result.problems)
                {
                    translations[language] = forms
                    lines[language] = entry.keyPosition.line
                }
            }
            for language in Language.allCases
            where translations[language] == nil
                && !languages.contains(where: { $0.key == language.rawValue })
            {
                problem(
                    "'\(member.key)' has no \(language.rawValue) translation",
                    "add \"\(language.rawValue)\": \"...\" so residents using \(language.rawValue) get an answer")
            }
            if translations.count == Language.allCases.count {
                let sets = Language.allCases.map { translations[$0]!.placeholders }
                if Set(sets).count > 1 {
                    let described = Language.allCases.map { language in
                        "\(language.rawValue): "
                            + translations[language]!.placeholders.sorted().map { "((\($0)))" }
                            .joined(separator: " ")
                    }.joined(separator: "; ")
                    problem(
                        "'\(member.key)' uses different placeholders in different languages (\(described))",
                        "every language must use the same ((placeholders))")
                }
            }
            result.locales[member.key] = LocalizedString(
                key: member.key, translations: translations, file: file, line: line, lines: lines)
        }
    }

    func parseForms(
        _ node: JSONNode, key: String, language: Language, file: String, into problems: inout [CatalogProblem]
    ) -> LocalizedString.Forms? {
        func template(_ node: JSONNode) -> Template? {
            guard let text = node.stringValue else {
                problems.append(
                    CatalogProblem(
                        file: file, line: node.position.line, column: node.position.column,
                        message: "the \(language.rawValue) text of '\(key)' is \(node.typeName)",
                        hint: "write the text in double quotes"))
                return nil
            }
            if text.trimmingSpaces().isEmpty {
                problems.append(
                    CatalogProblem(
                        file: file, line: node.position.line, column: node.position.column,
                        message: "the \(language.rawValue) text of '\(key)' is empty", hint: "write the translation"))
                return nil
            }
            do {
                return try Template(parsing: text)
            } catch {
                problems.append(
                    CatalogProblem(
                        file: file, line: node.position.line, column: node.position.column,
                        message: "the \(language.rawValue) text of '\(key)': \(error)",
                        hint: "placeholders look like ((name)) or ((name??optional text))"))
                return nil
            }
        }
        if let forms = node.objectMembers {
            let names = Set(forms.map(\.key))
            guard names == ["one", "other"], let one = node["one"], let other = node["other"] else {
                problems.append(
                    CatalogProblem(
                        file: file, line: node.position.line, column: node.position.column,
                        message:
                            "plural forms of '\(key)' (\(language.rawValue)) must be exactly \"one\" and \"other\"",
                        hint: #"{"one": "yksi viesti", "other": "((count)) viestiä"}"#))
                return nil
            }
            guard let oneTemplate = template(one), let otherTemplate = template(other) else { return nil }
            return .plural(one: oneTemplate, other: otherTemplate)
        }
        return template(node).map { .single($0) }
    }

    func isValidKey(_ key: String) -> Bool {
        !key.isEmpty
            && key.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
                !part.isEmpty && part.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }
            }
    }

    // MARK: Intents

    static let intentFields: Set<String> = ["id", "summary", "examples", "responses", "services", "slots", "action"]

    func loadIntent(_ url: URL, problems: inout [CatalogProblem]) -> IntentDefinition? {
        let file = relative(url)
        guard let root = parse(url, problems: &problems) else { return nil }
        var ok = true
        func problem(_ message: String, _ hint: String, at position: SourcePosition) {
            problems.append(
                CatalogProblem(file: file, line: position.line, column: position.column, message: message, hint: hint))
            ok = false
        }
        guard let members = root.objectMembers else {
            problem("an intent file must be an object", "see docs/CATALOG.md for the fields", at: root.position)
            return nil
        }
        var lines: [String: Int] = [:]
        for member in members {
            lines[member.key] = member.keyPosition.line
            if !Self.intentFields.contains(member.key) {
                let suggestion = Self.intentFields.min {
                    EditDistance.between($0, member.key) < EditDistance.between($1, member.key)
                }
                problem(
                    "unknown field '\(member.key)'",
                    "the fields are \(Self.intentFields.sorted().joined(separator: ", "))"
                        + (suggestion.map { "; did you mean '\($0)'?" } ?? ""),
                    at: member.keyPosition)
            }
        }
        let expectedID = url.deletingPathExtension().lastPathComponent
        guard let id = root["id"]?.stringValue else {
            problem("missing \"id\"", "add \"id\": \"\(expectedID)\"", at: root.position)
            return nil
        }
        if id != expectedID {
            problem(
                "the id '\(id)' does not match the file name",
                "rename the file to \(id).json or set \"id\": \"\(expectedID)\"",
                at: root["id"]!.position)
        }
        let isOutOfScope = id == Self.outOfScopeID
        let summary = root["summary"]?.stringValue ?? ""
        if summary.isEmpty {
            problem(
                "missing \"summary\"", "add one English line saying what residents mean by this intent",
                at: root.position)
        }

        var examples: [IntentDefinition.Example] = []
        if let examplesNode = root["examples"], let byLanguage = examplesNode.objectMembers {
            for entry in byLanguage {
                guard let language = Language(rawValue: entry.key) else {
                    problem("unknown language '\(entry.key)' in examples", "use fi, sv and en", at: entry.keyPosition)
                    continue
                }
                guard let items = entry.value.arrayValue else {
                    problem(
                        "examples for \(entry.key) must be a list", #"["first example", "second example"]"#,
                        at: entry.value.position)
                    continue
                }
                var seen: Set<String> = []
                for item in items {
                    guard let text = item.stringValue, !text.trimmingSpaces().isEmpty else {
                        problem(
                            "an example must be a non-empty string", "write the example in double quotes",
                            at: item.position)
                        continue
                    }
                    let normalized = TextNormalizer.normalize(text)
                    if !seen.insert(normalized).inserted {
                        problem("the example \"\(text)\" is listed twice", "remove one of them", at: item.position)
                        continue
                    }
                    examples.append(IntentDefinition.Example(text: text, language: language, line: item.position.line))
                }
            }
            for language in Language.allCases {
                let count = examples.filter { $0.language == language }.count
                if count < Self.minimumExamplesPerLanguage {
                    problem(
                        "\(count) \(language.rawValue) examples, at least \(Self.minimumExamplesPerLanguage) are needed",
                        "add examples phrased the way residents write in \(language.rawValue)",
                        at: byLanguage.first { $0.key == language.rawValue }?.keyPosition ?? examplesNode.position)
                }
            }
        } else {
            problem(
                "missing \"examples\" object", #"add "examples": {"fi": [...], "sv": [...], "en": [...]}"#,
                at: root.position)
        }

        let responses = strings(root["responses"], field: "responses", problem: problem)
        if responses.isEmpty && !isOutOfScope {
            problem(
                "no responses", "add \"responses\": [\"\(id).answer\"] and define the key in locales/",
                at: root.position)
        }
        let services = strings(root["services"], field: "services", allowNumbers: true, problem: problem)
        var slots: [IntentDefinition.Slot] = []
        if let slotsNode = root["slots"] {
            for item in slotsNode.arrayValue ?? [] {
                guard let name = item["name"]?.stringValue, let entityName = item["entity"]?.stringValue else {
                    problem(
                        "a slot needs \"name\" and \"entity\"",
                        #"{"name": "district", "entity": "district", "required": true, "ask": "..."}"#,
                        at: item.position)
                    continue
                }
                guard let entity = EntityKind(rawValue: entityName) else {
                    let known = [
                        EntityKind.date, .time, .dateTime, .postalCode, .number, .yesNo, .district, .unit, .service,
                    ]
                    problem(
                        "unknown entity '\(entityName)' in slot '\(name)'",
                        "use one of \(known.map(\.rawValue).joined(separator: ", "))", at: item.position)
                    continue
                }
                let required = item["required"]?.boolValue ?? false
                let ask = item["ask"]?.stringValue
                if required && ask == nil {
                    problem(
                        "the required slot '\(name)' has no \"ask\" key", "add the locale key of the question to ask",
                        at: item.position)
                }
                slots.append(
                    IntentDefinition.Slot(
                        name: name, entity: entity, required: required, ask: ask, line: item.position.line))
            }
            if slotsNode.arrayValue == nil {
                problem("\"slots\" must be a list", "see docs/CATALOG.md", at: slotsNode.position)
            }
        }
        var action: IntentAction?
        if let actionNode = root["action"] {
            if let name = actionNode.stringValue, let known = IntentAction(rawValue: name) {
                action = known
            } else {
                problem(
                    "unknown action \(actionNode.stringValue.map { "'\($0)'" } ?? actionNode.typeName)",
                    "use one of \(IntentAction.known.sorted().joined(separator: ", ")) or leave \"action\" out",
                    at: actionNode.position)
            }
        }
        guard ok || !examples.isEmpty else { return nil }
        return IntentDefinition(
            id: id, summary: summary, examples: examples, responses: responses, services: services, slots: slots,
            action: action, file: file, lines: lines)
    }

    func strings(
        _ node: JSONNode?, field: String, allowNumbers: Bool = false, problem: (String, String, SourcePosition) -> Void
    ) -> [String] {
        guard let node else { return [] }
        guard let items = node.arrayValue else {
            problem("\"\(field)\" must be a list of strings", "[\"first\", \"second\"]", node.position)
            return []
        }
        return items.compactMap { item in
            // Service Map ids are numbers in its own files; accept them as written there.
            if allowNumbers, case .number(let number) = item.value, number.rounded() == number, number >= 0 {
                return String(Int(number))
            }
            guard let text = item.stringValue else {
                problem(
                    "\"\(field)\" must contain strings, found \(item.typeName)", "write it in double quotes",
                    item.position)
                return nil
            }
            return text
        }
    }

    // MARK: Cross-file checks

    func checkReferences(_ result: inout Result) {
        for intent in result.intents {
            var keys = intent.responses.map { ($0, intent.lines["responses"] ?? 1) }
            keys += intent.slots.compactMap { slot in slot.ask.map { ($0, slot.line) } }
            for (key, line) in keys where result.locales[key] == nil {
                result.problems.append(
                    CatalogProblem(
                        file: intent.file, line: line, message: "unknown locale key '\(key)'",
                        hint: "define it in a file under locales/ with fi, sv and en texts"))
            }
        }
    }

    func checkDuplicateExamples(_ result: inout Result) {
        var owners: [String: (intent: IntentDefinition, example: IntentDefinition.Example)] = [:]
        for intent in result.intents {
            for example in intent.examples {
                let key = example.language.rawValue + ":" + TextNormalizer.normalize(example.text)
                if let owner = owners[key], owner.intent.id != intent.id {
                    result.problems.append(
                        CatalogProblem(
                            file: intent.file, line: example.line,
                            message: "the example \"\(example.text)\" is also listed under '\(owner.intent.id)' "
                                + "(\(owner.intent.file):\(owner.example.line))",
                            hint: "an example may belong to one intent only; keep it where it fits best"))
                } else {
                    owners[key] = (intent, example)
                }
            }
        }
    }
}
