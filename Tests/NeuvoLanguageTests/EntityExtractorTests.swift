import Foundation
import Testing

@testable import NeuvoLanguage

private let helsinki = TimeZone(identifier: "Europe/Helsinki")!

/// Wednesday 2026-11-25 10:00 in Helsinki (UTC+2).
private let wednesday = instant("2026-11-25T08:00:00Z")

private func instant(_ iso: String) -> Date {
    ISO8601DateFormatter().date(from: iso)!
}

private let gazetteer = Gazetteer([
    GazetteerEntry(kind: .district, id: "kallio", names: ["Kallio", "Berghäll"]),
    GazetteerEntry(kind: .district, id: "vuosaari", names: ["Vuosaari", "Nordsjö"]),
    GazetteerEntry(kind: .district, id: "toolo", names: ["Töölö", "Tölö"]),
    GazetteerEntry(kind: .district, id: "kamppi", names: ["Kamppi", "Kampen"]),
    GazetteerEntry(kind: .district, id: "ruoholahti", names: ["Ruoholahti", "Gräsviken"]),
    GazetteerEntry(kind: .district, id: "kannelmaki", names: ["Kannelmäki", "Gamlas"]),
    GazetteerEntry(kind: .district, id: "itakeskus", names: ["Itäkeskus", "Östra centrum"]),
    GazetteerEntry(kind: .district, id: "sornainen", names: ["Sörnäinen", "Sörnäs"]),
    GazetteerEntry(kind: .district, id: "ita-pasila", names: ["Itä-Pasila", "Östra Böle"]),
    GazetteerEntry(kind: .unit, id: "kallio-library", names: ["Kallion kirjasto", "Berghälls bibliotek"]),
    GazetteerEntry(kind: .unit, id: "oodi", names: ["Helsingin keskustakirjasto Oodi", "Oodi"]),
    GazetteerEntry(kind: .service, id: "health-station", names: ["terveysasema", "hälsostation", "health station"]),
    // Two entries whose names differ only in diacritics: the exact spelling must win.
    GazetteerEntry(kind: .district, id: "kapyla", names: ["Käpylä"]),
    GazetteerEntry(kind: .unit, id: "kapyla-unit", names: ["Kapyla"]),
])

private let extractor = EntityExtractor(gazetteer: gazetteer)

private func extract(_ text: String, _ language: Language? = nil, now: Date = wednesday) -> [Entity] {
    extractor.extract(text, language: language, now: now, timeZone: helsinki)
}

/// The single entity of `kind` in `text`, or nil when there is none or more than one.
private func only(_ kind: EntityKind, in text: String, _ language: Language? = nil, now: Date = wednesday) -> Entity? {
    let found = extract(text, language, now: now).filter { $0.kind == kind }
    return found.count == 1 ? found[0] : nil
}

