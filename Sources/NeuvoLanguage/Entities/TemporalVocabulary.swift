import Foundation

/// Day, weekday and month words of Finnish, Swedish and English. All forms are lowercased and diacritic-folded, so
/// "tänään" and "tanaan" are the same word. Temporal words are recognised whatever the message language: they do not
/// collide across the three languages and residents mix them.
enum TemporalVocabulary {
    /// Word sequences naming a day relative to today, with the offset in days.
    static let relativeDays: [(words: [String], offset: Int)] = [
        // Finnish
        (["tanaan"], 0), (["tana", "paivana"], 0), (["huomenna"], 1), (["huomena"], 1), (["huomiseksi"], 1),
        (["huomiselle"], 1), (["ylihuomenna"], 2), (["eilen"], -1), (["toissapaivana"], -2),
        // Swedish
        (["idag"], 0), (["i", "dag"], 0), (["imorgon"], 1), (["i", "morgon"], 1), (["imorron"], 1),
        (["i", "morron"], 1), (["imorrn"], 1), (["i", "morrn"], 1), (["iovermorgon"], 2), (["i", "overmorgon"], 2),
        (["overmorgon"], 2), (["igar"], -1), (["i", "gar"], -1), (["i", "forrgar"], -2),
        // English
        (["today"], 0), (["tonight"], 0), (["tomorrow"], 1), (["tmrw"], 1), (["day", "after", "tomorrow"], 2),
        (["yesterday"], -1),
    ]

    /// Word sequences naming next week (resolved to its Monday) or next month (resolved to its first day).
    static let nextWeek: [[String]] = [
        ["ensi", "viikolla"], ["ensi", "viikkona"], ["tulevalla", "viikolla"], ["nasta", "vecka"],
        ["nasta", "veckan"], ["kommande", "vecka"], ["next", "week"],
    ]
    static let nextMonth: [[String]] = [["ensi", "kuussa"], ["nasta", "manad"], ["next", "month"]]

    /// Words before a weekday that choose which occurrence is meant.
    enum WeekdayModifier {
        /// The first occurrence after today ("maanantaina", "on Monday", "på måndag").
        case next
        /// The first occurrence from today on ("this Monday", "tänä maanantaina").
        case nextOrToday
        /// The weekday in next calendar week, weeks starting on Monday ("ensi maanantaina", "nästa måndag").
        case nextWeek
        /// The last occurrence before today ("viime maanantaina", "last Monday", "i måndags").
        case previous
    }

    /// Modifier words; they belong to the entity text ("next Monday", "on Friday").
    static let weekdayModifiers: [String: WeekdayModifier] = [
        "ensi": .nextWeek, "nasta": .nextWeek, "next": .nextWeek,
        "viime": .previous, "last": .previous, "forra": .previous,
        "this": .nextOrToday, "tana": .nextOrToday, "denna": .nextOrToday,
        "tulevana": .next, "kommande": .next, "coming": .next, "on": .next, "pa": .next,
    ]

    private static let finnishWeekdayStems = [
        "maanantai", "tiistai", "keskiviik", "torstai", "perjantai", "lauantai", "sunnuntai",
    ]
    private static let swedishWeekdays: [(String, Int)] = [
        ("mandag", 1), ("maandag", 1), ("manadag", 1), ("tisdag", 2), ("onsdag", 3), ("torsdag", 4),
        ("fredag", 5), ("lordag", 6), ("sondag", 7),
    ]
    private static let englishWeekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    private static let swedishWeekdayEndings: Set<String> = ["", "en", "s", "ens", "ar", "arna"]

    /// The ISO weekday (1 = Monday) of a folded word, tolerating Finnish case endings ("maanantaina",
    /// "keskiviikkoon", "keskiviikosta") and Swedish definite/genitive forms ("måndagen", "måndags").
    static func weekday(_ word: String) -> (weekday: Int, swedishGenitive: Bool)? {
        for (index, stem) in finnishWeekdayStems.enumerated() where word.hasPrefix(stem) {
            if word.count - stem.count <= 5 { return (index + 1, false) }
        }
        for (name, weekday) in swedishWeekdays where word.hasPrefix(name) {
            let ending = String(word.dropFirst(name.count))
            if swedishWeekdayEndings.contains(ending) { return (weekday, ending == "s") }
        }
        for (index, name) in englishWeekdays.enumerated() where word == name || word == name + "s" {
            return (index + 1, false)
        }
        return nil
    }

    private static let finnishMonthStems = [
        "tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesakuu", "heinakuu", "elokuu", "syyskuu",
        "lokakuu", "marraskuu", "joulukuu",
    ]
    private static let monthNames: [String: Int] = [
        // Swedish
        "januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7, "augusti": 8,
        "september": 9, "oktober": 10, "november": 11, "december": 12,
        // English (april, september, november, december are shared)
        "january": 1, "february": 2, "march": 3, "june": 6, "july": 7, "august": 8, "october": 10,
        // abbreviations
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "okt": 10,
        "oct": 10, "nov": 11, "dec": 12,
    ]

    /// The month of a word: Finnish in any case form ("maaliskuuta", "maaliskuussa", "maaliskuun"), Swedish and English
    /// names and abbreviations. English "may" counts only capitalised, as it is mostly the verb.
    static func month(_ token: EntityToken) -> Int? {
        let word = token.folded
        for (index, stem) in finnishMonthStems.enumerated() where word.hasPrefix(stem) {
            if word.count - stem.count <= 4 { return index + 1 }
        }
        if let month = monthNames[word] { return month }
        if word == "may" && token.text.first == "M" { return 5 }
        return nil
    }

    /// Ordinal endings written after a day number: "15th", "1st", and Swedish "15:e", "1:a".
    static let englishOrdinals: Set<String> = ["st", "nd", "rd", "th"]
    static let swedishOrdinals: Set<String> = ["e", "a", "de"]

    /// Words that introduce a clock time; the word is part of the entity ("klo 14", "kl. 9", "at 9am").
    static let timePrefixes: Set<String> = ["klo", "kello", "kl", "klockan", "at"]

    /// Words that may follow "at 3" for it to be a time.
    static let dayWordsAfterAt: Set<String> = [
        "today", "tonight", "tomorrow", "tmrw", "on", "next", "this", "and", "or",
    ]

    /// What may stand between a date and a time that belong together ("tomorrow at 9", "15.3., klo 14").
    static let dateTimeConnectors: Set<String> = [",", "-", "@", "at", "om", "kl", "klo", "kello", "klockan"]
}
