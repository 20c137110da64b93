import Foundation
import NeuvoArrangements
import NeuvoConversation
import NeuvoCore
import NeuvoHTTP
import NeuvoNotifications
import NeuvoSupport

/// Notice links and one-click unsubscribe. A link's page (GET, HEAD: what link scanners and previewers fetch)
/// mints and records nothing; the page's button POSTs, which redeems the link once for a `link` session bound to
/// the link's arrangement. A second redemption is 410 Gone with a page that says what to do.
extension APIRoutes {
    /// `GET`/`HEAD /r/{token}`: a page with a button, or why the link cannot be used.
    static func linkPage(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let token = try context.parameter("token")
        let claims: ResidentLinkSigner.Claims
        do {
            claims = try app.gateway.links.verify(token, purpose: .open, now: app.clock.now())
        } catch {
            return try linkProblemPage(app, error, language: nil)
        }
        let language = try await residentLanguage(app, claims.residentID)
        if try await app.redemptions.isRedeemed(claims) { return try usedPage(app, token: token, language) }
        return try page(
            app, .ok, language, title: "link.open.title", text: "link.open.text",
            form: (action: "/r/" + token, button: "link.open.button", fields: [:]))
    }

    /// `POST /r/{token}`: redeems the link once and hands the new session to the widget (303 to `/#session=...`;
    /// the fragment never reaches a server log or a Referer header).
    static func redeemLink(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let token = try context.parameter("token")
        let now = app.clock.now()
        let claims: ResidentLinkSigner.Claims
        do {
            claims = try app.gateway.links.verify(token, purpose: .open, now: now)
        } catch {
            return try linkProblemPage(app, error, language: nil)
        }
        guard let resident = try await app.gateway.arrangements.resident(claims.residentID) else {
            return try linkProblemPage(app, .malformed, language: nil)
        }
        guard try await app.redemptions.redeem(claims, now: now) else {
            return try usedPage(app, token: token, resident.locale)
        }
        let reply = try await app.engine.start(
            residentID: resident.id, arrangementID: claims.arrangementID, assurance: .link, language: resident.locale)
        app.logger.info("link.redeemed", ["purpose": .string("open")])
        return sessionRedirect(to: "/", session: reply.sessionID)
    }

    /// 410 Gone: the link was used. The page says what to do and offers a fresh link, sent to the address or phone
    /// on file (never to whoever holds this one).
    static func usedPage(_ app: NeuvoApplication, token: String, _ language: Language) throws -> HTTPResponse {
        try page(
            app, .gone, language, title: "link.used.title", text: "link.used.text",
            form: (action: "/r/" + token + "/resend", button: "link.resend.button", fields: [:]), home: true)
    }

    /// `POST /r/{token}/resend`: a fresh link for a used one, as a notice to the resident's channel on file, once per
    /// link. It says only that the city has a message (the `sensitive_message` text), whatever the arrangement.
    static func resendLink(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let token = try context.parameter("token")
        let now = app.clock.now()
        let claims: ResidentLinkSigner.Claims
        do {
            claims = try app.gateway.links.verify(token, purpose: .open, now: now)
        } catch {
            return try linkProblemPage(app, error, language: nil)
        }
        let language = try await residentLanguage(app, claims.residentID)
        if try await app.redemptions.markResent(claims, now: now) {
            do {
                _ = try await app.gateway.queueNotice(
                    .sensitiveMessage, residentID: claims.residentID, arrangementID: claims.arrangementID,
                    idempotencyKey: "resend:" + claims.nonce, urgent: true)
                app.logger.info("link.resent")
            } catch {
                // No channel on file any more: the page says the same, and customer service can help.
                app.logger.notice("link.resend_failed", ["reason": .string("\(error)")])
            }
        }
        // The same page whether or not a notice went: it tells nothing about the resident's contacts.
        return try page(app, .ok, language, title: "link.resent.title", text: "link.resent.text", home: true)
    }

    /// 303 to `path#session=<id>` for the widget to adopt; never cached, never referred.
    static func sessionRedirect(to path: String, session: SessionID) -> HTTPResponse {
        var response = HTTPResponse(status: HTTPStatus(code: 303))
        response.headers["Location"] = "\(path)#session=\(session.rawValue)"
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    }