@Suite("Entity extraction: dates")
struct EntityDateTests {
    @Test(
        "Dates as residents write them, relative to Wednesday 2026-11-25",
        arguments: [
            // numeric
            ("15.3.", "2027-03-15"), ("15.3.2027", "2027-03-15"), ("15.3.27", "2027-03-15"),
            ("2027-03-15", "2027-03-15"), ("25.11.", "2026-11-25"), ("24.11.", "2027-11-24"),
            ("1.12.", "2026-12-01"), ("29.2.2028", "2028-02-29"), ("29.2.", "2028-02-29"),
            // Finnish relative days, with and without diacritics
            ("tänään", "2026-11-25"), ("tanaan", "2026-11-25"), ("huomenna", "2026-11-26"),
            ("ylihuomenna", "2026-11-27"), ("eilen", "2026-11-24"), ("tänä päivänä", "2026-11-25"),
            ("tana paivana", "2026-11-25"),
            // Finnish weekdays: bare = next occurrence after today; "ensi" = in next calendar week
            ("maanantaina", "2026-11-30"), ("ensi maanantaina", "2026-11-30"), ("perjantaina", "2026-11-27"),
            ("ensi perjantaina", "2026-12-04"), ("keskiviikkona", "2026-12-02"), ("tiistaina", "2026-12-01"),
            ("torstaina", "2026-11-26"), ("lauantaina", "2026-11-28"), ("sunnuntaina", "2026-11-29"),
            ("maanantai", "2026-11-30"), ("keskiviikosta", "2026-12-02"), ("ensi viikon maanantaina", "2026-11-30"),
            ("ensi viikolla", "2026-11-30"), ("viime maanantaina", "2026-11-23"), ("tänä perjantaina", "2026-11-27"),
            ("tana keskiviikkona", "2026-11-25"),
            // Swedish
            ("i dag", "2026-11-25"), ("idag", "2026-11-25"), ("i morgon", "2026-11-26"), ("imorgon", "2026-11-26"),
            ("i övermorgon", "2026-11-27"), ("i overmorgon", "2026-11-27"), ("på fredag", "2026-11-27"),
            ("pa fredag", "2026-11-27"), ("nästa måndag", "2026-11-30"), ("nasta manadag", "2026-11-30"),
            ("måndagen", "2026-11-30"), ("i måndags", "2026-11-23"), ("nästa vecka", "2026-11-30"),
            ("nästa fredag", "2026-12-04"),
            // English
            ("today", "2026-11-25"), ("tomorrow", "2026-11-26"), ("the day after tomorrow", "2026-11-27"),
            ("on Friday", "2026-11-27"), ("next Monday", "2026-11-30"), ("next Friday", "2026-12-04"),
            ("this Wednesday", "2026-11-25"), ("last Monday", "2026-11-23"), ("next week", "2026-11-30"),
            ("next month", "2026-12-01"),
            // month names
            ("15 March", "2027-03-15"), ("March 15th", "2027-03-15"), ("March 15", "2027-03-15"),
            ("15th of March", "2027-03-15"), ("March 15, 2028", "2028-03-15"), ("15 March 2028", "2028-03-15"),
            ("15. maaliskuuta", "2027-03-15"), ("15.maaliskuuta", "2027-03-15"), ("15 maaliskuuta 2028", "2028-03-15"),
            ("maaliskuun 15. päivänä", "2027-03-15"), ("30. marraskuuta", "2026-11-30"), ("15 mars", "2027-03-15"),
            ("den 15:e mars", "2027-03-15"), ("1 Dec", "2026-12-01"), ("6. joulukuuta", "2026-12-06"),
            ("May 5", "2027-05-05"),
        ])
    func date(text: String, expected: String) {
        let entity = only(.date, in: text)
        #expect(entity?.value == expected, "\(text)")
    }

    @Test("A date's text and offsets point into the message as written")
    func offsets() {
        let entities = extract("Voinko tulla ensi maanantaina?", .fi)
        #expect(entities == [Entity(kind: .date, text: "ensi maanantaina", value: "2026-11-30", start: 13, end: 29)])
        // An emoji is one Character.
        let afterEmoji = extract("🎉 huomenna!")
        #expect(afterEmoji.map(\.start) == [2])
        #expect(afterEmoji.map(\.text) == ["huomenna"])
    }

    @Test(
        "Dates that do not exist or are not dates are not produced",
        arguments: [
            "31.2.", "29.2.2027", "32.1.", "15.13.", "0.3.", "99.99.9999", "15.3", "1.2.3.4", "2027-02-30",
            "2027-13-01",
            "15.3.2027.5", "may 5", "morgon", "34 March", "Mars 40",
        ])
    func rejected(text: String) {
        #expect(extract(text).filter { $0.kind == .date || $0.kind == .dateTime }.isEmpty, "\(text)")
    }

    @Test("A date without a year asked in December rolls over to next year")
    func yearRollover() {
        let december = instant("2026-12-20T10:00:00Z")
        #expect(only(.date, in: "15.1.", now: december)?.value == "2027-01-15")
        #expect(only(.date, in: "15. tammikuuta", now: december)?.value == "2027-01-15")
        #expect(only(.date, in: "31.12.", now: december)?.value == "2026-12-31")
        let newYearsEve = instant("2026-12-31T10:00:00Z")  // a Thursday
        #expect(only(.date, in: "huomenna", now: newYearsEve)?.value == "2027-01-01")
        #expect(only(.date, in: "ensi maanantaina", now: newYearsEve)?.value == "2027-01-04")
        #expect(only(.date, in: "next week", now: newYearsEve)?.value == "2027-01-04")
        #expect(only(.date, in: "ensi kuussa", now: newYearsEve)?.value == "2027-01-01")
    }

