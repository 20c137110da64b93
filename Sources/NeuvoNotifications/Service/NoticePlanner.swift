import Foundation
import NeuvoArrangements
import NeuvoCore

/// Turns an arrangement into the notice a resident receives: their language, their channel, outside their quiet
/// hours, fully rendered once as a check so nothing can go out half-filled. Its links are not stored: the process
/// that sends it signs them (`links(for:...)`), from its own public base URL, so a copy of the database holds no
/// working link and a link's lifetime starts when it is sent.
public enum NoticePlanner {
    /// nil when the resident has no consented channel with an address.
    public static func plan(
        _ template: NoticeTemplate, for resident: Resident, arrangement: Arrangement?, idempotencyKey: String,
        urgent: Bool, now: Date, renderer: NoticeRenderer, links: ResidentLinkSigner
    ) throws -> Notice? {
        guard let channelChoice = resident.deliveryChannel else { return nil }
        let channel: ChannelKind = channelChoice == .email ? .email : .sms
        var values: [String: String] = ["name": resident.name]
        let language = Language(rawValue: resident.language) ?? City.defaultLanguage
        // The sensitive-data rule for notices, in this one place every notice is planned through: nothing of a
        // sensitive arrangement's details is copied into a notice, whatever the template (confirmations and
        // reminders included), so no later edit of a text can mail them. The details wait behind identification.
        if let arrangement, arrangement.sensitivity != .sensitive, template != .sensitiveMessage {
            let details = LocalizedDetails(arrangement.details, language: language)
            values.merge(details.values) { $1 }
            if details.namesOnlyInFinnish {
                values["names_note"] = try? renderer.locales.render(
                    "notice.names_only_in_finnish", language: language, values: [:])
            }
        }
        let id = Identifier.make("ntc", now: now)
        // Render now, links included: a missing or unknown placeholder refuses the notice at creation. The links
        // here only stand for the ones the sender signs (signing them cost queueing a twentieth of its CPU).
        var checked = values
        checked["link"] = links.link(forChecking: .open)
        if !template.isEssential { checked["unsubscribe"] = links.link(forChecking: .unsubscribe) }
        _ = try renderer.render(template, channel: channel, locale: resident.language, values: checked)
        let due =
            urgent
            ? now
            : QuietHoursCalendar(timeZone: links.timeZone).nextAllowed(
                now, start: resident.quietStart, end: resident.quietEnd)
        return Notice(
            id: id, residentID: resident.id, arrangementID: arrangement?.id,
            templateID: template.rawValue,
            templateVersion: renderer.version(template, channel: channel, locale: resident.language),
            locale: resident.language, channel: channel, personalisation: values, idempotencyKey: idempotencyKey,
            status: .queued, urgent: urgent, attempts: 0, nextAttemptAt: due, providerMessageID: nil, lastError: nil,
            reference: arrangement?.reference, createdAt: now, updatedAt: now)
    }

    /// The values a notice's links fill in (`link`, and `unsubscribe` for non-essential notices), signed now.
    public static func links(
        for template: NoticeTemplate, residentID: String, arrangementID: String?, noticeID: String?, now: Date,
        links: ResidentLinkSigner
    ) -> [String: String] {
        var values: [String: String] = [:]
        addLinks(
            to: &values, for: template, residentID: residentID, arrangementID: arrangementID, noticeID: noticeID,
            now: now, links: links)
        return values
    }

    /// `links(for:...)` written into `values` (replacing any stored by an older version), without a second dictionary.
    /// The open link is bound to the notice's arrangement (or, without one, to the notice); the unsubscribe link
    /// has a purpose of its own and opens nothing.
    public static func addLinks(
        to values: inout [String: String], for template: NoticeTemplate, residentID: String, arrangementID: String?,
        noticeID: String?, now: Date, links: ResidentLinkSigner
    ) {
        values["link"] = links.link(
            .open, residentID: residentID, arrangementID: arrangementID,
            noticeID: arrangementID == nil ? noticeID : nil, now: now)
        if !template.isEssential {
            values["unsubscribe"] = links.link(
                .unsubscribe, residentID: residentID, arrangementID: nil, noticeID: noticeID, now: now)
        }
    }
}
