/// Turns normalised text into hashed features: character 1–5-grams of every letter run padded with a boundary
/// marker (" hei " gives " h", "hei ", ...) plus the whole word. Digits, punctuation and emoji carry no language, so
/// they only separate words. Hashing (FNV-1a over scalars, then a 64-bit finaliser) is stable across processes and
/// platforms, unlike `Hasher`, so a model file means the same thing everywhere.
struct FeatureHasher: Sendable {
    static let maxOrder = 5
    /// Longer "words" (URLs, base64, keyboard mashing) are cut: their tail adds no evidence.
    static let maxWordLength = 40
    let bits: Int

    init(bits: Int) {
        self.bits = bits
    }

    /// Calls `body` with the bucket of every feature of `normalized` (output of `TextNormalizer.normalize`) and returns
    /// the number of letters seen.
    @inline(__always)
    func forEachFeature(_ normalized: String, _ body: (Int) -> Void) -> Int {
        var word: [UInt32] = []
        word.reserveCapacity(Self.maxWordLength + 2)
        var letters = 0
        word.append(Self.boundary)
        for scalar in normalized.unicodeScalars {
            if Self.isLetter(scalar) {
                letters += 1
                if word.count <= Self.maxWordLength { word.append(scalar.value) }
            } else if word.count > 1 {
                word.append(Self.boundary)
                emit(word, body)
                word.removeAll(keepingCapacity: true)
                word.append(Self.boundary)
            }
        }
        if word.count > 1 {
            word.append(Self.boundary)
            emit(word, body)
        }
        return letters
    }

    /// Features of one padded word: `padded` is boundary, letters, boundary.
    @inline(__always)
    private func emit(_ padded: [UInt32], _ body: (Int) -> Void) {
        let shift = UInt64(64 - bits)
        let count = padded.count
        padded.withUnsafeBufferPointer { buffer in
            for start in 0..<count {
                var hash: UInt64 = 0xCBF2_9CE4_8422_2325
                let end = min(count, start + Self.maxOrder)
                for position in start..<end {
                    hash = (hash ^ UInt64(buffer[position])) &* 0x100_0000_01B3
                    // The lone boundary unigram would be in every text.
                    if position == start && buffer[position] == Self.boundary { continue }
                    body(Int(truncatingIfNeeded: Self.finalize(hash) >> shift))
                }
            }
            var hash: UInt64 = 0x84_2222_5CBF_29CE  // distinct basis: whole words live apart from n-grams
            for position in 1..<(count - 1) {
                hash = (hash ^ UInt64(buffer[position])) &* 0x100_0000_01B3
            }
            body(Int(truncatingIfNeeded: Self.finalize(hash) >> shift))
        }
    }

    private static let boundary: UInt32 = 0x20

    @inline(__always)
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return (value | 0x20) >= 0x61 && (value | 0x20) <= 0x7A }
        if value >= 0xC0 && value <= 0x24F { return value != 0xD7 && value != 0xF7 }
        return scalar.properties.isAlphabetic
    }

    /// MurmurHash3's 64-bit finaliser: spreads FNV's weak high bits, which select the bucket.
    @inline(__always)
    static func finalize(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash &*= 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        return hash
    }
}
