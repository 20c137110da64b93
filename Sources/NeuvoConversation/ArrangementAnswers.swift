import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoLanguage

extension ConversationEngine {
    /// The identified resident's own arrangements (or the one in focus); an anonymous resident learns how to
    /// identify and sees nothing personal.
    func listArrangements(_ state: inout SessionState, catalog: Catalog, only focus: String?) async throws -> Draft {
        let render = Renderer(locales: catalog.locales, language: state.language)
        guard let residentID = state.residentID else { return Draft([try render("arrangements.identify_first")]) }
        let access = state.access
        var own = try await arrangements.arrangements(of: residentID).filter { access.visibility(of: $0) != .hidden }
        if let focus { own = own.filter { $0.id == focus } }
        let withheld = own.filter { access.visibility(of: $0) == .withheld }
        own = own.filter { access.visibility(of: $0) == .full }
        guard !own.isEmpty || !withheld.isEmpty else { return Draft([try render("arrangements.none")]) }
        var paragraphs: [String] = []
        if !own.isEmpty {
            let items = try own.enumerated().map { index, arrangement in
                try describe(arrangement, number: index + 1, render: render)
            }.joined(separator: "\n")
            paragraphs.append(try render("arrangements.list.answer", ["items": items], count: own.count))
            // Names the city sent only in Finnish are shown in Finnish: said once, in the resident's language.
            if own.contains(where: { LocalizedDetails($0.details, language: render.language).namesOnlyInFinnish }) {
                paragraphs.append(try render("translation.only_in.fi"))
            }
        }
        var draft = Draft(paragraphs)
        draft.carriesSensitiveDetails = own.contains { $0.sensitivity == .sensitive }
        draft.sources = own.map { ReplySource(kind: "arrangement", id: $0.id, title: $0.kind.rawValue) }
        if !withheld.isEmpty { try offerIdentification(&draft, render: render) }
        let open = own.filter { $0.status == .offered }
        if open.count == 1 { state.lastArrangement = open[0].id }
        if !open.isEmpty {
            draft.suggestions = [
                try render("conversation.suggestion.accept"), try render("conversation.suggestion.decline"),
                try render("conversation.suggestion.reschedule"),
            ]
        }
        return draft
    }

    /// Accept, decline or reschedule: which arrangement, then (for a reschedule) which date, then yes or no.
    func decide(
        _ decision: ArrangementDecision, values: Filled, definition: IntentDefinition, state: inout SessionState,
        render: Renderer
    ) async throws -> Draft {
        guard let residentID = state.residentID else { return Draft([try render("arrangements.identify_first")]) }
        let access = state.access
        let all = try await arrangements.arrangements(of: residentID)
        let open = all.filter { $0.status == .offered && access.mayAct(on: $0) }
        guard !open.isEmpty else {
            var draft = Draft()
            if all.contains(where: { $0.status == .offered && access.visibility(of: $0) == .withheld }) {
                try offerIdentification(&draft, render: render)
            } else {
                draft.paragraphs = [try render("conversation.arrangement.nothing_open")]
            }
            return draft
        }
        let chosen =
            values["arrangement"].flatMap { id in open.first { $0.id == id } }
            ?? state.lastArrangement.flatMap { id in open.first { $0.id == id } }
            ?? (open.count == 1 ? open[0] : nil)
        guard let arrangement = chosen else {
            let items = try open.enumerated().map { index, arrangement in
                try describe(arrangement, number: index + 1, render: render)
            }
            state.pending = .arrangementChoice(
                decision: decision, arrangementIDs: open.map(\.id), filled: values)
            var draft = Draft([try render("conversation.arrangement.which", ["items": items.joined(separator: "\n")])])
            draft.suggestions = (1...open.count).map(String.init)
            return draft
        }
        state.lastArrangement = arrangement.id
        var details: [String: String] = [:]
        var shownDate = try dateText(of: arrangement, render: render)
        if decision == .reschedule {
            guard let date = values["date"] else {
                var filled = values
                filled["arrangement"] = arrangement.id
                guard let slot = definition.slots.first(where: { $0.name == "date" }) else {
                    return Draft([try render("arrangement.reschedule.ask_date")])
                }
                return try ask(slot, of: definition.id, filled: filled, state: &state, render: render)
            }
            details["requested_date"] = date
            shownDate = try formatDate(date, render: render)
        }
        state.pending = .confirmation(decision: decision, arrangementID: arrangement.id, details: details)
        // What is not known is left out of the sentence (the templates' optional parts), never written as "unknown".
        var draft = Draft([
            try render(
                "arrangement.\(decision.rawValue).confirm",
                [
                    "arrangement": try render("conversation.arrangement.kind.\(arrangement.kind.rawValue)"),
                    "place": place(of: arrangement, language: render.language) ?? "", "date": shownDate ?? "",
                ])
        ])
        draft.suggestions = [try render("conversation.yes"), try render("conversation.no")]
        draft.carriesSensitiveDetails = arrangement.sensitivity == .sensitive
        draft.actions = [ReplyAction(kind: "confirmation.requested", arrangementID: arrangement.id)]
        draft.sources = [ReplySource(kind: "arrangement", id: arrangement.id, title: arrangement.kind.rawValue)]
        return draft
    }

