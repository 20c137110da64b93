import Foundation

/// A possible entity over tokens `first...last` before overlaps are resolved.
struct EntityCandidate: Sendable {
    let kind: EntityKind
    let value: String
    let first: Int
    let last: Int
    /// Lower wins between candidates of the same length.
    let priority: Int
    /// Lower wins between candidates of the same length and priority (gazetteer: exact before folded).
    var quality: Int = 0
}

/// Postal codes, numbers and yes/no answers.
enum SimpleEntities {
    // MARK: Postal codes

    /// Helsinki postal codes 00100–00990: "00", a digit 1–9, any digit, "0". A following "Helsinki" or
    /// "Helsingfors" belongs to the entity ("00100 Helsinki"). Codes inside longer numbers ("00100.5") are not codes.
    static func postalCodes(_ tokens: [EntityToken]) -> [EntityCandidate] {
        var found: [EntityCandidate] = []
        for index in tokens.indices where tokens[index].kind == .number && tokens[index].digitCount == 5 {
            let digits = Array(tokens[index].text)
            guard digits[0] == "0", digits[1] == "0", digits[2] != "0", digits[4] == "0" else { continue }
            if tokens.touchesPrevious(index) && tokens.isSymbol(index - 1, [".", ",", ":"]) { continue }
            if tokens.isSymbol(index + 1, [".", ",", ":"]) && tokens.touchesPrevious(index + 1)
                && tokens.token(index + 2)?.kind == .number && tokens.touchesPrevious(index + 2)
            {
                continue
            }
            var last = index
            if let city = tokens.word(index + 1), city == "helsinki" || city == "helsingfors" { last = index + 1 }
            found.append(
                EntityCandidate(kind: .postalCode, value: tokens[index].text, first: index, last: last, priority: 2))
        }
        return found
    }

    // MARK: Numbers

