import Foundation
import NeuvoCatalog
import NeuvoCore
import NeuvoCrypto

/// The kinds of notice Neuvo sends, each with fi, sv and en texts in `locales/notices.json`:
/// `notice.<template>.subject` and `notice.<template>.body` for email, `notice.<template>.sms` for SMS.
public enum NoticeTemplate: String, Sendable, Hashable, Codable, CaseIterable {
    case preschoolPlace = "preschool_place"
    /// Health check-ups and anything sensitive: says only that the city has a message, with the link.
    case sensitiveMessage = "sensitive_message"
    case budgetingVote = "budgeting_vote"
    case planningDecision = "planning_decision"
    case reminder
    case confirmationAccepted = "confirmation_accepted"
    case confirmationDeclined = "confirmation_declined"
    case confirmationRescheduled = "confirmation_rescheduled"
    /// Sent to the previous email or phone when a city system changes it.
    case contactChanged = "contact_changed"

    /// The personalisation key of a contact-change notice that holds the previous address it goes to.
    public static let previousAddressKey = "previous_address"

    /// Non-essential notices carry List-Unsubscribe (RFC 2369, RFC 8058); offers and confirmations do not.
    public var isEssential: Bool {
        switch self {
        case .budgetingVote, .planningDecision: false
        default: true
        }
    }

    func key(_ part: String) -> String { "notice.\(rawValue).\(part)" }
}

/// A notice rendered for its channel.
public struct RenderedMessage: Sendable, Hashable {
    public let subject: String?
    public let text: String
    public let html: String?
    public let segments: SMSSegments?
}

public enum NoticeRenderError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownLocale(String)
    case template(String)

    public var description: String {
        switch self {
        case .unknownLocale(let locale): "unknown language '\(locale)'; use fi, sv or en"
        case .template(let message): message
        }
    }
}

/// Renders notices from the locale table. Every placeholder must have a value: a notice that would go out
/// half-filled is refused when it is created, not discovered when it is sent.
public struct NoticeRenderer: Sendable {
    public let locales: LocaleTable
    /// Every template's version in every language and channel, computed once: it is stored on each notice.
    private let versions: [String: String]
    /// Each template's locale keys, spelt once (building them per render was an allocation each).
    private let keys: [NoticeTemplate: (sms: String, subject: String, body: String)]

    /// Hosts whose URLs become links in the HTML; others stay text.
    public let linkHosts: LinkHosts

    /// `linkHosts` nil: the hosts the catalog's own texts link to.
    public init(locales: LocaleTable, linkHosts: LinkHosts? = nil) {
        self.locales = locales
        self.linkHosts = linkHosts ?? LinkHosts(locales.linkedHosts)
        var versions: [String: String] = [:]
        for template in NoticeTemplate.allCases {
            for channel in ChannelKind.allCases {
                for language in Language.allCases {
                    versions["\(template.rawValue)/\(channel.rawValue)/\(language.rawValue)"] = Self.computeVersion(
                        template, channel: channel, locale: language.rawValue, locales: locales)
                }
            }
        }
        self.versions = versions
        keys = Dictionary(
            uniqueKeysWithValues: NoticeTemplate.allCases.map {
                ($0, ($0.key("sms"), $0.key("subject"), $0.key("body")))
            })
    }

    public func render(_ template: NoticeTemplate, channel: ChannelKind, locale: String, values: [String: String])
        throws(NoticeRenderError) -> RenderedMessage
    {
        guard let language = Language(rawValue: locale) else { throw .unknownLocale(locale) }
        let keys = keys[template]!
        do {
            switch channel {
            case .sms:
                let text = try locales.render(keys.sms, language: language, values: values)
                return RenderedMessage(subject: nil, text: text, html: nil, segments: SMSSegments.count(text))
            case .email:
                let subject = try locales.render(keys.subject, language: language, values: values)
                let text = try locales.render(keys.body, language: language, values: values)
                let html = try locales.render(
                    keys.body, language: language, values: values, escape: HTML.escape, escapeText: true)
                return RenderedMessage(
                    subject: subject, text: text, html: HTML.document(body: html, title: subject, linkHosts: linkHosts),
                    segments: nil)
            }
        } catch {
            throw .template(error.description)
        }
    }

    /// The first 12 hex digits of the SHA-256 of the texts a template uses in a language: which wording was sent.
    public func version(_ template: NoticeTemplate, channel: ChannelKind, locale: String) -> String {
        versions["\(template.rawValue)/\(channel.rawValue)/\(locale)"]
            ?? Self.computeVersion(template, channel: channel, locale: locale, locales: locales)
    }

    static func computeVersion(_ template: NoticeTemplate, channel: ChannelKind, locale: String, locales: LocaleTable)
        -> String
    {
        let parts = channel == .sms ? ["sms"] : ["subject", "body"]
        var hasher = SHA256()
        for part in parts {
            let string = locales.strings[template.key(part)]
            // The texts as staff wrote them (a renderer is made for each batch a dispatcher sends, and describing
            // the parsed templates by reflection cost a tenth of a campaign's CPU).
            let source: String =
                switch Language(rawValue: locale).flatMap({ string?.translations[$0] }) {
                case .single(let template): "single\u{1F}" + template.source
                case .plural(let one, let other): "plural\u{1F}" + one.source + "\u{1F}" + other.source
                case nil: ""
                }
            hasher.update(Array(source.utf8))
            hasher.update([0x1E])
        }
        return String(Hex.encode(hasher.finalize()).prefix(12))
    }
}

/// HTML for email bodies. Values are escaped as they are inserted; the template text is staff-written
/// plain text, escaped too, then paragraphs and links are marked up.
public enum HTML {
    /// By Unicode scalar, never by `Character`: a character such as U+0605 (a grapheme "Prepend") joins the
    /// `<` after it into one `Character` that compares unequal to "<", and would pass unescaped (found by
    /// FuzzTemplates).
    public static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// `body` is fully escaped (values and template text), so it holds no markup of its own; it is safe to turn
    /// blank lines into paragraphs and https links on `linkHosts` into anchors.
    static func document(body: String, title: String, linkHosts: LinkHosts) -> String {
        let paragraphs = body.components(separatedBy: "\n\n").map { paragraph in
            "<p>" + linkify(paragraph, linkHosts: linkHosts).replacingOccurrences(of: "\n", with: "<br>\n") + "</p>"
        }
        return """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>\(escape(title))</title></head>
            <body style="font-family: Arial, sans-serif; line-height: 1.5">
            \(paragraphs.joined(separator: "\n"))
            </body></html>
            """
    }

    static func linkify(_ text: String, linkHosts: LinkHosts) -> String {
        var output = ""
        var rest = Substring(text)
        while let range = rest.range(of: "https://") {
            output += rest[..<range.lowerBound]
            let tail = rest[range.lowerBound...]
            let end = tail.firstIndex { $0.isWhitespace || $0 == "<" } ?? tail.endIndex
            var url = tail[..<end]
            // Sentence punctuation after a link is not part of it.
            while let last = url.last, ".,;:!?)".contains(last) { url = url.dropLast() }
            // The text is escaped: "&amp;" in a query is the HTML for "&", as an href wants it.
            output += linkHosts.allows(url) ? "<a href=\"\(url)\">\(url)</a>" : String(url)
            rest = tail[url.endIndex...]
        }
        return output + rest
    }
}
