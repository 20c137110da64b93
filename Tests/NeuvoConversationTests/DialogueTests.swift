import Foundation
import NeuvoConversation
import NeuvoLanguage
import Testing

/// One message and what the answer must be: its language, its intent ("-" for not understood, "*" for any) and
/// words it must and must not contain.
struct Step: Sendable {
    let say: String
    let lang: Language
    let intent: String
    let contains: [String]
    var excludes: [String] = []
}

struct Script: Sendable, CustomTestStringConvertible {
    let name: String
    let steps: [Step]
    var testDescription: String { name }
}

private func step(_ say: String, _ lang: Language, _ intent: String, _ contains: String..., not excludes: [String] = [])
    -> Step
{
    Step(say: say, lang: lang, intent: intent, contains: contains, excludes: excludes)
}

/// Scripted conversations, ten or more a language, against the real catalog and a small directory.
enum Scripts {
    static let finnish: [Script] = [
        Script(
            name: "fi: nearest library, then follow-ups about it",
            steps: [
                step(
                    "missä on lähin kirjasto Kalliossa?", .fi, "unit.find", "Kallion kirjasto", "Viides linja 11",
                    "Lähde: Helsingin kaupungin Palvelukartta"),
                step("entä aukioloajat?", .fi, "unit.opening_hours", "Kallion kirjasto on avoinna: ma–to 9–20"),
                step("entä puhelinnumero?", .fi, "unit.contact", "Puhelin: 09 3108 5000"),
            ]),
        Script(
            name: "fi: missing unit asked, then used",
            steps: [
                step("milloin se on auki?", .fi, "unit.opening_hours", "Mitä toimipistettä tarkoitat?"),
                step("Vuosaaren kirjasto", .fi, "unit.opening_hours", "Vuosaaren kirjasto on avoinna: ma–pe 9–20"),
            ]),
        Script(
            name: "fi: another service in the same conversation",
            steps: [
                step("missä on lähin kirjasto Vuosaaressa", .fi, "unit.find", "Vuosaaren kirjasto"),
                step("entä uimahalli?", .fi, "unit.find", "Itäkeskuksen uimahalli"),
                step("entä aukioloajat?", .fi, "unit.opening_hours", "Itäkeskuksen uimahalli", "Palvelukartasta"),
            ]),
        Script(
            name: "fi: clarification offered as choices, picked by number",
            steps: [
                step("kaavat ja äänestys", .fi, "-", "Tarkoititko OmaStadi-äänestystä vai kaavoitusta"),
                step("2", .fi, "planning.decisions", "Asemakaavoista"),
            ]),
        Script(
            name: "fi: honest fallback offers a person",
            steps: [
                step("kerro vitsi", .fi, "-", "Valitettavasti en ymmärtänyt", "asiakaspalvelijan"),
                step("1", .fi, "handoff.human", "Asiakaspalvelija on nyt paikalla"),
            ]),
        Script(
            name: "fi: language kept on short answers, switched on a Swedish question",
            steps: [
                step("hei", .fi, "greeting", "Hei! Olen Neuvo"),
                step("ok", .fi, "*", ""),
                step(
                    "var ligger närmaste bibliotek i Berghäll?", .sv, "unit.find", "Berghälls bibliotek",
                    "Källa: Helsingfors stads Servicekarta"),
            ]),
        Script(
            name: "fi: explicit switch to Swedish is kept",
            steps: [
                step("voidaanko puhua ruotsia", .sv, "language.change", "Visst, vi fortsätter på svenska."),
                step("kiitos", .sv, "thanks", "Varsågod"),
            ]),
        Script(
            name: "fi: hand-off while staff are in",
            steps: [step("haluan puhua ihmisen kanssa", .fi, "handoff.human", "Asiakaspalvelija on nyt paikalla")]),
        Script(
            name: "fi: feedback",
            steps: [step("palaute: sivusto on sekava", .fi, "feedback", "Kiitos palautteestasi")]),
        Script(
            name: "fi: anonymous resident asking about personal matters",
            steps: [
                step(
                    "näytä mun järjestelyt", .fi, "arrangements.list", "tunnistaudu", not: ["Kallion ala-aste"]),
                step("hyväksyn paikan", .fi, "arrangement.accept", "tunnistaudu", not: ["Kallion ala-aste"]),
            ]),
        Script(
            name: "fi: catalog answer names its source",
            steps: [step("paljonko päiväkoti maksaa", .fi, "daycare.fees", "asiakasmaksu", "https://www.hel.fi")]),
    ]

