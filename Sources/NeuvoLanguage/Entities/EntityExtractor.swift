import Foundation

/// Finds dates, times, postal codes, numbers, yes/no answers and gazetteer names in a resident's message.
///
/// Pure: "now" and the time zone are parameters, nothing is read from the clock or the system. Dates are calendar
/// dates in `timeZone` (Europe/Helsinki in production); see `TemporalParser` for the rules on ambiguous dates.
/// A date next to a time ("huomenna klo 14", "2 pm tomorrow") becomes one datetime. Overlapping candidates are
/// resolved by length (the longest span wins), then by kind: datetime/date/time, postal code, gazetteer name,
/// yes/no, number. A datetime whose wall-clock time does not exist (the spring-forward hour) is moved forward
/// as the clock does ("03:30" on the last Sunday of March becomes "04:30").
public struct EntityExtractor: Sendable {
    public let gazetteer: Gazetteer

    public init(gazetteer: Gazetteer = .empty) {
        self.gazetteer = gazetteer
    }

    public func extract(_ text: String, language: Language?, now: Date, timeZone: TimeZone) -> [Entity] {
        let characters = Array(text)
        let tokens = EntityTokenizer.tokenize(characters)
        guard !tokens.isEmpty else { return [] }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone

        var candidates: [EntityCandidate] = []
        let nowParts = calendar.dateComponents([.year, .month, .day], from: now)
        if let year = nowParts.year, let month = nowParts.month, let day = nowParts.day,
            let today = CivilDate(year: year, month: month, day: day)
        {
            let temporal = TemporalParser(tokens: tokens, today: today).matches()
            candidates += EntityExtractor.combine(temporal, tokens: tokens, calendar: calendar)
        }
        let wordIndices = tokens.indices.filter { tokens[$0].kind != .symbol }
        candidates += SimpleEntities.postalCodes(tokens)
        candidates += SimpleEntities.numbers(tokens, language: language, wordCount: wordIndices.count)
        candidates += SimpleEntities.yesNo(tokens, language: language, wordIndices: wordIndices)
        candidates += gazetteer.matches(tokens)

        return EntityExtractor.resolve(candidates, tokens: tokens).map { candidate in
            let start = tokens[candidate.first].start
            let end = tokens[candidate.last].end
            return Entity(
                kind: candidate.kind, text: String(characters[start..<end]), value: candidate.value, start: start,
                end: end)
        }
    }

    /// Keeps the longest candidates that do not overlap (ties: priority, then quality, then the earlier one),
    /// sorted by position. Token occupancy keeps this linear in the spans' total length.
    static func resolve(_ candidates: [EntityCandidate], tokens: [EntityToken]) -> [EntityCandidate] {
        func length(_ candidate: EntityCandidate) -> Int {
            tokens[candidate.last].end - tokens[candidate.first].start
        }
        let ranked = candidates.sorted { lhs, rhs in
            let (lhsLength, rhsLength) = (length(lhs), length(rhs))
            if lhsLength != rhsLength { return lhsLength > rhsLength }
            if lhs.priority != rhs.priority { return lhs.priority < rhs.priority }
            if lhs.quality != rhs.quality { return lhs.quality < rhs.quality }
            return lhs.first < rhs.first
        }
        var taken = [Bool](repeating: false, count: tokens.count)
        var kept: [EntityCandidate] = []
        for candidate in ranked where !taken[candidate.first...candidate.last].contains(true) {
            for index in candidate.first...candidate.last { taken[index] = true }
            kept.append(candidate)
        }
        return kept.sorted { $0.first < $1.first }
    }

    /// Resolves overlapping dates and times, then joins a date and a time that stand next to each other (either
    /// order, with at most a connector such as "at", "klo" or "," between) into a datetime. Weak times ("14.30")
    /// survive only as part of a datetime.
    static func combine(_ matches: [TemporalMatch], tokens: [EntityToken], calendar: Calendar) -> [EntityCandidate] {
        // Placeholders carry the match's index as quality (so an earlier-found match wins a full tie).
        let placeholders = matches.enumerated().map { offset, match in
            EntityCandidate(
                kind: .date, value: "", first: match.first, last: match.last, priority: match.date != nil ? 0 : 1,
                quality: offset)
        }
        var resolved: [TemporalMatch] = []
        for match in resolve(placeholders, tokens: tokens).map({ matches[$0.quality] }) {
            // "tiistaina 1.12.", "Monday, 30 November": one date, the explicit one.
            if let previous = resolved.last, previous.isWeekday, previous.time == nil, !match.isWeekday,
                match.date != nil, match.time == nil, match.first > previous.last, match.first - previous.last <= 2,
                (previous.last + 1..<match.first).allSatisfy({ tokens.isSymbol($0, [","]) })
            {
                resolved[resolved.count - 1] = TemporalMatch(first: previous.first, last: match.last, date: match.date)
                continue
            }
            resolved.append(match)
        }

        func connected(_ left: TemporalMatch, _ right: TemporalMatch) -> Bool {
            guard left.last < right.first else { return false }
            for index in (left.last + 1)..<right.first
            where !TemporalVocabulary.dateTimeConnectors.contains(tokens[index].folded) {
                return false
            }
            return right.first - left.last <= 2
        }

        var output: [EntityCandidate] = []
        var index = 0
        while index < resolved.count {
            let current = resolved[index]
            if index + 1 < resolved.count {
                let next = resolved[index + 1]
                let pair: (date: CivilDate, time: ClockTime)? =
                    if let date = current.date, current.time == nil, next.date == nil, let time = next.time {
                        (date, time)
                    } else if current.date == nil, let time = current.time, let date = next.date, next.time == nil,
                        !current.isWeakTime
                    {
                        (date, time)
                    } else {
                        nil
                    }
                if let pair, connected(current, next) {
                    output.append(
                        EntityCandidate(
                            kind: .dateTime, value: dateTimeValue(pair.date, pair.time, calendar: calendar),
                            first: current.first, last: next.last, priority: 0))
                    index += 2
                    continue
                }
            }
            if let date = current.date, let time = current.time {
                output.append(
                    EntityCandidate(
                        kind: .dateTime, value: dateTimeValue(date, time, calendar: calendar), first: current.first,
                        last: current.last, priority: 0))
            } else if let date = current.date {
                output.append(
                    EntityCandidate(kind: .date, value: date.iso, first: current.first, last: current.last, priority: 0)
                )
            } else if let time = current.time, !current.isWeakTime {
                output.append(
                    EntityCandidate(kind: .time, value: time.iso, first: current.first, last: current.last, priority: 0)
                )
            }
            index += 1
        }
        return output
    }

    /// "2027-03-15T14:30" as the wall clock in the calendar's time zone shows it; a time skipped by the
    /// spring-forward change is moved forward by the gap.
    static func dateTimeValue(_ date: CivilDate, _ time: ClockTime, calendar: Calendar) -> String {
        let requested = DateComponents(
            year: date.year, month: date.month, day: date.day, hour: time.hour, minute: time.minute)
        var shown = (date, time)
        if let instant = calendar.date(from: requested) {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
            if let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
                let minute = parts.minute, let actualDate = CivilDate(year: year, month: month, day: day),
                let actualTime = ClockTime(hour: hour, minute: minute)
            {
                shown = (actualDate, actualTime)
            }
        }
        return "\(shown.0.iso)T\(shown.1.iso)"
    }
}
