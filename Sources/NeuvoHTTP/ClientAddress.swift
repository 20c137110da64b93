#if canImport(Glibc)
    import Glibc
#endif

/// Reverse proxies whose `X-Forwarded-For` is believed: addresses or CIDR blocks, IPv4 or IPv6.
///
/// A client's address is the socket's peer; only when the peer is one of these proxies is the header read, from
/// the right (the entry the nearest proxy appended), skipping further trusted proxies: entries to the left of the
/// first untrusted one may be anything the client chose to send.
public struct TrustedProxies: Sendable, Equatable {
    struct Block: Sendable, Equatable {
        let bytes: [UInt8]
        let prefixLength: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefixLength
            for (mine, theirs) in zip(bytes, address) where remaining > 0 {
                let bits = min(8, remaining)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if mine & mask != theirs & mask { return false }
                remaining -= bits
            }
            return true
        }
    }

    let blocks: [Block]

    public static let none = TrustedProxies(blocks: [])

    init(blocks: [Block]) {
        self.blocks = blocks
    }

    /// Parses "10.0.0.1, 10.8.0.0/16, ::1"; nil if any entry is not an address or block.
    public init?(parsing text: String) {
        var blocks: [Block] = []
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: " \t")
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let bytes = TrustedProxies.addressBytes(String(parts[0])) else { return nil }
            var prefix = bytes.count * 8
            if parts.count == 2 {
                guard let length = Int(parts[1]), (0...prefix).contains(length) else { return nil }
                prefix = length
            }
            blocks.append(Block(bytes: bytes, prefixLength: prefix))
        }
        self.blocks = blocks
    }

    public var isEmpty: Bool { blocks.isEmpty }

    public func contains(_ address: String) -> Bool {
        guard !blocks.isEmpty, let bytes = TrustedProxies.addressBytes(address) else { return false }
        return blocks.contains { $0.contains(bytes) }
    }

    /// The client's address: `peer` (an address without port) unless it is a trusted proxy, in which case the
    /// rightmost `X-Forwarded-For` entry that is not itself a trusted proxy (the peer when the header is absent
    /// or malformed).
    public func clientAddress(peer: String, forwardedFor: [String]) -> String {
        guard contains(peer) else { return peer }
        let entries = forwardedFor.flatMap { $0.split(separator: ",") }.map {
            $0.trimmingCharacters(in: " \t")
        }
        for entry in entries.reversed() {
            guard TrustedProxies.addressBytes(entry) != nil else { return peer }
            if !contains(entry) { return entry }
        }
        return peer
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 address in text, nil for anything else.
    static func addressBytes(_ text: String) -> [UInt8]? {
        // inet_pton reads a C string: a NUL inside would end it early and pass what follows. Address characters only.
        guard !text.isEmpty, text.utf8.count <= 64,
            text.utf8.allSatisfy({ hexValue($0) != nil || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
        else { return nil }
        if text.contains(":") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
            return withUnsafeBytes(of: &address) { Array($0) }
        }
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}

extension String {
    /// The trimmed text, without Foundation.
    fileprivate func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        return String(drop { characters.contains($0) }.reversed().drop { characters.contains($0) }.reversed())
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}

/// The address part of "address:port" or "[v6 address]:port".
func hostOfRemoteAddress(_ remote: String) -> String {
    if remote.hasPrefix("["), let close = remote.firstIndex(of: "]") {
        return String(remote[remote.index(after: remote.startIndex)..<close])
    }
    if let colon = remote.lastIndex(of: ":") { return String(remote[..<colon]) }
    return remote
}
