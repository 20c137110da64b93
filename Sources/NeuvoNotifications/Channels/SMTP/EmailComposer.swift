import Foundation
import NeuvoCrypto

/// Builds the complete RFC 5322 message that libcurl uploads after DATA. Pure and deterministic: the same notice
/// and date give the same bytes, so a retry carries the same Message-ID and MIME boundary.
///
/// Lines end in CRLF (RFC 5322 §2.1, §2.3); libcurl does the SMTP dot-stuffing (RFC 5321 §4.5.2) itself.
struct EmailComposer: Sendable {
    var fromAddress: String
    var fromName: String?
    /// The right-hand side of Message-IDs (RFC 5322 §3.6.4): a domain we own.
    var messageIDDomain: String

    /// Throws when a header value could inject a line; the message bodies are always encoded and need no check.
    func compose(_ message: OutgoingMessage, date: Date) throws(HeaderValueError) -> [UInt8] {
        try AddressValidation.checkHeaderText(message.subject ?? "", field: "subject")
        if let fromName { try AddressValidation.checkHeaderText(fromName, field: "from name") }
        guard Self.isLanguageTag(message.locale) else {
            throw HeaderValueError(field: "locale", problem: "is not a language tag")
        }

        var lines: [String] = []
        // RFC 5322 §3.6: Date and From are required; the order below is the conventional one.
        lines.append("Date: " + Self.rfc5322Date(date))
        lines.append("From: " + mailbox())
        lines.append("To: " + message.recipient)
        lines.append(Self.encodedHeader(name: "Subject", value: message.subject ?? ""))
        lines.append("Message-ID: " + messageID(for: message.noticeID))
        lines.append("MIME-Version: 1.0")  // RFC 2045 §4
        lines.append("Content-Language: " + message.locale)  // RFC 3282
        lines.append("Auto-Submitted: auto-generated")  // RFC 3834 §5: keeps vacation responders quiet
        if let unsubscribe = message.listUnsubscribe {
            // RFC 2369 §3.2 and RFC 8058 §3.1: one-click unsubscribe for non-essential notices.
            guard unsubscribe.hasPrefix("https://") || unsubscribe.hasPrefix("http://"),
                !unsubscribe.contains(where: {
                    $0.isWhitespace || $0 == "<" || $0 == ">" || $0.asciiValue.map { $0 < 0x20 } ?? false
                })
            else { throw HeaderValueError(field: "list-unsubscribe", problem: "is not a plain http(s) URL") }
            lines.append("List-Unsubscribe: <\(unsubscribe)>")
            lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        }

        let text = Self.part(contentType: "text/plain; charset=utf-8", body: message.textBody)
        if let html = message.htmlBody {
            // RFC 2046 §5.1.4: alternatives in increasing order of preference. "=_" cannot occur in
            // quoted-printable output (RFC 2045 §6.7), so this boundary never collides with a body.
            let boundary = "=_neuvo_" + Hex.encode(SHA256.hash(Array(message.noticeID.utf8)).prefix(12))
            lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            lines.append("")
            lines.append("--" + boundary)
            lines += text
            lines.append("--" + boundary)
            lines += Self.part(contentType: "text/html; charset=utf-8", body: html)
            lines.append("--" + boundary + "--")
        } else {
            lines += text
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// `<id-left@domain>`; the notice id is used as is when it is a short dot-atom, otherwise hashed, so the id is
    /// always well-formed and always the same for the same notice.
    func messageID(for noticeID: String) -> String {
        let bytes = Array(noticeID.utf8)
        let usable =
            !bytes.isEmpty && bytes.count <= 64
            && bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy {
                !$0.isEmpty && $0.allSatisfy(Self.isMessageIDText)
            }
        let left = usable ? noticeID : "h" + Hex.encode(SHA256.hash(bytes).prefix(16))
        return "<\(left)@\(messageIDDomain)>"
    }

    /// RFC 5322 §3.4 mailbox: `"Display Name" <addr>` or just the address.
    private func mailbox() -> String {
        guard let fromName, !fromName.isEmpty else { return fromAddress }
        if fromName.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
            // RFC 5322 §3.2.4 quoted-string: backslash-escape the quote and the backslash.
            let quoted = fromName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(fromAddress)>"
        }
        // RFC 2047 §5(3): an encoded-word may stand in a phrase.
        return Self.encodedWords(fromName).joined(separator: "\r\n ") + " <\(fromAddress)>"
    }

    private static func part(contentType: String, body: String) -> [String] {
        ["Content-Type: " + contentType, "Content-Transfer-Encoding: quoted-printable", "", quotedPrintable(body)]
    }

    // MARK: - Header encoding

    /// Plain ASCII that fits on one line goes as is; anything else becomes RFC 2047 encoded-words, folded with
    /// CRLF SP (RFC 5322 §2.2.3; whitespace between encoded-words is not displayed, RFC 2047 §6.2).
    static func encodedHeader(name: String, value: String) -> String {
        let plain =
            value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } && !value.contains("=?")
            && name.count + 2 + value.utf8.count <= 78
        if plain { return "\(name): \(value)" }
        return "\(name): " + encodedWords(value).joined(separator: "\r\n ")
    }

    /// `=?UTF-8?B?...?=` words. RFC 2047 §2 caps a word at 75 characters; 42 bytes (56 base64 characters, a
    /// 68-character word) keeps each folded line within RFC 5322's 78. Words end on scalar boundaries, since an
    /// encoded-word must hold whole characters (RFC 2047 §5(3)).
    static func encodedWords(_ value: String) -> [String] {
        let limit = 42
        var chunks: [[UInt8]] = []
        var chunk: [UInt8] = []
        for scalar in value.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > limit {
                chunks.append(chunk)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || chunks.isEmpty { chunks.append(chunk) }
        return chunks.map { "=?UTF-8?B?" + Data($0).base64EncodedString() + "?=" }
    }

    // MARK: - Body encoding

    /// Quoted-printable (RFC 2045 §6.7) of the UTF-8 text with CRLF hard line breaks (rule 4), encoded lines of at
    /// most 76 characters with soft breaks (rule 5), and whitespace at the end of a line encoded (rule 3).
    static func quotedPrintable(_ text: String) -> String {
        var output = ""
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            if index > 0 { output += "\r\n" }
            let bytes = Array(line.utf8)
            var length = 0
            for (position, byte) in bytes.enumerated() {
                let isLast = position == bytes.count - 1
                let literal =
                    (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                    || ((byte == 0x20 || byte == 0x09) && !isLast)
                let token = literal ? String(UnicodeScalar(byte)) : "=" + Hex.encode([byte], uppercase: true)
                // Leave room for the "=" of a soft break, unless this token ends the line.
                let room = isLast ? 76 : 75
                if length + token.count > room {
                    output += "=\r\n"
                    length = 0
                }
                output += token
                length += token.count
            }
        }
        return output
    }

    // MARK: - Small grammars

    /// RFC 5322 §3.3 date-time in UTC, e.g. `Thu, 01 Aug 2024 09:00:00 +0000`, with English names regardless of
    /// the process locale.
    static func rfc5322Date(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }

    /// BCP 47-shaped: letters, digits and hyphens, such as `fi`, `sv-FI`.
    static func isLanguageTag(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        let isLetter = { (byte: UInt8) in (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) }
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        return (2...35).contains(bytes.count) && isLetter(bytes[0])
            && bytes.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }

    /// atext (RFC 5322 §3.2.3) that is also safe inside a URL or log line: letters, digits, `-`, `_`.
    private static func isMessageIDText(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
