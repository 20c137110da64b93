import NeuvoHTTP
import NeuvoSupport

// Properties of the per-client limits' inputs:
// - KeyedRateLimiter: over any sequence of takes by key and time, a key is granted at most burst + rate × elapsed
//   tokens, a refusal's wait is positive and finite, and the tracked keys never exceed the bound.
// - TrustedProxies: whatever the proxy list and X-Forwarded-For text, parsing never traps, and the client address
//   is the peer or an entry of the header that parses as an address and is not itself a trusted proxy.
//
// Input: byte 0 picks the limit (1–16 a window) and byte 1 the window; then pairs (key byte, milliseconds to wait).
// The same bytes, as text, are split at the first "|" into a proxy list and an X-Forwarded-For value.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRateLimits(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 2 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let limit = Int(input[0] % 16) + 1
    let window = Duration.seconds(Int(input[1] % 4) * 30 + 1)
    let windowSeconds = Double(window.components.seconds)
    let limiter = KeyedRateLimiter(limit: limit, per: window, maxKeys: 8)
    let start = ContinuousClock.now
    var now = start
    var granted: [UInt8: Int] = [:]
    var firstSeen: [UInt8: ContinuousClock.Instant] = [:]
    var index = 2
    while index + 1 < input.count {
        let key = input[index] % 12
        now += .milliseconds(Int(input[index + 1]) * 37)
        index += 2
        if firstSeen[key] == nil { firstSeen[key] = now }
        if let wait = limiter.take("k\(key)", now: now) {
            guard wait > .zero, wait <= window + .seconds(1) else { fatalError("wait \(wait) for limit \(limit)") }
        } else {
            granted[key, default: 0] += 1
        }
        // A key evicted by the bound starts afresh, so the ceiling counts from its first use, as if new each time.
        let elapsed = Double((now - start).components.seconds) + 1
        let ceiling = Double(limit) * (1 + elapsed / windowSeconds) * Double(input.count)
        guard Double(granted[key] ?? 0) <= ceiling else { fatalError("key \(key) granted \(granted[key]!)") }
        guard limiter.count <= 8 else { fatalError("\(limiter.count) keys tracked over the bound of 8") }
    }
    // Without eviction (one key), the bucket's own bound holds exactly.
    let single = KeyedRateLimiter(limit: limit, per: window)
    var singleGranted = 0
    var time = start
    for byte in input.dropFirst(2) {
        time += .milliseconds(Int(byte) * 11)
        if single.take("one", now: time) == nil { singleGranted += 1 }
    }
    let elapsed = Double((time - start).components.seconds) + Double((time - start).components.attoseconds) / 1e18
    guard Double(singleGranted) <= Double(limit) + Double(limit) * elapsed / windowSeconds + 1e-6 else {
        fatalError("granted \(singleGranted) with limit \(limit) over \(elapsed) s")
    }

    let text = String(decoding: input, as: UTF8.self)
    let parts = text.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
    if let proxies = TrustedProxies(parsing: String(parts[0])) {
        let forwarded = parts.count > 1 ? [String(parts[1])] : []
        for peer in ["127.0.0.1", "10.0.0.1", "::1"] {
            let client = proxies.clientAddress(peer: peer, forwardedFor: forwarded)
            if client == peer { continue }
            let entries = forwarded.flatMap { $0.split(separator: ",") }.map {
                String($0.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
            }
            guard entries.contains(client), !proxies.contains(client), TrustedProxies(parsing: client) != nil else {
                fatalError("client \(client.debugDescription) from \(forwarded) via \(peer)")
            }
        }
    }
    return 0
}