    @Test("Today is the Helsinki calendar date, not the UTC one, and days are calendar days across DST")
    func timeZoneAndDST() {
        // 00:30 in Helsinki on the 25th is still the 24th in UTC.
        let justAfterMidnight = instant("2026-11-24T22:30:00Z")
        #expect(only(.date, in: "tänään", now: justAfterMidnight)?.value == "2026-11-25")
        // 23:30 on Saturday before the spring-forward night: tomorrow is Sunday even though it has 23 hours.
        let beforeSpringForward = instant("2027-03-27T21:30:00Z")
        #expect(only(.date, in: "huomenna", now: beforeSpringForward)?.value == "2027-03-28")
        #expect(only(.date, in: "ylihuomenna", now: beforeSpringForward)?.value == "2027-03-29")
        // 23:30 on Saturday before the fall-back night (25-hour Sunday).
        let beforeFallBack = instant("2026-10-24T20:30:00Z")
        #expect(only(.date, in: "i övermorgon", now: beforeFallBack)?.value == "2026-10-26")
        // The same instant is another day in another zone.
        let utc = extractor.extract(
            "today", language: .en, now: justAfterMidnight, timeZone: TimeZone(identifier: "UTC")!)
        #expect(utc.map(\.value) == ["2026-11-24"])
    }
}

@Suite("Entity extraction: times and datetimes")
struct EntityTimeTests {
    @Test(
        "Clock times",
        arguments: [
            ("klo 14", "14:00"), ("klo 14.30", "14:30"), ("kello 9", "09:00"), ("kl. 14.30", "14:30"),
            ("kl 9", "09:00"), ("klockan 9", "09:00"), ("2 pm", "14:00"), ("2pm", "14:00"), ("14:30", "14:30"),
            ("at 9am", "09:00"), ("at 9", "09:00"), ("9:15 a.m.", "09:15"), ("12 am", "00:00"), ("12 pm", "12:00"),
            ("11.30 pm", "23:30"), ("klo 0", "00:00"), ("klo14", "14:00"), ("9 o'clock", "09:00"),
            ("14:30:00", "14:30"),
        ])
    func time(text: String, expected: String) {
        let entity = only(.time, in: text)
        #expect(entity?.value == expected, "\(text)")
        #expect(entity?.text == text)
    }

    @Test(
        "Not times: out of range, chained, or bare dotted numbers",
        arguments: [
            "klo 25", "klo 14.75", "14:75", "25:00", "13 pm", "14.30", "2.5 km", "klo 9.10.2026", "1:2",
            "look at 3 options",
        ])
    func notTimes(text: String) {
        #expect(extract(text).filter { $0.kind == .time || $0.kind == .dateTime }.isEmpty, "\(text)")
    }

    @Test(
        "A date and a time next to each other become a datetime",
        arguments: [
            ("huomenna klo 14", "2026-11-26T14:00"), ("klo 14 huomenna", "2026-11-26T14:00"),
            ("tomorrow at 2 pm", "2026-11-26T14:00"), ("2 pm tomorrow", "2026-11-26T14:00"),
            ("i morgon kl 9", "2026-11-26T09:00"), ("15.3. 14.30", "2027-03-15T14:30"),
            ("15.3.2027 klo 14.30", "2027-03-15T14:30"), ("2027-03-15 14:30", "2027-03-15T14:30"),
            ("2027-03-15T14:30", "2027-03-15T14:30"), ("maanantaina klo 9.30", "2026-11-30T09:30"),
            ("on Friday at 9am", "2026-11-27T09:00"), ("på fredag kl. 10", "2026-11-27T10:00"),
            ("15 March, 2 pm", "2027-03-15T14:00"), ("15. maaliskuuta kello 8", "2027-03-15T08:00"),
            ("tänään 16:00", "2026-11-25T16:00"), ("tiistaina 1.12. klo 9", "2026-12-01T09:00"),
            ("Monday, 30 November at 2 pm", "2026-11-30T14:00"), ("at 3 tomorrow", "2026-11-26T03:00"),
        ])
    func dateTime(text: String, expected: String) {
        let entities = extract(text)
        #expect(entities.count == 1, "\(text): \(entities)")
        #expect(entities.first?.kind == .dateTime)
        #expect(entities.first?.value == expected, "\(text)")
        #expect(entities.first?.text == text)
    }

