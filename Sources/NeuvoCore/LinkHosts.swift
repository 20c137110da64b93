/// Hosts whose `https://` URLs may become links in what Neuvo sends: email HTML and chat replies. Any other URL
/// (one in city data, a unit's description, a resident's own words) stays plain text, so data that reaches a
/// message cannot turn into a clickable phishing link under the city's name.
///
/// An entry matches its host exactly and any subdomain of it (`hel.fi` allows `www.hel.fi`), case-insensitively.
public struct LinkHosts: Sendable, Hashable {
    public let hosts: Set<String>

    public init(_ hosts: some Sequence<String>) {
        self.hosts = Set(hosts.map { $0.lowercased() }.filter { !$0.isEmpty })
    }

    /// Whether `url` is `https://` on an allowed host (a port is allowed, credentials are not).
    public func allows(_ url: some StringProtocol) -> Bool {
        guard let host = Self.host(of: url) else { return false }
        return hosts.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    /// The lower-cased host of an `https://` URL; nil for another scheme, userinfo (`https://hel.fi@evil.example`)
    /// or a malformed authority.
    public static func host(of url: some StringProtocol) -> String? {
        let text = String(url)
        guard text.lowercased().hasPrefix("https://") else { return nil }
        let rest = text.dropFirst(8)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" && $0 != "\\" }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var host = Substring(authority)
        if let colon = host.lastIndex(of: ":") {
            guard host[host.index(after: colon)...].allSatisfy(\.isNumber) else { return nil }
            host = host[..<colon]
        }
        guard !host.isEmpty,
            host.unicodeScalars.allSatisfy({
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "."
                    || $0 == "-"
            })
        else { return nil }
        return host.lowercased()
    }

    /// The hosts of the `https://` URLs in `texts`: the city's own domains, as its staff wrote them in the catalog.
    public static func hosts(inTexts texts: some Sequence<String>) -> Set<String> {
        var found = Set<String>()
        for text in texts {
            var rest = Substring(text)
            while let range = rest.range(of: "https://") {
                let tail = rest[range.lowerBound...]
                let end = tail.firstIndex { $0.isWhitespace || $0 == "<" || $0 == "\"" } ?? tail.endIndex
                if let host = host(of: tail[..<end]) { found.insert(host) }
                rest = tail[end...]
            }
        }
        return found
    }
}
