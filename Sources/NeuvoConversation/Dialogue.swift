import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoLanguage

/// Entity values carried between turns, keyed by slot name or entity kind ("district", "date"...), plus
/// "arrangement" for the arrangement a decision is about.
typealias Filled = [String: String]

extension ConversationEngine {
    /// Decides the answer to one message and updates the session's context.
    func dialogue(_ message: String, state: inout SessionState, catalog: Catalog, now: Date) async throws -> Draft {
        let render = Renderer(locales: catalog.locales, language: state.language)
        guard !message.isEmpty else {
            var draft = Draft([try render("conversation.empty")])
            draft.suggestions = [try render("conversation.suggestion.help")]
            return draft
        }
        var text = message
        // "2" picks the second suggestion, unless the pending question numbers its own choices.
        if let number = Int(text), number >= 1, number <= state.suggestions.count {
            switch state.pending {
            case .clarification, .arrangementChoice: break
            default: text = state.suggestions[number - 1]
            }
        }
        let entities = extractor.extract(text, language: state.language, now: now, timeZone: options.timeZone)
        if let pending = state.pending {
            state.pending = nil
            if let draft = try await resume(pending, text: text, entities: entities, state: &state, catalog: catalog) {
                return draft
            }
        }
        let prediction = catalog.classify(text, language: state.language)
        // A short "på svenska" or "in English" is a language change however the classifier reads it.
        if prediction.intent != "language.change", InputText.wordCount(text) <= 3,
            InputText.requestedLanguage(text) != nil, catalog.intents["language.change"] != nil
        {
            return try await run(
                "language.change", text: text, entities: entities, filled: [:], confidence: prediction.confidence,
                state: &state, catalog: catalog)
        }
        var intent = prediction.intent
        // A message the catalog's out-of-scope examples claim (its confidence is not an intent's) stays out of
        // scope even when it names a day: "mikä on sää huomenna" is not a follow-up about a library.
        let claimedByOutOfScope = (prediction.alternatives.first?.confidence ?? 0) < prediction.confidence
        // A short message that names a place, a unit, a service or a day and asks nothing of its own ("och
        // simhallen?", "what about a swimming hall?") continues the last unit question, even when the classifier
        // leans, unsure, to another intent.
        let elliptical =
            Self.wordsOutside(entities, in: text) <= 3
            && (intent == nil || prediction.confidence < options.clarificationCeiling)
        if elliptical, !claimedByOutOfScope, let last = state.lastIntent, Self.followUpIntents.contains(last),
            entities.contains(where: { [.unit, .service, .district, .date].contains($0.kind) })
        {
            // "entä Vuosaaressa?", "och på söndag?": the same question about something else.
            intent = last
        }
        let alternatives = prediction.alternatives
        if alternatives.count >= 2, alternatives[1].confidence >= options.clarificationMinimum,
            alternatives[0].confidence < options.clarificationCeiling,
            intent == nil || intent == alternatives[0].intent, intent == prediction.intent
        {
            return try clarify(
                [alternatives[0].intent, alternatives[1].intent], entities: entities, confidence: prediction.confidence,
                state: &state, render: render)
        }
        guard let intent else {
            var draft = Draft([try render("fallback.not_understood")], confidence: prediction.confidence)
            draft.suggestions = [
                try render("conversation.suggestion.handoff"), try render("conversation.suggestion.help"),
            ]
            draft.effects = [
                .unanswered(text, bestIntent: alternatives.first?.intent, confidence: prediction.confidence)
            ]
            return draft
        }
        return try await run(
            intent, text: text, entities: entities, filled: [:], confidence: prediction.confidence, state: &state,
            catalog: catalog)
    }

    static let followUpIntents: Set<String> = ["unit.find", "unit.opening_hours", "unit.contact"]

    /// How many words a message has besides its entities: "what about a swimming hall?" has three.
    static func wordsOutside(_ entities: [Entity], in text: String) -> Int {
        var characters = Array(text)
        for entity in entities where entity.start >= 0 && entity.end <= characters.count && entity.start < entity.end {
            for index in entity.start..<entity.end { characters[index] = " " }
        }
        return InputText.wordCount(String(characters))
    }

    func clarify(
        _ intents: [String], entities: [Entity], confidence: Double, state: inout SessionState, render: Renderer
    ) throws -> Draft {
        let labels = try intents.map { try render("conversation.topic.\($0)") }
        var draft = Draft([try render("fallback.clarify", ["first": labels[0], "second": labels[1]])])
        draft.confidence = confidence
        draft.suggestions = labels
        state.pending = .clarification(intents: intents, filled: Self.filled(entities))
        return draft
    }

    static func filled(_ entities: [Entity]) -> Filled {
        var filled: Filled = [:]
        for entity in entities where filled[entity.kind.rawValue] == nil {
            filled[entity.kind.rawValue] = entity.value
        }
        return filled
    }

