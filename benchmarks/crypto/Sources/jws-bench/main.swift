import Foundation
import NeuvoCrypto

// Reads the file compare.py writes ({"jwks": …, "tokens": {"RS256": [...], "ES256": [...]}}), verifies every token
// `rounds` times with JWS.verify and prints one JSON object: microseconds per verification for each algorithm, and
// the same for the bare signature primitive (no header parsing or key choice).
let arguments = CommandLine.arguments
guard arguments.count == 3, let rounds = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: jws-bench TOKENS.json ROUNDS\n".utf8))
    exit(64)
}
let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: arguments[1])))
guard let object = document as? [String: Any], let jwks = object["jwks"],
    let tokens = object["tokens"] as? [String: [String]]
else {
    FileHandle.standardError.write(Data("not a token file\n".utf8))
    exit(65)
}
let keys = try JSONWebKeySet(json: Array(JSONSerialization.data(withJSONObject: jwks)))

/// CPU time of this thread per call, in microseconds: on a shared machine the wall clock mostly measures the
/// other processes; compare.py measures its peer the same way (time.thread_time).
func microseconds(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
    func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) * 1e6 + Double(time.tv_nsec) / 1e3
    }
    let start = now()
    try body()
    return (now() - start) / Double(count)
}

var results: [String: Double] = [:]
for algorithm in JWSAlgorithm.allCases {
    guard let list = tokens[algorithm.rawValue], !list.isEmpty else { continue }
    for token in list { _ = try JWS.verify(token, keys: keys, allowed: [algorithm]) }  // every one must verify
    results["\(algorithm.rawValue)_jws_us"] = try microseconds(list.count * rounds) {
        for _ in 0..<rounds {
            for token in list { _ = try JWS.verify(token, keys: keys, allowed: [algorithm]) }
        }
    }
    // The primitive alone: signature bytes and signing input decoded beforehand.
    let prepared = list.map { token -> ([UInt8], [UInt8]) in
        let dot = token.lastIndex(of: ".")!
        return (Array(token[..<dot].utf8), Base64URL.decode(String(token[token.index(after: dot)...]))!)
    }
    let key = keys.keys.first { $0.canVerify(algorithm) }!
    results["\(algorithm.rawValue)_primitive_us"] = microseconds(prepared.count * rounds) {
        for _ in 0..<rounds {
            for (message, signature) in prepared {
                let valid: Bool
                switch key.material {
                case .rsa(let rsa): valid = rsa.isValidPKCS1v15SHA256Signature(signature, for: message)
                case .p256(let p256): valid = p256.isValidSignature(raw: signature, for: message)
                }
                precondition(valid, "a prepared signature did not verify")
            }
        }
    }
}
let output = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
print(String(decoding: output, as: UTF8.self))