    @Test("Datetime inside a sentence keeps its span; a separate time is not joined across words")
    func dateTimeInSentence() {
        let entities = extract("Sopiiko huomenna klo 14 Kalliossa?", .fi)
        #expect(entities.map(\.kind) == [.dateTime, .district])
        #expect(entities.first?.text == "huomenna klo 14")
        #expect(entities.first?.start == 8)
        let separate = extract("tomorrow I can come, maybe at 3 pm")
        #expect(separate.map(\.kind) == [.date, .time])
    }

    @Test("A wall-clock time skipped by the spring-forward change moves forward; the repeated autumn hour stays")
    func dstGap() {
        #expect(only(.dateTime, in: "28.3.2027 klo 3.30")?.value == "2027-03-28T04:30")
        #expect(only(.dateTime, in: "28.3.2027 klo 2.30")?.value == "2027-03-28T02:30")
        #expect(only(.dateTime, in: "31.10.2027 klo 3.30")?.value == "2027-10-31T03:30")
    }
}

@Suite("Entity extraction: postal codes, numbers, yes/no")
struct EntitySimpleTests {
    @Test(
        "Helsinki postal codes",
        arguments: [
            ("00530", "00530", "00530"), ("Osoite 00100 Helsinki", "00100", "00100 Helsinki"),
            ("00990", "00990", "00990"), ("FI-00180", "00180", "00180"),
            ("00100 Helsingfors", "00100", "00100 Helsingfors"),
        ])
    func postalCode(text: String, value: String, surface: String) {
        let entity = only(.postalCode, in: text)
        #expect(entity?.value == value)
        #expect(entity?.text == surface)
    }

    @Test(
        "Codes outside Helsinki's 00100–00990 are not postal codes",
        arguments: [
            "01234", "00105", "00090", "00000", "02100", "001000", "0053", "00530.5", "10100",
        ])
    func notPostalCode(text: String) {
        #expect(only(.postalCode, in: text) == nil, "\(text)")
    }

    @Test(
        "Numbers in digits and words",
        arguments: [
            ("3", Language?.none, "3"), ("kolme", .fi, "3"), ("yksi", .fi, "1"), ("kaksi", .fi, "2"),
            ("neljä", .fi, "4"), ("nelja", .fi, "4"), ("kymmenen", .fi, "10"), ("kahdelle", .fi, "2"),
            ("två", .sv, "2"), ("tva", .sv, "2"), ("tre", .sv, "3"), ("åtta", .sv, "8"), ("tio", .sv, "10"),
            ("ett barn", .sv, "1"), ("en", .sv, "1"), ("one", .en, "1"), ("three", .en, "3"), ("ten", .en, "10"),
            ("twelve", .en, "12"), ("2,5", .fi, "2.5"), ("1,000", .en, "1000"), ("1.5", .en, "1.5"), ("007", nil, "7"),
            ("0", nil, "0"),
            ("kaksi lasta", .fi, "2"), ("we are four", .en, "4"),
        ])
    func number(text: String, language: Language?, expected: String) {
        #expect(only(.number, in: text, language)?.value == expected, "\(text)")
    }

    @Test("Not numbers: Swedish article, other languages' words, chains")
    func notNumbers() {
        #expect(extract("jag vill boka en tid hos läkaren", .sv).isEmpty)
        #expect(only(.number, in: "kolme", .en) == nil)
        #expect(extract("99.99.9999").isEmpty)
        #expect(extract("1.2.3.4").isEmpty)
    }