    /// Continues a question Neuvo asked; nil when the message is about something else (the question is dropped).
    func resume(
        _ pending: PendingQuestion, text: String, entities: [Entity], state: inout SessionState, catalog: Catalog
    ) async throws -> Draft? {
        let render = Renderer(locales: catalog.locales, language: state.language)
        switch pending {
        case .confirmation(let decision, let arrangementID, let details):
            var answer = entities.first { $0.kind == .yesNo }.map { $0.value == "yes" }
            if answer == nil {
                let prediction = catalog.classify(text, language: state.language)
                if prediction.intent.flatMap({ catalog.intents[$0]?.action }) == decision.action {
                    answer = true
                } else if prediction.intent != nil {
                    return nil
                }
            }
            guard let answer else {
                state.pending = pending
                var draft = Draft([try render("conversation.answer_yes_no")], intent: decision.intent, confidence: 1)
                draft.suggestions = [try render("conversation.yes"), try render("conversation.no")]
                return draft
            }
            return try await conclude(
                decision, arrangementID: arrangementID, details: details, confirmed: answer, state: &state,
                render: render)

        case .slot(let intent, let slot, let filled):
            guard let definition = catalog.intents[intent],
                let slotDefinition = definition.slots.first(where: { $0.name == slot })
            else { return nil }
            if let entity = entities.first(where: { Self.kinds(for: slotDefinition.entity).contains($0.kind) }) {
                var filled = filled
                filled[slot] = Self.value(of: entity, for: slotDefinition.entity)
                return try await run(
                    intent, text: text, entities: entities, filled: filled, confidence: 1, state: &state,
                    catalog: catalog)
            }
            // "Vuosaaren kirjasto" answers "which unit?" by a service and a place, not by a unit's name.
            if slotDefinition.entity == .unit, let service = entities.first(where: { $0.kind == .service }) {
                var filled = filled
                filled[EntityKind.service.rawValue] = service.value
                if let district = entities.first(where: { $0.kind == .district }) {
                    filled[EntityKind.district.rawValue] = district.value
                }
                return try await run(
                    intent, text: text, entities: entities, filled: filled, confidence: 1, state: &state,
                    catalog: catalog)
            }
            let prediction = catalog.classify(text, language: state.language)
            if prediction.intent != nil && prediction.intent != intent { return nil }
            state.pending = pending
            let question = slotDefinition.ask ?? (slot == "district" ? "conversation.unit.ask_district" : nil)
            var draft = Draft([try render(question ?? "fallback.not_understood")], intent: intent)
            draft.confidence = 1
            return draft

        case .clarification(let intents, let filled):
            guard let index = choice(text, among: try intents.map { try render("conversation.topic.\($0)") }) else {
                return nil
            }
            return try await run(
                intents[index], text: text, entities: entities, filled: filled, confidence: 1, state: &state,
                catalog: catalog)

        case .arrangementChoice(let decision, let ids, let filled):
            guard let number = Int(text), ids.indices.contains(number - 1) else { return nil }
            var filled = filled
            filled["arrangement"] = ids[number - 1]
            return try await run(
                catalog.intentID(for: decision.action) ?? decision.intent, text: text, entities: entities,
                filled: filled, confidence: 1, state: &state, catalog: catalog)
        }
    }

    /// The index of the choice a message picks: its number, or its label typed out.
    func choice(_ text: String, among labels: [String]) -> Int? {
        if let number = Int(text), labels.indices.contains(number - 1) { return number - 1 }
        let typed = InputText.comparable(text)
        return labels.firstIndex { InputText.comparable($0) == typed }
    }

    static func kinds(for kind: EntityKind) -> Set<EntityKind> {
        kind == .date ? [.date, .dateTime] : [kind]
    }

    /// A date slot answered with a date and time keeps the date.
    static func value(of entity: Entity, for kind: EntityKind) -> String {
        kind == .date && entity.kind == .dateTime ? String(entity.value.prefix(10)) : entity.value
    }

