import Foundation

extension Configuration {
    /// Limits against abuse: per-client caps, rate limits, link hosts and retention (docs/SECURITY.md, "Limits").
    static let limitSettings: [ConfigurationSetting] = [
        ConfigurationSetting(
            "trusted_proxies", "reverse proxies whose X-Forwarded-For names the client (default: none)",
            expected: "comma-separated IP addresses or CIDR blocks such as 10.0.0.1, 10.8.0.0/16",
            current: { $0.trustedProxies.isEmpty ? nil : $0.trustedProxies },
            apply: { value, config in
                guard ProxyList.isValid(value) else { return "'\(value)' is not a list of addresses or blocks" }
                config.trustedProxies = value
                return nil
            }),
        integer(
            "limits.connections_per_address", "open connections one client address may hold",
            range: 1...100_000, keyPath: \.connectionsPerAddress),
        integer(
            "limits.buffered_request_bytes", "request body bytes the server buffers at once, over all clients",
            range: 1024 * 1024...16 * 1024 * 1024 * 1024, keyPath: \.bufferedRequestBytes),
        integer(
            "limits.chat_per_address", "chat messages per minute from one client address", range: 1...1_000_000,
            keyPath: \.chatPerAddressPerMinute),
        integer(
            "limits.chat_per_session", "chat messages per minute in one session", range: 1...100_000,
            keyPath: \.chatPerSessionPerMinute),
        integer(
            "limits.typing_per_session", "\"typing\" signals per minute from one session to the agent's desk",
            range: 1...100_000, keyPath: \.typingPerSessionPerMinute),
        integer(
            "limits.handoffs_per_address", "hand-offs to staff per hour from one client address", range: 1...100_000,
            keyPath: \.handoffsPerAddressPerHour),
        ConfigurationSetting(
            "link_hosts",
            "hosts whose URLs become links in emails and chat (default: the public base URL's host and the city's domains)",
            expected: "comma-separated host names such as hel.fi, www.hel.fi",
            current: { $0.linkHosts.isEmpty ? nil : $0.linkHosts.joined(separator: ",") },
            apply: { value, config in
                let hosts = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                    .filter { !$0.isEmpty }
                guard
                    hosts.allSatisfy({ host in
                        host.unicodeScalars.allSatisfy {
                            CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-"
                        }
                    })
                else { return "'\(value)' is not a list of host names" }
                config.linkHosts = hosts
                return nil
            }),
        integer(
            "notice_retention_days", "days after a final state when a notice's personal content is erased",
            range: 1...3650, keyPath: \.noticeRetentionDays),
    ]
}

/// Checks a trusted-proxy list without the HTTP module (which parses it for use).
enum ProxyList {
    static func isValid(_ text: String) -> Bool {
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return false }
            let address = String(parts[0])
            // inet_pton stops at a NUL: address characters only.
            guard address.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }) else {
                return false
            }
            var v4 = in_addr()
            var v6 = in6_addr()
            let bits: Int
            if inet_pton(AF_INET, address, &v4) == 1 {
                bits = 32
            } else if inet_pton(AF_INET6, address, &v6) == 1 {
                bits = 128
            } else {
                return false
            }
            if parts.count == 2 {
                guard let length = Int(parts[1]), (0...bits).contains(length) else { return false }
            }
        }
        return true
    }
}