    @Test(
        "Yes and no from short answers",
        arguments: [
            ("kyllä", Language?.some(.fi), "yes", "kyllä"), ("Joo", .fi, "yes", "Joo"), ("juu", .fi, "yes", "juu"),
            ("kyl", .fi, "yes", "kyl"), ("ok", .fi, "yes", "ok"), ("Selvä!", .fi, "yes", "Selvä"),
            ("kylla", .fi, "yes", "kylla"), ("ei", .fi, "no", "ei"), ("En.", .fi, "no", "En"),
            ("Ei kiitos", .fi, "no", "Ei kiitos"), ("ei käy", .fi, "no", "ei käy"),
            ("joo kiitos", .fi, "yes", "joo kiitos"),
            ("Joo, se sopii hyvin", .fi, "yes", "Joo"), ("ja", .sv, "yes", "ja"), ("jo", .sv, "yes", "jo"),
            ("japp", .sv, "yes", "japp"), ("absolut", .sv, "yes", "absolut"), ("nej", .sv, "no", "nej"),
            ("nä", .sv, "no", "nä"), ("Nej tack", .sv, "no", "Nej tack"), ("ja, det går bra", .sv, "yes", "ja"),
            ("yes", .en, "yes", "yes"), ("Yeah", .en, "yes", "Yeah"), ("yep", .en, "yes", "yep"),
            ("sure", .en, "yes", "sure"), ("OK", .en, "yes", "OK"), ("no", .en, "no", "no"),
            ("nope", .en, "no", "nope"), ("No, thanks.", .en, "no", "No, thanks"),
            ("yes please", .en, "yes", "yes please"),
            ("👍 yes", .en, "yes", "yes"), ("kyllä", nil, "yes", "kyllä"), ("nej", nil, "no", "nej"),
            ("en", nil, "no", "en"),
        ])
    func yesNo(text: String, language: Language?, expected: String, surface: String) {
        let entity = only(.yesNo, in: text, language)
        #expect(entity?.value == expected, "\(text)")
        #expect(entity?.text == surface)
    }

    @Test(
        "No yes/no from sentences, conflicts or other languages",
        arguments: [
            ("I have no idea when the library opens", Language?.some(.en)),
            ("no I don't know when the library opens", .en), ("Ei se mitään mutta milloin kirjasto aukeaa", .fi),
            ("yes no", .en), ("en tiedä", .fi), ("kiitos", .fi), ("no", .fi), ("ja", .fi), ("ja sitten", nil),
            ("Is there no daycare in Kallio", .en), ("", .en),
        ])
    func notYesNo(text: String, language: Language?) {
        #expect(only(.yesNo, in: text, language) == nil, "\(text)")
    }
}

@Suite("Entity extraction: gazetteer")
struct EntityGazetteerTests {
    @Test(
        "Names match through inflection, case and missing diacritics",
        arguments: [
            ("Kallio", "kallio", "Kallio"), ("Kalliossa", "kallio", "Kalliossa"), ("kallioon", "kallio", "kallioon"),
            ("Kalliosta", "kallio", "Kalliosta"), ("Kallion", "kallio", "Kallion"),
            ("i Berghäll", "kallio", "Berghäll"),
            ("Berghälls", "kallio", "Berghälls"), ("berghall", "kallio", "berghall"),
            ("Vuosaaressa", "vuosaari", "Vuosaaressa"), ("Vuosaareen", "vuosaari", "Vuosaareen"),
            ("toolo", "toolo", "toolo"), ("TÖÖLÖSSÄ", "toolo", "TÖÖLÖSSÄ"), ("Töölöön", "toolo", "Töölöön"),
            ("Kampissa", "kamppi", "Kampissa"), ("Kamppiin", "kamppi", "Kamppiin"),
            ("Ruoholahdessa", "ruoholahti", "Ruoholahdessa"), ("Kannelmäessä", "kannelmaki", "Kannelmäessä"),
            ("Itäkeskuksessa", "itakeskus", "Itäkeskuksessa"), ("Sörnäisissä", "sornainen", "Sörnäisissä"),
            ("Itä-Pasilassa", "ita-pasila", "Itä-Pasilassa"), ("i Östra centrum", "itakeskus", "Östra centrum"),
            ("Kalliossakin", "kallio", "Kalliossakin"), ("Oodissa", "oodi", "Oodissa"),
        ])
    func district(text: String, id: String, surface: String) {
        let entities = extract(text).filter { $0.kind == .district || $0.kind == .unit }
        #expect(entities.map(\.value) == [id], "\(text)")
        #expect(entities.first?.text == surface)
    }

    @Test("The longest name wins over a shorter one inside it")
    func longest() {
        let entities = extract("Onko Kallion kirjastossa lehtiä?", .fi)
        #expect(entities.map(\.kind) == [.unit])
        #expect(entities.first?.value == "kallio-library")
        #expect(entities.first?.text == "Kallion kirjastossa")
        let oodi = extract("Helsingin keskustakirjasto Oodi aukeaa")
        #expect(oodi.map(\.value) == ["oodi"])
        #expect(oodi.first?.text == "Helsingin keskustakirjasto Oodi")
    }

