import Foundation

// Each text redacted by Neuvo's Redactor (RedactionPattern) and by the ICU peer, in the same process: µs per text
// (best of three rounds) and whether both give the same text.
let reply =
    "Lähin uimahalli on Kallion uimahalli, Helsinginkatu 25, 00510 Helsinki. Puhelin 09 310 87400. "
    + "Avoinna tänään 6.30–21.00. "
    + String(
        repeating: "Uimahallissa on 25 metrin allas, lasten allas ja saunat; kuntosali on auki samaan aikaan. ",
        count: 5)
let message = "Hei, olen Maija (hetu 131052-308T), soittakaa 040 123 4567 tai maija.meikalainen@example.fi"
// Messages of 2,000 characters (the longest the conversation engine keeps) shaped to make a backtracking matcher
// work hardest.
let hostile: [(String, String)] = [
    ("1,999 letters and one '('", String(repeating: "a", count: 1_999) + "("),
    ("999 × 'a.' and one '@'", String(repeating: "a.", count: 999) + "@"),
    ("2,000 digits", String(repeating: "0", count: 2_000)),
    ("666 × '040'", String(repeating: "040", count: 666)),
    ("1,000 × '0 '", String(repeating: "0 ", count: 1_000)),
]
let peer = ICURedactor()

func microseconds(_ rounds: Int, _ body: () -> String) -> (Double, String) {
    var best = Double.infinity
    var result = ""
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds { result = body() }
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(rounds))
    }
    return (best, result)
}

print("| text | Neuvo µs | ICU µs | ICU / Neuvo | same output |")
print("|---|---|---|---|---|")
for (name, text, rounds) in [
    ("a unit's answer (phone number)", reply, 20_000), ("a message with a code, a number, an address", message, 20_000),
]
    + hostile.map({ ($0.0, $0.1, 10) })
{
    let (ours, ourText) = microseconds(rounds) { Redactor.standard.redact(text) }
    let (icu, icuText) = microseconds(rounds) { peer.redact(text) }
    print(
        String(
            format: "| %@ | %.1f | %.1f | %.0f× | %@ |", name, ours, icu, icu / ours, ourText == icuText ? "yes" : "NO")
    )
}