    static let swedish: [Script] = [
        Script(
            name: "sv: nearest library, then follow-ups about it",
            steps: [
                step(
                    "var ligger närmaste bibliotek i Berghäll?", .sv, "unit.find", "Berghälls bibliotek",
                    "Viides linja 11"),
                step("och telefonnumret?", .sv, "unit.contact", "Telefon: 09 3108 5000"),
                step("och öppettiderna?", .sv, "unit.opening_hours", "mån–tor 9–20"),
            ]),
        Script(
            name: "sv: missing unit asked, then used",
            steps: [
                step("när har det öppet?", .sv, "unit.opening_hours", "Vilket verksamhetsställe menar du?"),
                step("Nordsjö bibliotek", .sv, "unit.opening_hours", "Nordsjö bibliotek har öppet: mån–fre 9–20"),
            ]),
        Script(
            name: "sv: clarification offered as choices, picked by its words",
            steps: [
                step(
                    "daghem avgift ansökan", .sv, "-",
                    "Menade du klientavgifterna inom småbarnspedagogiken eller att ansöka"),
                step("klientavgifterna inom småbarnspedagogiken", .sv, "daycare.fees", "Klientavgiften"),
            ]),
        Script(
            name: "sv: honest fallback offers a person",
            steps: [step("berätta ett skämt", .sv, "-", "Tyvärr förstod jag inte", "kundtjänstmedarbetare")]),
        Script(
            name: "sv: language kept on a short answer",
            steps: [
                step("hej", .sv, "greeting", "Hej! Jag är Neuvo"),
                step("ja", .sv, "*", ""),
                step("tack", .sv, "thanks", "Varsågod"),
            ]),
        Script(
            name: "sv: switched to English on an English question",
            steps: [
                step("hej", .sv, "greeting", "Hej!"),
                step("where is the nearest library in Kallio?", .en, "unit.find", "Kallio Library"),
            ]),
        Script(
            name: "sv: explicit switch to English",
            steps: [step("kan vi byta till engelska", .en, "language.change", "Sure, let's continue in English.")]),
        Script(
            name: "sv: hand-off while staff are in",
            steps: [
                step("jag vill prata med en människa", .sv, "handoff.human", "En kundtjänstmedarbetare är tillgänglig")
            ]),
        Script(
            name: "sv: feedback",
            steps: [step("jag vill ge respons: tjänsten är bra", .sv, "feedback", "Tack för din respons")]),
        Script(
            name: "sv: anonymous resident asking about personal matters",
            steps: [step("visa mina ärenden", .sv, "arrangements.list", "identifierat dig", not: ["Kallion ala-aste"])]),
        Script(
            name: "sv: a second clarification, then something else entirely",
            steps: [
                step("omröstning och detaljplan", .sv, "-", "Menade du"),
                step("tack", .sv, "thanks", "Varsågod"),
            ]),
    ]

    static let english: [Script] = [
        Script(
            name: "en: nearest library, then follow-ups about it",
            steps: [
                step(
                    "where is the nearest library in Kallio?", .en, "unit.find", "Kallio Library is at Viides linja 11",
                    "Source: City of Helsinki Service Map"),
                step("is it open on Sunday?", .en, "unit.opening_hours", "Kallio Library is open: Mon–Thu 9–20"),
                step("What about the contact details?", .en, "unit.contact", "Phone: 09 3108 5000"),
            ]),
        Script(
            name: "en: missing unit asked, then used",
            steps: [
                step("when is it open?", .en, "unit.opening_hours", "Which unit do you mean?"),
                step("Vuosaari Library", .en, "unit.opening_hours", "Vuosaari Library is open: Mon–Fri 9–20"),
            ]),
        Script(
            name: "en: a unit without known hours says so",
            steps: [
                step(
                    "when is the Itäkeskus Swimming Hall open", .en, "unit.opening_hours",
                    "I don't have the opening hours")
            ]),
        Script(
            name: "en: clarification offered as choices, picked by number",
            steps: [
                step("notifications", .en, "-", "Did you mean notification settings or stopping the notices?"),
                step("1", .en, "notifications.preferences", "You can choose"),
            ]),
        Script(
            name: "en: honest fallback offers a person",
            steps: [
                step("tell me a joke", .en, "-", "Sorry, I didn't understand", "customer service"),
                step("2", .en, "help", "I can tell you"),
            ]),
        Script(
            name: "en: language kept on short answers",
            steps: [
                step("hello there", .en, "greeting", "Hi! I'm Neuvo"),
                step("ok", .en, "*", ""),
                step("thanks", .en, "thanks", "You're welcome"),
            ]),
        Script(
            name: "en: switched to Finnish on a Finnish question",
            steps: [
                step("hello there", .en, "greeting", "Hi!"),
                step("missä on lähin kirjasto Kalliossa?", .fi, "unit.find", "Kallion kirjasto"),
            ]),
        Script(
            name: "en: explicit switch to Finnish",
            steps: [step("can we switch to finnish", .fi, "language.change", "Selvä, jatketaan suomeksi.")]),
        Script(
            name: "en: hand-off while staff are in",
            steps: [
                step("i want to talk to a human", .en, "handoff.human", "A customer service agent is available now")
            ]),
        Script(
            name: "en: feedback",
            steps: [step("feedback: the site is confusing", .en, "feedback", "Thank you for your feedback")]),
        Script(
            name: "en: anonymous resident asking about personal matters",
            steps: [
                step("show my arrangements", .en, "arrangements.list", "identify yourself", not: ["Kallion ala-aste"])
            ]),
    ]
}

@Suite("Dialogue: scripted conversations in three languages")
struct DialogueTests {
    @Test(arguments: Scripts.finnish) func finnish(_ script: Script) async throws { try await play(script) }
    @Test(arguments: Scripts.swedish) func swedish(_ script: Script) async throws { try await play(script) }
    @Test(arguments: Scripts.english) func english(_ script: Script) async throws { try await play(script) }

    func play(_ script: Script) async throws {
        let chat = try ChatFixture()
        // Someone has an arrangement: anonymous sessions must never see it.
        try await chat.residentWithPreschoolOffer()
        for step in script.steps {
            let reply = try await chat.say(step.say)
            let context =
                "\(script.name) / \(step.say) → [\(reply.language.rawValue) \(reply.intent ?? "-")] \(reply.text)"
            #expect(reply.language == step.lang, "\(context)")
            if step.intent != "*" { #expect((reply.intent ?? "-") == step.intent, "\(context)") }
            for expected in step.contains where !expected.isEmpty {
                #expect(reply.text.contains(expected), "\(context)")
            }
            for excluded in step.excludes { #expect(!reply.text.contains(excluded), "\(context)") }
        }
    }
}