    @Test("An exact spelling beats a diacritic-folded one")
    func exactBeatsFolded() {
        #expect(extract("Käpylä").map(\.value) == ["kapyla"])
        #expect(extract("Kapyla").map(\.value) == ["kapyla-unit"])
        #expect(extract("Käpylässä").map(\.value) == ["kapyla"])
    }

    @Test("Services and units come out with their kind")
    func kinds() {
        let entities = extract("Missä on lähin terveysasema Vuosaaressa?", .fi)
        #expect(entities.map(\.kind) == [.service, .district])
        #expect(entities.map(\.value) == ["health-station", "vuosaari"])
        #expect(extract("closest health station").map(\.value) == ["health-station"])
        #expect(extract("närmaste hälsostationen").map(\.value) == ["health-station"])
    }

    @Test(
        "Words that merely start like a name are not matches",
        arguments: ["kallis", "kalliimpi", "Kalliopuisto", "Vuosaarentie"])
    func nonMatches(text: String) {
        #expect(extract(text).filter { $0.kind == .district || $0.kind == .unit }.isEmpty, "\(text)")
    }

    @Test("The empty gazetteer finds no names")
    func emptyGazetteer() {
        let plain = EntityExtractor()
        #expect(plain.extract("Kalliossa", language: .fi, now: wednesday, timeZone: helsinki).isEmpty)
    }
}

@Suite("Entity extraction: whole messages and bad input")
struct EntityMessageTests {
    @Test("A mixed message gives sorted, non-overlapping entities")
    func mixed() {
        let text = "Voisiko kaksi lasta tulla Kallion kirjastoon 00530 ensi perjantaina klo 9.30?"
        let entities = extract(text, .fi)
        #expect(entities.map(\.kind) == [.number, .unit, .postalCode, .dateTime])
        #expect(entities.map(\.value) == ["2", "kallio-library", "00530", "2026-12-04T09:30"])
        for (entity, next) in zip(entities, entities.dropFirst()) {
            #expect(entity.end <= next.start)
        }
        for entity in entities {
            #expect(String(Array(text)[entity.start..<entity.end]) == entity.text)
        }
    }

    @Test("Entity kinds encode with the documented raw values")
    func codable() throws {
        let entity = Entity(kind: .dateTime, text: "huomenna klo 14", value: "2026-11-26T14:00", start: 0, end: 15)
        let json = String(decoding: try JSONEncoder().encode(entity), as: UTF8.self)
        #expect(json.contains("\"datetime\""))
        #expect(try JSONDecoder().decode(Entity.self, from: Data(json.utf8)) == entity)
        #expect(EntityKind.postalCode.rawValue == "postal_code")
        #expect(EntityKind.yesNo.rawValue == "yes_no")
    }

    @Test(
        "Bad input never crashes",
        arguments: [
            "", " ", "\n\t", "🎉🎉🎉", "99.99.9999", "klo", "klo .", "15.", ".15.3.", "at", "i", "ensi", "15:", ":30", "-",
            "2027-", "kello 9.", "00100 Helsinki 00100", "999999999999999999999999", "a\u{0308}ä\u{0}\u{FFFD}",
        ])
    func badInput(text: String) {
        _ = extract(text)
        _ = extract(text, .fi)
    }

    @Test("Binary garbage and 100 kB messages stay fast")
    func largeAndGarbage() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        _ = extract(String(decoding: bytes, as: UTF8.self))

        let sentence = "Voisinko tulla huomenna klo 14 Kallioon, 00530, kolme lasta 15.3. 🎉 99.99.9999 ok "
        let large = String(repeating: sentence, count: 100_000 / sentence.count + 1)
        let started = Date()
        let entities = extract(large, .fi)
        let elapsed = Date().timeIntervalSince(started)
        #expect(entities.filter { $0.kind == .dateTime }.count > 1000)
        #expect(entities.filter { $0.kind == .yesNo }.isEmpty)
        #expect(elapsed < 5, "100 kB took \(elapsed) s")

        let digits = String(repeating: "1", count: 100_000)
        #expect(extract(digits).map(\.value) == [digits])
        let word = String(repeating: "ä", count: 100_000)
        #expect(extract(word).isEmpty)
    }
}
