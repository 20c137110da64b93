/// The little DER (ITU-T X.690 §10) that signature verification reads. Strict by design: every value has exactly
/// one accepted encoding, so a signature cannot be re-encoded (BER lengths, padded or negative integers, trailing
/// bytes) into a different string that still verifies. Wycheproof's BerEncodedSignature and InvalidEncoding
/// vectors probe each of these.
enum DER {
    /// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (SEC 1 §C.5) with r and s non-negative and at most 256
    /// bits, as 256-bit integers; nil for anything else, including bytes after the SEQUENCE.
    static func ecdsaSignature(_ bytes: [UInt8]) -> (r: UInt256, s: UInt256)? {
        var reader = Reader(bytes: bytes[...])
        guard var sequence = reader.element(tag: 0x30), reader.isAtEnd else { return nil }
        guard let r = sequence.unsignedInteger(maximumOctets: 32), let s = sequence.unsignedInteger(maximumOctets: 32),
            sequence.isAtEnd
        else { return nil }
        return (
            UInt256(bigEndian: [UInt8](repeating: 0, count: 32 - r.count) + r),
            UInt256(bigEndian: [UInt8](repeating: 0, count: 32 - s.count) + s)
        )
    }

    struct Reader {
        var bytes: ArraySlice<UInt8>

        var isAtEnd: Bool { bytes.isEmpty }

        /// The contents of the next element if its tag is `tag`, its length in the shortest form (X.690 §10.1:
        /// definite, long form only from 128 octets, no leading zero length octets) and within the input.
        mutating func element(tag: UInt8) -> Reader? {
            guard let first = bytes.first, first == tag, bytes.count >= 2 else { return nil }
            var index = bytes.startIndex + 1
            let lengthOctet = bytes[index]
            index += 1
            var length: Int
            if lengthOctet < 0x80 {
                length = Int(lengthOctet)
            } else {
                let count = Int(lengthOctet & 0x7f)
                // 0x80 is BER's indefinite length; more than two length octets is far beyond any signature here.
                guard count >= 1, count <= 2, bytes.endIndex - index >= count else { return nil }
                length = 0
                for _ in 0..<count {
                    length = length << 8 | Int(bytes[index])
                    index += 1
                }
                guard length >= 0x80, length >> (8 * (count - 1)) != 0 else { return nil }  // minimal form
            }
            guard bytes.endIndex - index >= length else { return nil }
            let contents = bytes[index..<index + length]
            bytes = bytes[(index + length)...]
            return Reader(bytes: contents)
        }

        /// A non-negative INTEGER (tag 0x02, X.690 §8.3) as big-endian magnitude octets without the sign octet:
        /// refuses empty contents, negative values and a leading zero octet that the next octet does not need.
        mutating func unsignedInteger(maximumOctets: Int) -> [UInt8]? {
            guard let contents = element(tag: 0x02)?.bytes, let first = contents.first else { return nil }
            guard first & 0x80 == 0 else { return nil }  // negative
            var magnitude = contents
            if first == 0 {
                guard contents.count == 1 || contents[contents.startIndex + 1] & 0x80 != 0 else { return nil }
                magnitude = contents.dropFirst()
            }
            guard magnitude.count <= maximumOctets else { return nil }
            return Array(magnitude)
        }
    }
}