    /// The resident's yes or no to a confirmation. A yes is carried out when the turn is saved, in its transaction.
    func conclude(
        _ decision: ArrangementDecision, arrangementID: String, details: [String: String], confirmed: Bool,
        state: inout SessionState, render: Renderer
    ) async throws -> Draft {
        guard let residentID = state.residentID,
            let arrangement = try? await arrangements.arrangement(arrangementID, of: residentID),
            state.access.mayAct(on: arrangement)
        else { return Draft([try render("arrangements.identify_first")], intent: decision.intent, confidence: 1) }
        let kind = try render("conversation.arrangement.kind.\(arrangement.kind.rawValue)")
        guard confirmed else {
            return Draft(
                [try render("arrangement.\(decision.rawValue).cancelled")], intent: decision.intent, confidence: 1)
        }
        var draft = Draft(
            [
                try render(
                    "arrangement.\(decision.rawValue).done", decision == .reschedule ? [:] : ["arrangement": kind])
            ],
            intent: decision.intent, confidence: 1)
        draft.effects = [.decide(decision, arrangementID: arrangementID, access: state.access, details: details)]
        draft.carriesSensitiveDetails = arrangement.sensitivity == .sensitive
        draft.sources = [ReplySource(kind: "arrangement", id: arrangement.id, title: arrangement.kind.rawValue)]
        state.lastIntent = decision.intent
        return draft
    }

    /// The city has a message the session may not read: how to identify to read it, or that identification is not
    /// available here.
    func offerIdentification(_ draft: inout Draft, render: Renderer) throws {
        guard let path = options.identifyPath else {
            draft.paragraphs.append(try render("arrangements.withheld.unavailable"))
            return
        }
        draft.paragraphs.append(try render("arrangements.withheld.identify"))
        draft.actions.append(ReplyAction(kind: "identify"))
        draft.sources.append(
            ReplySource(kind: "identify", id: "identify", title: try render("arrangements.identify.button"), url: path))
    }

    /// One numbered line: what, where, when, and its status.
    func describe(_ arrangement: Arrangement, number: Int, render: Renderer) throws -> String {
        try render(
            "conversation.arrangement.item",
            [
                "number": String(number),
                "arrangement": try render("conversation.arrangement.kind.\(arrangement.kind.rawValue)"),
                "place": place(of: arrangement, language: render.language) ?? "",
                "date": try dateText(of: arrangement, render: render) ?? "",
                "status": try render("conversation.arrangement.status.\(arrangement.status.rawValue)"),
            ])
    }

    /// Where, in the resident's language when the city system gave the name in it (`LocalizedDetails`).
    func place(of arrangement: Arrangement, language: Language) -> String? {
        let details = LocalizedDetails(arrangement.details, language: language).values
        for key in ["unit", "unit_name", "place", "location", "district"] {
            if let value = details[key], !value.isEmpty { return value }
        }
        return nil
    }

    /// When it happens: a start date reads "1.8.2027 alkaen", an appointment "3.3.2027 klo 14.30".
    func dateText(of arrangement: Arrangement, render: Renderer) throws -> String? {
        if let start = arrangement.details["start_date"], let date = try formatDate(start, render: render) {
            return try render("conversation.arrangement.from_date", ["date": date])
        }
        for key in ["datetime", "time", "date", "appointment"] {
            if let value = arrangement.details[key], let date = try formatDate(value, render: render) { return date }
        }
        return nil
    }

    /// ISO dates and local date-times in the session's language (`DateDisplay`, the rule notices use too).
    func formatDate(_ value: String, render: Renderer) throws -> String? {
        DateDisplay.text(value, language: render.language)
    }
}
