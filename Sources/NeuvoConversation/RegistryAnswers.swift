import Foundation
import NeuvoCatalog
import NeuvoLanguage
import NeuvoRegistry

extension ConversationEngine {
    /// "missä on lähin kirjasto Kalliossa?": the best unit for a service, in a district when one is known.
    /// Intents with their own answer (health stations, child health clinics) give it, plus a unit when a district
    /// was named.
    func findUnit(_ definition: IntentDefinition, values: Filled, state: inout SessionState, render: Renderer)
        async throws -> Draft
    {
        let serviceSlot = definition.slots.first { $0.entity == .service }
        let district = values["district"] ?? values[EntityKind.district.rawValue]
        if let district { state.lastDistrict = district }
        guard let serviceSlot, serviceSlot.required else {
            // The intent's own answer; a nearby unit only when the resident named where they are.
            var draft = try answer(definition, state: state, render: render)
            if let district, let directory,
                let unit = try await directory.findUnit(
                    services: definition.services, district: district, language: state.language)
            {
                draft.paragraphs.append(try unitFound(unit, nearDistrict: true, render: render))
                try remember(unit, service: nil, state: &state, draft: &draft, render: render)
            }
            return draft
        }
        guard let service = values[serviceSlot.name] ?? state.lastService else {
            return try ask(serviceSlot, of: definition.id, filled: values, state: &state, render: render)
        }
        state.lastService = service
        let nearDistrict = district ?? state.lastDistrict
        guard let directory else { return Draft([try render("unit.not_found")]) }
        guard
            let unit = try await directory.findUnit(
                services: [service], district: nearDistrict, language: state.language)
        else {
            guard nearDistrict == nil, definition.slots.contains(where: { $0.name == "district" }) else {
                return Draft([try render("unit.not_found")])
            }
            // "Nearest" needs a place: ask for the district and answer with it.
            var filled = values
            filled[serviceSlot.name] = service
            state.pending = .slot(intent: definition.id, slot: "district", filled: filled)
            return Draft([try render("conversation.unit.ask_district")])
        }
        var draft = Draft([try unitFound(unit, nearDistrict: nearDistrict != nil, render: render)])
        try remember(unit, service: service, state: &state, draft: &draft, render: render)
        draft.suggestions = [
            try render("conversation.suggestion.opening_hours"), try render("conversation.suggestion.contact"),
        ]
        return draft
    }

    private func unitFound(_ unit: DirectoryUnit, nearDistrict: Bool, render: Renderer) throws -> String {
        try render(
            "unit.find.answer",
            [
                "unit": unit.name, "address": unit.address ?? (try render("conversation.value.unknown")),
                "distance": nearDistrict ? "yes" : "",
            ])
    }

    /// The unit becomes what follow-ups ("entä aukioloajat?") are about, and the answer names where it came from.
    private func remember(
        _ unit: DirectoryUnit, service: String?, state: inout SessionState, draft: inout Draft, render: Renderer
    ) throws {
        state.lastUnit = unit.id
        if let service { state.lastService = service }
        draft.sources.append(ReplySource(kind: "unit", id: unit.id, title: unit.name, url: unit.link))
        // Registry texts missing in the resident's language come in another one: say which, in their language.
        if let language = unit.language {
            draft.paragraphs.append(try render("translation.only_in.\(language.rawValue)"))
        }
        if unit.isSample { draft.paragraphs.append(try render("registry.sample_data")) }
        let source = try render("conversation.source.service_map")
        draft.paragraphs.append(try render("source.note", ["source": unit.link.map { "\(source), \($0)" } ?? source]))
    }

    /// The registry's hours without exceptions that are already over.
    func currentHours(_ text: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = options.timeZone
        let today = calendar.dateComponents([.year, .month, .day], from: clock.now())
        return OpeningHoursText.withoutPastExceptions(
            text, today: (today.year ?? 0, today.month ?? 0, today.day ?? 0))
    }

    /// Opening hours or contact details of the unit named, or of the one just discussed.
    func describeUnit(_ definition: IntentDefinition, values: Filled, state: inout SessionState, render: Renderer)
        async throws -> Draft
    {
        guard let directory else { return Draft([try render("unit.not_found")]) }
        var unitID = values["unit"]
        if unitID == nil, let service = values[EntityKind.service.rawValue] {
            // "milloin Kallion kirjasto on auki" may name a service and a district rather than a unit: the unit in
            // that district, never one elsewhere under its name.
            if let district = values[EntityKind.district.rawValue] {
                guard
                    let unit = try await directory.unit(
                        services: [service], inDistrict: district, language: state.language)
                else { return Draft([try render("unit.not_found")]) }
                unitID = unit.id
            } else {
                unitID = try await directory.findUnit(
                    services: [service], district: state.lastDistrict, language: state.language)?.id
            }
        }
        unitID = unitID ?? state.lastUnit
        guard let unitID else {
            guard let slot = definition.slots.first(where: { $0.entity == .unit }) else {
                return Draft([try render("unit.not_found")])
            }
            return try ask(slot, of: definition.id, filled: values, state: &state, render: render)
        }
        guard let unit = try await directory.directoryUnit(id: unitID, language: state.language) else {
            return Draft([try render("unit.not_found")])
        }
        var draft: Draft
        let unknown = try render("conversation.value.unknown")
        if definition.action == .openingHours {
            let date =
                values[EntityKind.date.rawValue] ?? values[EntityKind.dateTime.rawValue].map { String($0.prefix(10)) }
            if let hours = try await directory.openingHours(unitID: unit.id, on: date, language: state.language)
                .map(currentHours), !hours.isEmpty
            {
                draft = Draft([try render("unit.opening_hours.answer", ["unit": unit.name, "hours": hours])])
            } else {
                draft = Draft([try render("conversation.unit.hours_unknown", ["unit": unit.name])])
            }
            draft.suggestions = [try render("conversation.suggestion.contact")]
        } else {
            draft = Draft([
                try render(
                    "unit.contact.answer",
                    [
                        "unit": unit.name, "address": unit.address ?? unknown, "phone": unit.phone ?? unknown,
                        "link": unit.link ?? "https://palvelukartta.hel.fi",
                    ])
            ])
            draft.suggestions = [try render("conversation.suggestion.opening_hours")]
        }
        try remember(unit, service: nil, state: &state, draft: &draft, render: render)
        return draft
    }
}
