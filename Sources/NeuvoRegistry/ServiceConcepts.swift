import Foundation
import NeuvoLanguage

extension RegistrySearch {
    /// Groups the service tree and keywords into concepts and works out which units give each one.
    static func buildConcepts(_ snapshot: RegistrySnapshot) -> (concepts: [ServiceConcept], units: [[Int]]) {
        let nodes = Dictionary(snapshot.services.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let keywords = Dictionary(snapshot.keywords.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

        // Same-named nodes are one service to a resident.
        var concepts: [ServiceConcept] = []
        var conceptByKey: [String: Int] = [:]
        var conceptOfNode: [Int: Int] = [:]
        for node in snapshot.services.sorted(by: { $0.id < $1.id }) {
            let key = groupKey(node.names)
            if let existing = conceptByKey[key] {
                concepts[existing].nodeIDs.append(node.id)
                concepts[existing].depth = min(concepts[existing].depth ?? .max, depth(of: node.id, nodes))
                conceptOfNode[node.id] = existing
            } else {
                conceptByKey[key] = concepts.count
                conceptOfNode[node.id] = concepts.count
                concepts.append(
                    ServiceConcept(
                        id: "node:\(node.id)", names: node.names, nodeIDs: [node.id], keywordIDs: [],
                        depth: depth(of: node.id, nodes)))
            }
        }
        // A node's own keyword reference ("729") ties that keyword to it; products ("656*341") are too narrow.
        var conceptOfKeyword: [Int: Int] = [:]
        for node in snapshot.services.sorted(by: { $0.id < $1.id }) {
            guard let concept = conceptOfNode[node.id] else { continue }
            for keyword in simpleReferences(node.keywordReference)
            where keywords[keyword] != nil && conceptOfKeyword[keyword] == nil {
                conceptOfKeyword[keyword] = concept
                concepts[concept].keywordIDs.append(keyword)
            }
        }
        for keyword in snapshot.keywords.sorted(by: { $0.id < $1.id }) where conceptOfKeyword[keyword.id] == nil {
            let key = groupKey(keyword.names)
            if let existing = conceptByKey[key] {
                concepts[existing].keywordIDs.append(keyword.id)
                conceptOfKeyword[keyword.id] = existing
            } else {
                conceptByKey[key] = concepts.count
                conceptOfKeyword[keyword.id] = concepts.count
                concepts.append(
                    ServiceConcept(
                        id: "keyword:\(keyword.id)", names: keyword.names, nodeIDs: [], keywordIDs: [keyword.id],
                        depth: nil))
            }
        }
        for index in concepts.indices {
            var fields: [IndexField] = []
            let names =
                concepts[index].nodeIDs.compactMap { nodes[$0] }.map { ($0.names, $0.searchWords) }
                + concepts[index].keywordIDs.compactMap { keywords[$0] }.map { ($0.names, $0.searchWords) }
            var seen = Set<String>()
            for (localized, searchWords) in names {
                for (language, text) in localized.all {
                    for part in nameParts(text) where seen.insert("\(language):\(part)").inserted {
                        fields.append(IndexField(text: part, language: language, weight: 1))
                    }
                }
                for (language, text) in searchWords.all {
                    for word in text.split(separator: ",") where seen.insert("\(language):\(word)").inserted {
                        fields.append(IndexField(text: String(word), language: language, weight: 0.9))
                    }
                }
            }
            concepts[index].fields = fields
        }

        // Units per node and keyword, from ids and (for exports without ids) from category names.
        var unitsOfNode: [Int: Set<Int>] = [:]
        var unitsOfKeyword: [Int: Set<Int>] = [:]
        for (unitIndex, unit) in snapshot.units.enumerated() {
            for node in unit.serviceIDs { unitsOfNode[node, default: []].insert(unitIndex) }
            for keyword in unit.keywordIDs { unitsOfKeyword[keyword, default: []].insert(unitIndex) }
            for category in unit.categories {
                guard let concept = conceptByKey[groupKey(category)] else { continue }
                for node in concepts[concept].nodeIDs { unitsOfNode[node, default: []].insert(unitIndex) }
                for keyword in concepts[concept].keywordIDs { unitsOfKeyword[keyword, default: []].insert(unitIndex) }
            }
        }
        var children: [Int: [Int]] = [:]
        for node in snapshot.services {
            if let parent = node.parentID { children[parent, default: []].append(node.id) }
        }
        var nodeUnitsCache: [Int: Set<Int>] = [:]
        func unitsUnder(_ node: Int, _ visiting: inout Set<Int>) -> Set<Int> {
            if let cached = nodeUnitsCache[node] { return cached }
            guard visiting.insert(node).inserted else { return [] }  // a cycle in bad data
            var result = unitsOfNode[node] ?? []
            for keyword in simpleReferences(nodes[node]?.keywordReference) {
                result.formUnion(unitsOfKeyword[keyword] ?? [])
            }
            for child in children[node] ?? [] { result.formUnion(unitsUnder(child, &visiting)) }
            nodeUnitsCache[node] = result
            return result
        }
        let conceptUnits = concepts.map { concept -> [Int] in
            var result = Set<Int>()
            var visiting = Set<Int>()
            for node in concept.nodeIDs { result.formUnion(unitsUnder(node, &visiting)) }
            for keyword in concept.keywordIDs { result.formUnion(unitsOfKeyword[keyword] ?? []) }
            return result.sorted()
        }
        return (concepts, conceptUnits)
    }

    /// The tree names services in the plural ("Terveysasemat", "Hälsostationer", "Libraries"); residents ask in
    /// the singular ("terveysasemaa"), and the gazetteer only inflects a name's last word, so add the singular.
    static func singulars(_ field: IndexField) -> [String] {
        let text = field.text
        let lower = text.lowercased()
        let vowels = "aeiouyäöå"
        switch field.language {
        case .fi:
            guard lower.hasSuffix("t"), let before = lower.dropLast().last, vowels.contains(before) else { return [] }
            return [String(text.dropLast())]
        case .sv:
            guard let ending = ["er", "ar", "or"].first(where: lower.hasSuffix), lower.count >= 7 else { return [] }
            return [String(text.dropLast(ending.count))]
        case .en:
            if lower.hasSuffix("ies") { return [String(text.dropLast(3)) + "y"] }
            guard lower.hasSuffix("s"), !lower.hasSuffix("ss"), lower.count >= 5 else { return [] }
            return [String(text.dropLast())]
        }
    }

    /// "uimahallit" and "Uimahalli", "Leikkipuistot" and "leikkipuistot" group together: folded, Finnish-stemmed.
    static func groupKey(_ names: LocalizedNames) -> String {
        guard let language = [Language.fi, .sv, .en].first(where: { names[$0] != nil }), let text = names[language]
        else { return "" }
        let stemmer = language.stemmer
        let main = nameParts(text).first ?? text
        return "\(language):"
            + TextNormalizer.tokenize(main).map { TextNormalizer.foldDiacritics(stemmer.stem($0.text)) }
            .joined(separator: " ")
    }

    /// A name and its parenthetical apart: "leikkipaikat (ei ohjattua toimintaa)" is searched as two fields so the
    /// explanation does not dilute the name.
    static func nameParts(_ text: String) -> [String] {
        guard let open = text.firstIndex(of: "(") else { return [text] }
        let main = text[..<open].trimmingCharacters(in: .whitespaces)
        let inner = text[text.index(after: open)...].replacingOccurrences(of: ")", with: "")
            .trimmingCharacters(in: .whitespaces)
        return [main, inner].filter { !$0.isEmpty }
    }

    /// Keyword ids of a reference that names keywords alone ("729", "12+34"), not products ("656*341").
    static func simpleReferences(_ reference: String?) -> [Int] {
        guard let reference, !reference.contains("*") else { return [] }
        return reference.split(separator: "+").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    private static func depth(of node: Int, _ nodes: [Int: ServiceNodeRecord]) -> Int {
        var depth = 0
        var current = nodes[node]?.parentID
        while let parent = current, depth < 32 {
            depth += 1
            current = nodes[parent]?.parentID
        }
        return depth
    }

    // MARK: Gazetteer

    /// Names for the language engine's entity extractor: every district, every unit, and the services residents
    /// name: the tree's top three levels, services that have units here, and short keywords (one or two words).
    public func gazetteerEntries() -> [GazetteerEntry] {
        buildGazetteerEntries()
    }

    /// The gazetteer of `gazetteerEntries()`, read back when the registry is unchanged since it was built.
    public func builtGazetteer() -> Gazetteer {
        RegistryIndexStore.readGazetteer(reader) ?? Gazetteer(buildGazetteerEntries())
    }

    func buildGazetteerEntries() -> [GazetteerEntry] {
        var entries = districts.map { district in
            GazetteerEntry(kind: .district, id: district.id, names: Self.uniqueNames(district.names))
        }
        for (index, concept) in concepts.enumerated() {
            let shallow = (concept.depth ?? .max) <= 2
            let hasUnits = !conceptUnits[index].isEmpty
            let shortKeyword =
                concept.depth == nil
                && (concept.names.fi.map { Self.nameParts($0)[0].split(separator: " ").count <= 2 } ?? false)
            guard shallow || hasUnits || shortKeyword else { continue }
            var seen = Set<String>()
            let names = concept.fields.filter { $0.weight >= 1 }.flatMap { [$0.text] + Self.singulars($0) }.filter {
                seen.insert(TextNormalizer.normalize($0)).inserted
            }
            var aliased = names
            for node in concept.nodeIDs {
                for alias in ServiceAliases.bundled[node] ?? []
                where seen.insert(TextNormalizer.normalize(alias)).inserted {
                    aliased.append(alias)
                }
            }
            entries.append(GazetteerEntry(kind: .service, id: concept.id, names: aliased))
        }
        // Residents name units as they say them: "Oodi", "Ode", "Oodissa"; "Yrjönkadun halli", "simhallen på
        // Georgsgatan". A short form or a street stands for a unit only where no district and no other unit has it.
        // Neither a district's nor a service's name ("Library" of "Kallio Library") is a unit's short form.
        let serviceNames = Set(entries.filter { $0.kind == .service }.flatMap { $0.names.map(Self.folded) })
        let districtNames = Set(
            districts.flatMap { $0.names.all.map { TextNormalizer.foldDiacritics($0.1.lowercased()) } })
        // Names and streets are read from the database for this one pass; only the entries stay.
        var units: [(id: String, names: [String], aliases: [String])] = []
        var owners: [String: Int] = [:]
        try? reader.read { connection in
            try RegistryRepository.forEachUnitName(connection) { id, names, street in
                let aliases = Self.shortForms(names) + Self.streetNames(street)
                for form in Set(aliases.map(Self.folded)) { owners[form, default: 0] += 1 }
                units.append((id, Self.uniqueNames(names), aliases))
            }
        }
        entries += units.map { unit in
            var names = unit.names
            for alias in unit.aliases
            where owners[Self.folded(alias)] == 1 && !districtNames.contains(Self.folded(alias))
                && !serviceNames.contains(Self.folded(alias)) && !Self.genericWords.contains(Self.folded(alias))
                && !names.contains(where: { Self.folded($0) == Self.folded(alias) })
            {
                names.append(alias)
            }
            return GazetteerEntry(kind: .unit, id: unit.id, names: names)
        }
        return entries
    }

    static func folded(_ text: String) -> String { TextNormalizer.foldDiacritics(text.lowercased()) }

    /// Kinds of unit that end English names ("Kallio Library", "Tali Football Hall"): never a unit's own name.
    static let genericWords: Set<String> = [
        "library", "hall", "centre", "center", "station", "clinic", "school", "park", "house", "pool", "office",
        "museum", "playground", "daycare", "kindergarten", "group", "groups", "unit", "service", "services",
    ]

    /// A unit's own name without the kind of unit: the capitalised last word of a name of two or more words
    /// ("Keskustakirjasto Oodi" → "Oodi", "Helsingfors centrumbibliotek Ode" → "Ode", "Päiväkoti Kannel" →
    /// "Kannel"). Names listing several places ("A - B - C") have none.
    static func shortForms(_ names: LocalizedNames) -> [String] {
        var forms: [String] = []
        for (_, name) in names.all where !name.contains(" - ") && !name.contains(",") {
            let words = name.split(separator: " ")
            guard words.count >= 2, let last = words.last, last.count >= 3, let first = last.first, first.isUppercase,
                last.allSatisfy(\.isLetter), !forms.contains(String(last))
            else { continue }
            forms.append(String(last))
        }
        return forms
    }

    /// The street of each address, without its number: "Yrjönkatu 21 b" → "Yrjönkatu", "Viides linja 11" →
    /// "Viides linja".
    static func streetNames(_ street: LocalizedNames) -> [String] {
        var names: [String] = []
        for (_, address) in street.all {
            let words = address.split(separator: " ").prefix { !($0.first?.isNumber ?? true) }
            let name = words.joined(separator: " ")
            if name.count >= 4, !names.contains(name) { names.append(name) }
        }
        return names
    }
}

/// Words residents use for services beside the official names ("swimming hall" for "Public indoor swimming pool",
/// "terkkari", "rådgivningen"), from `Resources/service_aliases.json`, by service tree id.
enum ServiceAliases {
    static let bundled: [Int: [String]] = {
        guard let url = Bundle.module.url(forResource: "service_aliases", withExtension: "json"),
            let data = try? Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let aliases = object["aliases"] as? [String: [String: [String]]]
        else { return [:] }
        var table: [Int: [String]] = [:]
        for (key, languages) in aliases {
            guard let id = Int(key) else { continue }
            table[id] = ["fi", "sv", "en"].flatMap { languages[$0] ?? [] }
        }
        return table
    }()
}
