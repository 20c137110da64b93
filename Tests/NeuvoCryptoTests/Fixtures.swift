import Foundation
import NeuvoCrypto

/// Committed fixtures, regenerated with:
///   pip install standardwebhooks==1.1.0 && python3 Tests/NeuvoCryptoTests/Fixtures/generate_fixtures.py
enum Fixtures {
    static func url(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: url(name))
    }

    /// The byte patterns used by generate_fixtures.py for length n.
    static func message(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }
    }

    static func key(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 * 17 + 1) }
    }

    struct LengthVector: Sendable {
        var length: Int
        var sha256: String
        var hmac: String
    }

    static func lengthVectors() throws -> [LengthVector] {
        let text = String(decoding: try data("sha256_hmac_lengths.txt"), as: UTF8.self)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: " ")
            return LengthVector(length: Int(fields[0])!, sha256: String(fields[1]), hmac: String(fields[2]))
        }
    }

    struct WebhookVector: Codable, Sendable {
        var secret: String
        var id: String
        var timestamp: Int
        var body: String
        var signature: String
    }

    static func webhookVectors() throws -> [WebhookVector] {
        struct File: Codable {
            var vectors: [WebhookVector]
        }
        return try JSONDecoder().decode(File.self, from: data("standard_webhooks_vectors.json")).vectors
    }
}

func bytes(_ string: String) -> [UInt8] {
    Array(string.utf8)
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    Hex.encode(bytes)
}
