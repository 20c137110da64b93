/// Reduces a single lowercased word to its stem, so that inflected forms of a word compare equal.
public protocol Stemmer: Sendable {
    func stem(_ word: String) -> String
}

extension Language {
    /// The Snowball stemmer for this language.
    public var stemmer: any Stemmer {
        switch self {
        case .fi: FinnishStemmer()
        case .sv: SwedishStemmer()
        case .en: EnglishStemmer()
        }
    }
}