    /// Answers an intent, asking for what is missing first.
    func run(
        _ intentID: String, text: String, entities: [Entity], filled: Filled, confidence: Double,
        state: inout SessionState, catalog: Catalog
    ) async throws -> Draft {
        let render = Renderer(locales: catalog.locales, language: state.language)
        guard let definition = catalog.intents[intentID] else {
            return Draft([try render("fallback.not_understood")], confidence: confidence)
        }
        state.lastIntent = intentID
        var values = filled
        for slot in definition.slots where values[slot.name] == nil {
            if let value = filled[slot.entity.rawValue] {
                values[slot.name] = value
            } else if let entity = entities.first(where: { Self.kinds(for: slot.entity).contains($0.kind) }) {
                values[slot.name] = Self.value(of: entity, for: slot.entity)
            }
        }
        // Entities no slot asks for still narrow the answer: "the library in Kallio" names a service and a place.
        for (kind, value) in Self.filled(entities) where values[kind] == nil { values[kind] = value }
        var draft: Draft
        switch definition.action {
        case .listArrangements:
            draft = try await listArrangements(&state, catalog: catalog, only: nil)
        case .acceptArrangement:
            draft = try await decide(.accept, values: values, definition: definition, state: &state, render: render)
        case .declineArrangement:
            draft = try await decide(.decline, values: values, definition: definition, state: &state, render: render)
        case .rescheduleArrangement:
            draft = try await decide(
                .reschedule, values: values, definition: definition, state: &state, render: render)
        case .findUnit:
            draft = try await findUnit(definition, values: values, state: &state, render: render)
        case .openingHours, .contactDetails:
            draft = try await describeUnit(definition, values: values, state: &state, render: render)
        case .handoff:
            draft = try handoff(definition, state: state, render: render)
        case .changeLanguage:
            draft = try changeLanguage(text, state: &state, catalog: catalog)
        case .recordFeedback:
            draft = try answer(definition, state: state, render: render)
            draft.effects.append(.feedback(text))
            draft.actions.append(ReplyAction(kind: "feedback.recorded"))
        case .notificationPreferences, .unsubscribe, nil:
            // Preferences and unsubscribing are answered with how to do it: the notice's own link does it.
            draft = try answer(definition, state: state, render: render)
        }
        draft.intent = intentID
        draft.confidence = confidence
        return draft
    }

    /// The intent's own answer from the catalog, naming the link in it as the source.
    func answer(_ definition: IntentDefinition, state: SessionState, render: Renderer) throws -> Draft {
        guard !definition.responses.isEmpty else { return Draft([try render("fallback.not_understood")]) }
        // Several responses take turns, so a repeated question does not get the very same words.
        let key = definition.responses[state.turns % definition.responses.count]
        let text = try render(key)
        var draft = Draft([text])
        draft.sources = [ReplySource(kind: "catalog", id: definition.id, url: InputText.firstLink(in: text))]
        return draft
    }

    func ask(
        _ slot: IntentDefinition.Slot, of intent: String, filled: Filled, state: inout SessionState, render: Renderer
    )
        throws -> Draft
    {
        state.pending = .slot(intent: intent, slot: slot.name, filled: filled)
        return Draft([try render(slot.ask ?? "fallback.not_understood")])
    }

    // MARK: Language

    func changeLanguage(_ text: String, state: inout SessionState, catalog: Catalog) throws -> Draft {
        var target = InputText.requestedLanguage(text)
        if target == nil {
            let guess = identifier.identify(text, fallback: state.language)
            if guess.isReliable && guess.language != state.language { target = guess.language }
        }
        let render = Renderer(locales: catalog.locales, language: state.language)
        guard let target else {
            var draft = Draft([try render("conversation.language.ask")])
            // Each language offered in its own words, as language menus do.
            draft.suggestions = try Language.allCases.map { try render.in($0)("conversation.language.choice") }
            return draft
        }
        state.language = target
        var draft = Draft([try render.in(target)("language.changed")])
        draft.actions = [ReplyAction(kind: "language.changed", status: target.rawValue)]
        return draft
    }

    // MARK: Hand-off

    func handoff(_ definition: IntentDefinition, state: SessionState, render: Renderer) throws -> Draft {
        // Within the hours, someone must also be there: an agent signed in to the desk and marked available.
        let withinHours = options.serviceHours.isOpen(at: clock.now())
        let agentsThere = options.live.map { $0.availableAgents() > 0 } ?? true
        let available = withinHours && agentsThere
        var paragraphs = [try render(definition.responses.first ?? "handoff.human.answer")]
        if available {
            paragraphs.append(try render("handoff.available"))
        } else if withinHours {
            paragraphs.append(try render("handoff.nobody_available"))
        } else {
            paragraphs.append(try render("handoff.closed", ["hours": try serviceHoursText(render)]))
        }
        var draft = Draft(paragraphs)
        draft.effects = [.handoff(available: available)]
        draft.actions = [ReplyAction(kind: "handoff.requested", status: available ? "open" : "closed")]
        return draft
    }

    func serviceHoursText(_ render: Renderer) throws -> String {
        let hours = options.serviceHours
        let clock: (Int) -> String = { minutes in
            let hour = minutes / 60
            let minute = minutes % 60
            let padded = minute < 10 ? "0\(minute)" : "\(minute)"
            // Finnish and Swedish write 8 or 8.30; English 8:00.
            return render.language == .en ? "\(hour):\(padded)" : (minute == 0 ? "\(hour)" : "\(hour).\(padded)")
        }
        let values = ["start": clock(hours.start), "end": clock(hours.end)]
        if hours.days == Set(1...5) { return try render("conversation.service_hours.weekdays", values) }
        if hours.days == Set(1...7) { return try render("conversation.service_hours.every_day", values) }
        let days = try hours.days.sorted().map { try render("conversation.weekday.\($0)") }.joined(separator: ", ")
        return try render("conversation.service_hours.days", values.merging(["days": days]) { $1 })
    }
}