    /// `GET /unsubscribe/{token}`: a confirmation page (changes nothing).
    static func unsubscribePage(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let token = try context.parameter("token")
        let claims: ResidentLinkSigner.Claims
        do {
            claims = try app.gateway.links.verify(token, purpose: .unsubscribe, now: app.clock.now())
        } catch {
            return try linkProblemPage(app, error, language: nil)
        }
        return try page(
            app, .ok, try await residentLanguage(app, claims.residentID), title: "unsubscribe.confirm.title",
            text: "unsubscribe.confirm.text",
            form: (
                action: "/unsubscribe/" + token, button: "unsubscribe.confirm.button",
                fields: ["List-Unsubscribe": "One-Click"]
            ))
    }

    /// `POST /unsubscribe/{token}` with `List-Unsubscribe=One-Click` (RFC 8058 §3.2; a mail client posts it without
    /// cookies or a session): withdraws the resident's consent to email. Repeating it changes nothing more.
    static func unsubscribe(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let token = try context.parameter("token")
        let claims: ResidentLinkSigner.Claims
        do {
            claims = try app.gateway.links.verify(token, purpose: .unsubscribe, now: app.clock.now())
        } catch {
            return try linkProblemPage(app, error, language: nil)
        }
        let body = String(decoding: request.body, as: UTF8.self)
        guard body.split(separator: "&").contains("List-Unsubscribe=One-Click") else {
            throw Problem.validation("send List-Unsubscribe=One-Click (RFC 8058)")
        }
        guard try await app.gateway.arrangements.withdrawEmailConsent(of: claims.residentID, now: app.clock.now())
        else { return try linkProblemPage(app, .malformed, language: nil) }
        app.logger.info("link.redeemed", ["purpose": .string("unsubscribe")])
        return try page(
            app, .ok, try await residentLanguage(app, claims.residentID), title: "unsubscribe.done.title",
            text: "unsubscribe.done.text")
    }

    static func residentLanguage(_ app: NeuvoApplication, _ residentID: String) async throws -> Language {
        try await app.gateway.arrangements.resident(residentID)?.locale
            ?? Language(rawValue: app.configuration.defaultLanguage) ?? .fi
    }

    static func linkProblemPage(_ app: NeuvoApplication, _ error: ResidentLinkSigner.LinkError, language: Language?)
        throws -> HTTPResponse
    {
        let language = language ?? Language(rawValue: app.configuration.defaultLanguage) ?? .fi
        return try page(
            app, .unauthorized, language, title: "link.invalid.title", text: "link.invalid.text", home: true,
            reason: error.description)
    }

    static let linkPagePolicy =
        "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    /// A small page in the resident's language: a title, a paragraph, and a button (a form that POSTs) or a link
    /// to the chat. Every text is escaped.
    static func page(
        _ app: NeuvoApplication, _ status: HTTPStatus, _ language: Language, title: String, text: String,
        form: (action: String, button: String, fields: [String: String])? = nil, home: Bool = false,
        reason: String? = nil
    ) throws -> HTTPResponse {
        let locales = app.catalog.catalog.locales
        func say(_ key: String) throws -> String { HTML.escape(try locales.render(key, language: language)) }
        var html = """
            <!DOCTYPE html>
            <html lang="\(language.rawValue)"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex"><title>\(try say(title))</title>
            <link rel="stylesheet" href="/widget.css"></head>
            <body class="neuvo-page"><main><h1>\(try say(title))</h1><p>\(try say(text))</p>
            """
        if let reason { html += "<p class=\"neuvo-page__reason\" lang=\"en\">\(HTML.escape(reason))</p>" }
        if let form {
            html += "<form method=\"post\" action=\"\(HTML.escape(form.action))\">"
            for (name, value) in form.fields.sorted(by: { $0.key < $1.key }) {
                html += "<input type=\"hidden\" name=\"\(HTML.escape(name))\" value=\"\(HTML.escape(value))\">"
            }
            html += "<button type=\"submit\">\(try say(form.button))</button></form>"
        }
        if home { html += "<p><a href=\"/\">\(try say("link.continue"))</a></p>" }
        html += "</main></body></html>\n"
        var response = HTTPResponse(
            status: status, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(html.utf8))
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = linkPagePolicy
        return response
    }
}
