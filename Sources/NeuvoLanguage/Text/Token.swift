/// A word of normalised text (see `TextNormalizer.tokenize`).
public struct Token: Sendable, Hashable {
    /// Normalised form (NFC, lowercased), e.g. "päiväkotiin".
    public let text: String
    /// `text` with diacritics folded, e.g. "paivakotiin".
    public let folded: String
    /// Index, in Characters, of the token's first character in `TextNormalizer.normalize(input)`.
    public let offset: Int
    /// True for digits with optional inner `.`, `,` or `:` ("42", "12.30", "1.8.2025").
    public let isNumber: Bool

    public init(text: String, folded: String, offset: Int, isNumber: Bool) {
        self.text = text
        self.folded = folded
        self.offset = offset
        self.isNumber = isNumber
    }
}

/// Score for exact match of the normalised forms.
public let exactMatchScore = 1.0
/// Score for a match that only holds after folding diacritics ("paivakoti" for "päiväkoti", "halsostation").
/// Lower than `exactMatchScore` so the exact form wins when both are present.
public let foldedMatchScore = 0.9

/// Diacritic-insensitive comparison that prefers the exact form.
///
/// `candidate` may be raw text: it is normalised first. Returns `exactMatchScore` (1.0) when the normalised forms are
/// equal, `foldedMatchScore` (0.9) when they are only equal after `TextNormalizer.foldDiacritics`, and nil otherwise.
/// Callers that compare one query against many candidates should pre-normalise and use `matchScore(_:normalized:)`.
public func matchScore(_ query: Token, _ candidate: String) -> Double? {
    matchScore(query, normalized: TextNormalizer.normalize(candidate))
}

/// As `matchScore(_:_:)`, for a candidate that is already `TextNormalizer.normalize`d (no normalisation cost).
public func matchScore(_ query: Token, normalized candidate: String) -> Double? {
    if query.text == candidate { return exactMatchScore }
    if query.folded == TextNormalizer.foldDiacritics(candidate) { return foldedMatchScore }
    return nil
}