    private static let finnishNumbers: [String: Int] = [
        "nolla": 0, "yksi": 1, "yks": 1, "yhden": 1, "yhdelle": 1, "kaksi": 2, "kaks": 2, "kahden": 2,
        "kahdelle": 2, "kahta": 2, "kolme": 3, "kolmen": 3, "kolmelle": 3, "kolmea": 3, "nelja": 4, "neljan": 4,
        "neljalle": 4, "neljaa": 4, "viisi": 5, "viis": 5, "viiden": 5, "viidelle": 5, "viitta": 5, "kuusi": 6,
        "kuus": 6, "kuuden": 6, "kuudelle": 6, "kuutta": 6, "seitseman": 7, "seitsemalle": 7, "seitsemaa": 7,
        "kahdeksan": 8, "kahdeksalle": 8, "kahdeksaa": 8, "yhdeksan": 9, "yhdeksalle": 9, "yhdeksaa": 9,
        "kymmenen": 10, "kymmenelle": 10, "kymmenta": 10, "yksitoista": 11, "kaksitoista": 12,
        "kaksikymmenta": 20,
    ]
    private static let swedishNumbers: [String: Int] = [
        "noll": 0, "en": 1, "ett": 1, "tva": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "atta": 8,
        "nio": 9, "tio": 10, "elva": 11, "tolv": 12, "tjugo": 20,
    ]
    private static let englishNumbers: [String: Int] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20,
    ]
    /// For a message of unknown language; Finnish first where words collide.
    private static let allNumbers = finnishNumbers.merging(swedishNumbers) { old, _ in old }
        .merging(englishNumbers) { old, _ in old }
    /// Swedish "en"/"ett" are also the indefinite article ("jag vill boka en tid"), so they count as a number only
    /// in a short answer of at most this many words ("en", "ett barn", "bara en").
    private static let articleNumberMaxWords = 3

    /// Digits ("3", "2,5" → "2.5", English "1,000" → "1000", leading zeros dropped) and number words of the message language (all three when
    /// the language is unknown). Chains like "1.2.3" or "99.99.9999" are not numbers.
    static func numbers(_ tokens: [EntityToken], language: Language?, wordCount: Int) -> [EntityCandidate] {
        let vocabulary =
            switch language {
            case .fi: finnishNumbers
            case .sv: swedishNumbers
            case .en: englishNumbers
            case nil: allNumbers
            }
        var found: [EntityCandidate] = []
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            if token.kind == .word, let value = vocabulary[token.folded] {
                let isArticle = token.folded == "en" || token.folded == "ett"
                if !isArticle || wordCount <= articleNumberMaxWords {
                    found.append(
                        EntityCandidate(kind: .number, value: String(value), first: index, last: index, priority: 5))
                }
                index += 1
                continue
            }
            guard token.kind == .number else {
                index += 1
                continue
            }
            // Take the whole touching chain of digits and separators, then decide.
            var last = index
            var separators = 0
            while tokens.isSymbol(last + 1, [".", ",", ":"]) && tokens.touchesPrevious(last + 1)
                && tokens.token(last + 2)?.kind == .number && tokens.touchesPrevious(last + 2)
            {
                separators += 1
                last += 2
            }
            if separators == 0 {
                found.append(
                    EntityCandidate(
                        kind: .number, value: canonicalInteger(token.text), first: index, last: index, priority: 5))
            } else if separators == 1 && tokens[index + 1].text != ":" {
                // English "1,000" groups thousands; elsewhere the comma is the decimal mark ("2,5").
                let isThousands = language == .en && tokens[index + 1].text == "," && tokens[index + 2].digitCount == 3
                let value =
                    isThousands
                    ? canonicalInteger(token.text + tokens[index + 2].text)
                    : canonicalInteger(token.text) + "." + tokens[index + 2].text
                found.append(EntityCandidate(kind: .number, value: value, first: index, last: last, priority: 5))
            }
            index = last + 1
        }
        return found
    }

    private static func canonicalInteger(_ digits: String) -> String {
        let trimmed = digits.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }

    // MARK: Yes/no

    private struct Answer {
        let words: [String]
        let isYes: Bool
        /// Also an ordinary word at the start of a sentence (Finnish "en tiedä", English "no idea", Swedish "ja" as
        /// Finnish "and"): accepted only alone, with courtesy words, or set off by punctuation.
        let isWeak: Bool
    }

    private static func answers(_ yes: [String], _ no: [String], weak: Set<String>) -> [Answer] {
        let all = yes.map { ($0, true) } + no.map { ($0, false) }
        return all.map { phrase, isYes in
            Answer(words: phrase.split(separator: " ").map(String.init), isYes: isYes, isWeak: weak.contains(phrase))
        }
    }

    private static let finnishAnswers = answers(
        ["kylla", "joo", "juu", "kyl", "ok", "okei", "selva", "toki", "sopii", "kay", "kylla kiitos", "joo kiitos"],
        ["ei", "en", "ei kiitos", "eipa", "ei kay"], weak: ["en"])
    private static let swedishYes = [
        "ja", "jo", "japp", "jepp", "absolut", "visst", "ok", "okej", "garna", "ja tack", "ja garna",
    ]
    private static let swedishNo = ["nej", "na", "naa", "nej tack", "nix"]
    private static let swedishAnswers = answers(swedishYes, swedishNo, weak: ["na"])
    /// Without a language, "ja" may be Finnish "and" and "jo" Finnish "already".
    private static let swedishAnswersUnknownLanguage = answers(swedishYes, swedishNo, weak: ["ja", "jo", "na"])
    private static let englishAnswers = answers(
        ["yes", "yeah", "yep", "yup", "sure", "ok", "okay", "absolutely", "of course", "yes please"],
        ["no", "nope", "nah", "no thanks", "no thank you"], weak: ["no"])
    /// Words that may follow an answer without changing it ("joo kiitos", "nej tack", "yes please").
    private static let courtesy: Set<String> = [
        "kiitos", "kiitti", "kiitoksia", "tack", "tackar", "please", "thanks", "thank", "you", "thx", "vaan", "vain",
        "pls", "garna",
    ]
    /// A message with more words than this is a sentence, not an answer, even if it starts with "no".
    static let answerMaxWords = 6
    /// Without punctuation after it, an answer may be followed by at most this many other words ("ei käy", "joo se").
    private static let answerLooseMaxWords = 3

    /// Decides yes or no from the message as a whole: only a short message (at most `answerMaxWords` words) that
    /// starts with an answer counts, and the entity covers the answer words.
    static func yesNo(_ tokens: [EntityToken], language: Language?, wordIndices: [Int]) -> [EntityCandidate] {
        guard !wordIndices.isEmpty, wordIndices.count <= answerMaxWords else { return [] }
        var vocabulary: [Answer] = []
        if language == nil || language == .fi { vocabulary += finnishAnswers }
        if language == .sv { vocabulary += swedishAnswers }
        if language == nil { vocabulary += swedishAnswersUnknownLanguage }
        if language == nil || language == .en { vocabulary += englishAnswers }
        let words = wordIndices.map { tokens[$0].folded }

        func answer(at position: Int) -> Answer? {
            var best: Answer?
            for candidate in vocabulary where candidate.words.count > (best?.words.count ?? 0) {
                guard position + candidate.words.count <= words.count else { continue }
                if Array(words[position..<(position + candidate.words.count)]) == candidate.words { best = candidate }
            }
            return best
        }

        // The answer must be the first word of the message (emoji or punctuation before it are fine).
        guard let first = answer(at: 0) else { return [] }
        let answerLast = wordIndices[first.words.count - 1]
        // The rest, word by word: courtesy words and answers of the same polarity keep the message a pure answer.
        var position = first.words.count
        var pure = true
        while position < words.count {
            if courtesy.contains(words[position]) {
                position += 1
            } else if let next = answer(at: position) {
                if next.isYes != first.isYes { return [] }
                position += next.words.count
            } else {
                pure = false
                break
            }
        }
        let setOff = tokens.isSymbol(answerLast + 1, [",", ".", "!", "-", ";", "?"])
        let loose = !first.isWeak && words.count <= answerLooseMaxWords
        guard pure || setOff || loose else { return [] }
        return [
            EntityCandidate(
                kind: .yesNo, value: first.isYes ? "yes" : "no", first: wordIndices[0], last: answerLast, priority: 4)
        ]
    }
}
