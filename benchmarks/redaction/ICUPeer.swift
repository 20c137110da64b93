import Foundation

/// The peer: the same rules through ICU's matcher (`NSRegularExpression`), as `Redactor` ran them before
/// `RedactionPattern`: the same cheap prerequisites first, then the whole text bridged to an `NSMutableString` and
/// each rule's matches replaced from the end.
final class ICURedactor {
    let expressions: [(NSRegularExpression, Redactor.Rule)] = Redactor.rules.map { rule in
        (try! NSRegularExpression(pattern: rule.pattern), rule)
    }

    func redact(_ text: String) -> String {
        let prerequisites = Redactor.Prerequisites(text)
        guard expressions.contains(where: { prerequisites.allow($0.1) }) else { return text }
        let result = NSMutableString(string: text)
        for (expression, rule) in expressions where prerequisites.allow(rule) {
            let matches = expression.matches(in: result as String, range: NSRange(location: 0, length: result.length))
            for match in matches.reversed() {
                if rule.minimumDigits > 0 {
                    let digits = result.substring(with: match.range).utf16.filter { $0 >= 0x30 && $0 <= 0x39 }.count
                    if digits < rule.minimumDigits { continue }
                }
                result.replaceCharacters(in: match.range, with: rule.replacement)
            }
        }
        return result as String
    }
}
