import Foundation
import NeuvoBundledCatalog
import NeuvoCatalog
import NeuvoHTTP
import NeuvoSupport
import NeuvoTestSupport
import Testing

@testable import NeuvoAPI

/// A staff member signed in through an invite link: the cookie and the CSRF token the console sends.
struct SignedIn {
    let cookie: String
    let csrf: String

    var headers: [(String, String)] { [("Cookie", "neuvo_staff=\(cookie)"), ("X-CSRF-Token", csrf)] }
    var cookieOnly: [(String, String)] { [("Cookie", "neuvo_staff=\(cookie)")] }
}

extension TestAPI {
    func signIn(_ name: String, roles: Set<StaffRole>) async throws -> SignedIn {
        let token = try await app.staff.invite(name: name, roles: roles, lifetime: 600, now: clock.now())
        let response = await request(.get, "/staff/signin/\(token)")
        let setCookie = try #require(response.headers["Set-Cookie"])
        let cookie = String(setCookie.dropFirst("neuvo_staff=".count).prefix { $0 != ";" })
        let session = await request(.get, "/staff/api/session", headers: [("Cookie", "neuvo_staff=\(cookie)")])
        let csrf = try #require(object(session)["csrf_token"] as? String)
        return SignedIn(cookie: cookie, csrf: csrf)
    }

    func staff(_ method: HTTPMethod, _ path: String, _ member: SignedIn, json: String? = nil) async -> HTTPResponse {
        await request(method, path, json: json, headers: member.headers)
    }
}

@Suite("Staff console: sign-in, sessions, roles, CSRF and audit (each attack reproduced)")
struct StaffAccessTests {
    @Test func withoutASessionTheAPIAnswers401AndThePagesRedirectToSignIn() async throws {
        let api = try await TestAPI.make()
        for (method, path) in [
            (HTTPMethod.get, "/staff/api/session"), (.get, "/staff/api/misunderstood"), (.post, "/staff/api/examples"),
            (.post, "/staff/api/publish"), (.post, "/staff/api/rollback"), (.get, "/staff/api/draft"),
        ] {
            let response = await api.request(method, path, json: "{}")
            #expect(response.status == .unauthorized, "\(method) \(path)")
            #expect(response.headers["Content-Type"] == "application/problem+json")
        }
        for path in ["/staff", "/staff/", "/staff/intents", "/staff/translations", "/staff/publish"] {
            let page = await api.request(.get, path)
            #expect(page.status.code == 303, "\(path)")
            #expect(page.headers["Location"] == "/staff/signin")
        }
        // A forged or unknown cookie is no session either.
        let forged = await api.request(
            .get, "/staff/api/session", headers: [("Cookie", "neuvo_staff=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
        )
        #expect(forged.status == .unauthorized)
        // The sign-in page itself is open, with a CSP that allows no inline script.
        let signin = await api.request(.get, "/staff/signin")
        #expect(signin.status == .ok)
        #expect(signin.headers["Content-Security-Policy"]?.contains("script-src 'self';") == true)
        #expect(signin.headers["Content-Security-Policy"]?.contains("unsafe-inline") == false)
    }

    /// The console, the notices desk and the agents' desk are one document under the one policy: a page script
    /// can only add its pages to what `common.js` shares, and none is inline.
    @Test func everyStaffPageIsTheConsolesOneDocumentWithItsScriptsServedFromThisOrigin() async throws {
        let api = try await TestAPI.make()
        let member = try await api.signIn("Aino", roles: [.editor, .operator, .agent])
        let console = await api.request(.get, "/staff/", headers: member.cookieOnly)
        for path in ["/staff/signin", "/staff/desk", "/staff/notices", "/staff/notices/n-1", "/staff/publish"] {
            let page = await api.request(.get, path, headers: member.cookieOnly)
            #expect(page.status == .ok, "\(path)")
            #expect(page.body == console.body, "\(path) is not the console's page")
            #expect(page.headers["Content-Security-Policy"] == APIRoutes.staffPolicy, "\(path)")
        }
        let tags = console.bodyText.components(separatedBy: "<script").dropFirst()
        let sources = tags.map { $0.components(separatedBy: "src=\"").dropFirst().first?.prefix { $0 != "\"" } }
        #expect(sources.allSatisfy { $0 != nil }, "an inline script")
        #expect(sources.compactMap { $0.map(String.init) } == WidgetAssets.staffScriptNames.map { "/staff/\($0).js" })
        #expect(sources.first == "/staff/common.js")
        for name in WidgetAssets.staffScriptNames {
            let script = await api.request(.get, "/staff/\(name).js")
            #expect(script.status == .ok, "\(name).js")
            #expect(script.headers["Content-Type"] == "text/javascript; charset=utf-8")
            if name != "common" { #expect(script.bodyText.contains("NeuvoStaff.addPage(")) }
        }
        #expect(await api.request(.get, "/staff/desk.css").status == .notFound)
    }

    @Test func anInviteSignsInOnceWithAStrictHttpOnlySecureCookie() async throws {
        let api = try await TestAPI.make()
        let token = try await api.app.staff.invite(name: "Eeva", roles: [.editor], lifetime: 600, now: api.clock.now())
        let first = await api.request(.get, "/staff/signin/\(token)")
        #expect(first.status.code == 303)
        #expect(first.headers["Location"] == "/staff/")
        let cookie = try #require(first.headers["Set-Cookie"])
        for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/staff"] {
            #expect(cookie.contains(attribute), "the cookie lacks \(attribute)")
        }
        // Used once: the same link again signs nobody in.
        let again = await api.request(.get, "/staff/signin/\(token)")
        #expect(again.headers["Location"] == "/staff/signin?failed=invite")
        #expect(again.headers["Set-Cookie"] == nil)
        let audit = try await api.app.staff.auditLog()
        #expect(audit.map(\.action) == ["signin.invite", "signin.invite"])
        #expect(audit.first?.detail.contains("refused") == true)
    }

    @Test func anExpiredInviteIsRefused() async throws {
        let api = try await TestAPI.make()
        let token = try await api.app.staff.invite(name: "Eeva", roles: [.editor], lifetime: 60, now: api.clock.now())
        api.clock.advance(by: 61)
        let response = await api.request(.get, "/staff/signin/\(token)")
        #expect(response.headers["Location"] == "/staff/signin?failed=invite")
        #expect(response.headers["Set-Cookie"] == nil)
    }

    @Test func aSessionEndsWhenIdleAndAtItsMaximumAge() async throws {
        let api = try await TestAPI.make()
        let idle = try await api.signIn("Eeva", roles: [.editor])
        api.clock.advance(by: api.app.staff.sessionIdleSeconds + 1)
        let expired = await api.request(.get, "/staff/api/session", headers: idle.cookieOnly)
        #expect(expired.status == .unauthorized)
        #expect(object(expired)["type"] as? String == "/problems/staff-session-expired")
        // Kept busy, a session still ends at its maximum age.
        let busy = try await api.signIn("Eeva", roles: [.editor])
        var elapsed = 0.0
        while elapsed < api.app.staff.sessionMaxSeconds - 1_800 {
            api.clock.advance(by: 1_800)
            elapsed += 1_800
            #expect(await api.request(.get, "/staff/api/session", headers: busy.cookieOnly).status == .ok)
        }
        api.clock.advance(by: 1_801)
        #expect(await api.request(.get, "/staff/api/session", headers: busy.cookieOnly).status == .unauthorized)
    }

    @Test func stateChangesNeedTheSessionsCSRFTokenAndAreAudited() async throws {
        let api = try await TestAPI.make()
        let editor = try await api.signIn("Eeva Editor", roles: [.editor])
        let body = #"{"intent": "greeting", "lang": "fi", "text": "moikka moi"}"#
        let missing = await api.request(.post, "/staff/api/examples", json: body, headers: editor.cookieOnly)
        #expect(missing.status == .forbidden)
        #expect(object(missing)["type"] as? String == "/problems/csrf")
        let wrong = await api.request(
            .post, "/staff/api/examples", json: body, headers: editor.cookieOnly + [("X-CSRF-Token", "x" + editor.csrf)]
        )
        #expect(wrong.status == .forbidden)
        // Another member's token is as wrong as a made-up one.
        let other = try await api.signIn("Olli", roles: [.editor])
        let crossed = await api.request(
            .post, "/staff/api/examples", json: body, headers: editor.cookieOnly + [("X-CSRF-Token", other.csrf)])
        #expect(crossed.status == .forbidden)
        #expect(try await api.app.staff.draft().isEmpty)
        let added = await api.staff(.post, "/staff/api/examples", editor, json: body)
        #expect(added.status == .created)
        let audit = try await api.app.staff.auditLog()
        let examples = audit.filter { $0.action == "POST /staff/api/examples" }
        #expect(examples.map(\.status) == [201, 403, 403, 403])
        #expect(examples.allSatisfy { $0.memberName == "Eeva Editor" && $0.address == "127.0.0.1" })
        #expect(examples.first?.detail.contains("moikka moi") == true)
    }

    @Test func aMemberWithoutTheRoleIsRefused() async throws {
        let api = try await TestAPI.make()
        let editor = try await api.signIn("Eeva", roles: [.editor])
        let publisher = try await api.signIn("Pekka", roles: [.publisher])
        #expect(await api.staff(.post, "/staff/api/publish", editor, json: "{}").status == .forbidden)
        #expect(await api.staff(.post, "/staff/api/rollback", editor, json: #"{"version": 1}"#).status == .forbidden)
        let example = #"{"intent": "greeting", "lang": "fi", "text": "moikka"}"#
        #expect(await api.staff(.post, "/staff/api/examples", publisher, json: example).status == .forbidden)
        let agent = try await api.signIn("Aino", roles: [.agent])
        #expect(await api.staff(.post, "/staff/api/examples", agent, json: example).status == .forbidden)
        #expect(try await api.app.staff.draft().isEmpty)
        #expect(try await api.app.staff.auditLog().filter { $0.status == 403 }.count == 4)
    }

    @Test func signingOutEndsTheSession() async throws {
        let api = try await TestAPI.make()
        let editor = try await api.signIn("Eeva", roles: [.editor])
        #expect(await api.staff(.post, "/staff/api/signout", editor, json: "{}").status == .ok)
        #expect(await api.request(.get, "/staff/api/session", headers: editor.cookieOnly).status == .unauthorized)
    }
}

@Suite("Staff console: misunderstood messages, the draft, publishing and rollback")
struct StaffReviewTests {
    func chat(_ api: TestAPI, _ text: String, session: String? = nil) async -> [String: Any] {
        let sessionField = session.map { #", "session_id": "\#($0)""# } ?? ""
        return object(
            await api.request(.post, "/v1/chat", json: #"{"text": "\#(text)", "lang": "fi"\#(sessionField)}"#))
    }

    @Test func misunderstoodMessagesAreGroupedAndLeaveTheListWhenHandled() async throws {
        let api = try await TestAPI.make()
        _ = await chat(api, "saako koiran tuoda kirjastoon")
        _ = await chat(api, "voiko koiran tuoda kirjastoon")
        _ = await chat(api, "hetuni on 131052-308T ja haluan puhua koirasta")
        // An answer the resident found unhelpful is reviewed too, even though it was understood.
        let understood = await chat(api, "hei")
        let session = try #require(understood["session_id"] as? String)
        let rated = await api.request(
            .post, "/v1/chat/rating", json: #"{"session_id": "\#(session)", "helpful": false}"#)
        #expect(rated.status == .noContent)
        let unknown = await api.request(
            .post, "/v1/chat/rating", json: #"{"session_id": "0123456789abcdef0123456789abcdef", "helpful": true}"#)
        #expect(unknown.status == .notFound)

        let editor = try await api.signIn("Eeva", roles: [.editor])
        let groups = try #require(
            object(await api.request(.get, "/staff/api/misunderstood", headers: editor.cookieOnly))["groups"]
                as? [[String: Any]])
        let dogs = try #require(
            groups.first { ($0["texts"] as? [String])?.contains("saako koiran tuoda kirjastoon") == true })
        #expect(dogs["count"] as? Int == 2)
        #expect(dogs["lang"] as? String == "fi")
        #expect(groups.contains { $0["texts"] as? [String] == ["hei"] && $0["unhelpful"] as? Int == 1 })
        // Redacted as the transcript is: the identity code never reaches staff.
        let all = groups.flatMap { $0["texts"] as? [String] ?? [] }.joined(separator: "\n")
        #expect(!all.contains("131052-308T"))

        let add = #"{"intent": "unit.find", "lang": "fi", "text": "saako koiran tuoda kirjastoon"}"#
        #expect(await api.staff(.post, "/staff/api/examples", editor, json: add).status == .created)
        let dismiss = #"{"lang": "fi", "text": "hei"}"#
        #expect(await api.staff(.post, "/staff/api/misunderstood/dismiss", editor, json: dismiss).status == .ok)
        let after = try #require(
            object(await api.request(.get, "/staff/api/misunderstood", headers: editor.cookieOnly))["groups"]
                as? [[String: Any]])
        let texts = after.flatMap { $0["texts"] as? [String] ?? [] }
        #expect(!texts.contains("saako koiran tuoda kirjastoon"))
        #expect(!texts.contains("hei"))
        // Bad input is refused with a reason, and nothing is added.
        let unknownIntent = await api.staff(
            .post, "/staff/api/examples", editor, json: #"{"intent": "nope", "lang": "fi", "text": "x"}"#)
        #expect(unknownIntent.status == .unprocessableContent)
        #expect(try await api.app.staff.draft().count == 1)
    }

    @Test func publishingPutsTheDraftLiveAndARollbackTakesItBack() async throws {
        let folder = try TemporaryFolder()
        let root = try folder.catalogCopy()
        let api = try await TestAPI.make(catalog: LiveCatalog(try Catalog.load(root: root)))
        let message = "missä voin ulkoiluttaa koiraa"
        #expect(await chat(api, message)["intent"] is NSNull)
        let editor = try await api.signIn("Eeva Editor", roles: [.editor])
        let publisher = try await api.signIn("Pekka Publisher", roles: [.publisher])
        #expect(await api.staff(.post, "/staff/api/publish", publisher, json: "{}").status == .conflict)  // empty draft
        let add = #"{"intent": "unit.find", "lang": "fi", "text": "\#(message)"}"#
        #expect(await api.staff(.post, "/staff/api/examples", editor, json: add).status == .created)

        let published = await api.staff(.post, "/staff/api/publish", publisher, json: "{}")
        #expect(published.status == .ok, "\(published.bodyText)")
        #expect(object(published)["version"] as? Int == 2)
        let evaluation = try #require(object(published)["evaluation"] as? [String: Any])
        #expect((evaluation["figures"] as? [[String: Any]])?.count == 3, "cross-validation in fi, sv and en")
        let perIntent = try #require(evaluation["intents"] as? [[String: Any]])
        #expect(perIntent.contains { $0["intent"] as? String == "unit.find" && $0["draft"] is Double })
        let file = try String(contentsOf: root.appendingPathComponent("intents/unit.find.json"), encoding: .utf8)
        #expect(file.contains("\"\(message)\""))
        #expect(await chat(api, message)["intent"] as? String == "unit.find")
        #expect(try await api.app.staff.draft().isEmpty)

        let versions = try #require(
            object(await api.request(.get, "/staff/api/versions", headers: publisher.cookieOnly))["versions"]
                as? [[String: Any]])
        #expect(versions.compactMap { $0["number"] as? Int } == [2, 1])
        #expect(versions.first?["published_by"] as? String == "Pekka Publisher")
        let back = await api.staff(.post, "/staff/api/rollback", publisher, json: #"{"version": 1}"#)
        #expect(back.status == .ok)
        let restored = try String(contentsOf: root.appendingPathComponent("intents/unit.find.json"), encoding: .utf8)
        #expect(!restored.contains(message))
        #expect(api.app.catalog.catalog.intents["unit.find"]?.examples.contains { $0.text == message } == false)
        let missing = await api.staff(.post, "/staff/api/rollback", publisher, json: #"{"version": 99}"#)
        #expect(missing.status == .notFound)
    }

    @Test func aChangeThatBreaksAPlaceholderIsRefusedWithTheProblemNamed() async throws {
        let folder = try TemporaryFolder()
        let root = try folder.catalogCopy()
        let api = try await TestAPI.make(catalog: LiveCatalog(try Catalog.load(root: root)))
        let string = try #require(
            api.app.catalog.catalog.locales.strings.values.first {
                if case .single(let template) = $0.translations[.fi] { return !template.placeholders.isEmpty }
                return false
            })
        let key = string.key
        let before = try String(contentsOf: root.appendingPathComponent(string.file), encoding: .utf8)
        let member = try await api.signIn("Eeva", roles: [.editor, .publisher])
        // The console shows the problem beside the field as it is typed, before anything is in the draft.
        let query =
            "key=\(key)&lang=fi&text=" + "Teksti toisella muuttujalla ((wrong))"
            .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let checked = try #require(
            object(await api.request(.get, "/staff/api/check?\(query)", headers: member.cookieOnly))["problems"]
                as? [[String: Any]])
        #expect(checked.contains { ($0["message"] as? String)?.contains("placeholders") == true })
        let fine =
            "key=\(key)&lang=fi&text="
            + (string.translations[.fi].map {
                if case .single(let template) = $0 { template.source } else { "" }
            } ?? "").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let clean = object(await api.request(.get, "/staff/api/check?\(fine)", headers: member.cookieOnly))
        #expect((clean["problems"] as? [Any])?.isEmpty == true, "\(clean)")
        let change = #"{"key": "\#(key)", "lang": "fi", "text": "Teksti toisella muuttujalla ((wrong))"}"#
        #expect(await api.staff(.post, "/staff/api/translations", member, json: change).status == .created)
        let refused = await api.staff(.post, "/staff/api/publish", member, json: "{}")
        #expect(refused.status == .conflict)
        #expect(refused.headers["Content-Type"] == "application/problem+json")
        let problems = try #require(object(refused)["problems"] as? [[String: Any]])
        #expect(problems.contains { ($0["message"] as? String)?.contains(key) == true })
        #expect(problems.contains { ($0["message"] as? String)?.contains("placeholders") == true })
        // Nothing changed on disk or in the live catalog, and the draft is kept for fixing.
        let after = try String(contentsOf: root.appendingPathComponent(string.file), encoding: .utf8)
        #expect(after == before)
        #expect(try await api.app.staff.draft().count == 1)
    }

    @Test func examplesAreEditedAndMovedAndAFinnishChangeFlagsTheOtherLanguagesAsStale() async throws {
        let folder = try TemporaryFolder()
        let root = try folder.catalogCopy()
        let api = try await TestAPI.make(catalog: LiveCatalog(try Catalog.load(root: root)))
        let member = try await api.signIn("Eeva", roles: [.editor, .publisher])
        let greeting = try #require(api.app.catalog.catalog.intents["greeting"])
        let thanks = try #require(api.app.catalog.catalog.intents["thanks"])
        let edited = try #require(greeting.examples(in: .fi).first?.text)
        let moved = try #require(thanks.examples(in: .fi).last?.text)
        let edit = #"{"intent": "greeting", "lang": "fi", "text": "\#(edited)", "new_text": "moikkelis kaikille"}"#
        #expect(await api.staff(.post, "/staff/api/examples/change", member, json: edit).status == .created)
        let move = #"{"intent": "thanks", "lang": "fi", "text": "\#(moved)", "move_to": "greeting"}"#
        #expect(await api.staff(.post, "/staff/api/examples/change", member, json: move).status == .created)
        let unknown = #"{"intent": "thanks", "lang": "fi", "text": "ei tällaista", "move_to": "greeting"}"#
        #expect(
            await api.staff(.post, "/staff/api/examples/change", member, json: unknown).status == .unprocessableContent)
        let finnish = #"{"key": "widget.send", "lang": "fi", "text": "Lähetä viesti"}"#
        #expect(await api.staff(.post, "/staff/api/translations", member, json: finnish).status == .created)
        let published = await api.staff(.post, "/staff/api/publish", member, json: "{}")
        #expect(published.status == .ok, "\(published.bodyText)")

        let live = api.app.catalog.catalog
        let greetings = live.intents["greeting"]?.examples(in: .fi).map(\.text) ?? []
        #expect(greetings.contains("moikkelis kaikille") && !greetings.contains(edited))
        #expect(greetings.contains(moved))
        #expect(live.intents["thanks"]?.examples(in: .fi).contains { $0.text == moved } == false)
        func stale() async throws -> [String]? {
            let list = try #require(
                object(await api.request(.get, "/staff/api/translations", headers: member.cookieOnly))["translations"]
                    as? [[String: Any]])
            return list.first { $0["key"] as? String == "widget.send" }?["stale"] as? [String]
        }
        #expect(try await stale() == ["sv", "en"])
        let swedish = #"{"key": "widget.send", "lang": "sv", "text": "Skicka meddelandet"}"#
        #expect(await api.staff(.post, "/staff/api/translations", member, json: swedish).status == .created)
        #expect(await api.staff(.post, "/staff/api/publish", member, json: "{}").status == .ok)
        #expect(try await stale() == ["en"])
    }

    @Test func aFolderEditedByHandIsSeenAndADraftChangeItBreaksIsNamed() async throws {
        let folder = try TemporaryFolder()
        let root = try folder.catalogCopy()
        let api = try await TestAPI.make(catalog: LiveCatalog(try Catalog.load(root: root)))
        let member = try await api.signIn("Eeva", roles: [.editor])
        let thanks = try #require(api.app.catalog.catalog.intents["thanks"]?.examples(in: .fi).last?.text)
        let move = #"{"intent": "thanks", "lang": "fi", "text": "\#(thanks)", "move_to": "greeting"}"#
        #expect(await api.staff(.post, "/staff/api/examples/change", member, json: move).status == .created)
        var draft = object(await api.request(.get, "/staff/api/draft", headers: member.cookieOnly))
        #expect(draft["folder_changed"] as? Bool == false)
        #expect((draft["conflicts"] as? [Any])?.isEmpty == true)
        // Someone removes the same example in the file by hand (without a reload).
        let file = root.appendingPathComponent("intents/thanks.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: ",\n      \"\(thanks)\"", with: "").write(
            to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: file.path)
        draft = object(await api.request(.get, "/staff/api/draft", headers: member.cookieOnly))
        #expect(draft["folder_changed"] as? Bool == true)
        let conflicts = try #require(draft["conflicts"] as? [[String: Any]])
        #expect(conflicts.count == 1)
        #expect((conflicts.first?["reason"] as? String)?.contains(thanks) == true)
    }

    @Test func aNoticePreviewShowsTheEmailAndTheSMSWithItsEncodingAndParts() async throws {
        let api = try await TestAPI.make()
        let editor = try await api.signIn("Eeva", roles: [.editor])
        func preview(_ query: String) async -> [String: Any] {
            object(await api.request(.get, "/staff/api/preview?\(query)", headers: editor.cookieOnly))
        }
        let live = await preview("key=notice.preschool_place.sms&lang=fi")
        #expect(live["template"] as? String == "preschool_place")
        let email = try #require(live["email"] as? [String: Any])
        #expect((email["subject"] as? String)?.isEmpty == false)
        #expect((email["text"] as? String)?.contains("https://neuvo.hel.fi/r/SAMPLE-LINK") == true)
        let sms = try #require(live["sms"] as? [String: Any])
        #expect(sms["encoding"] as? String == "GSM-7")
        // An emoji makes the whole message UCS-2, 70 characters a part: the preview says so before it is published.
        let text = "Esiopetuspaikka 😀 ((unit)), alkaen ((start_date)). Vastaa viimeistään ((accept_by)): ((link))"
            .addingPercentEncoding(
                withAllowedCharacters: .alphanumerics)!
        let changed = try #require(
            await preview("key=notice.preschool_place.sms&lang=fi&text=\(text)")["sms"] as? [String: Any])
        #expect(changed["encoding"] as? String == "UCS-2")
        #expect((changed["text"] as? String)?.contains("😀") == true)
        #expect(try await api.app.staff.draft().isEmpty, "a preview changes nothing")
        let notANotice = await api.request(
            .get, "/staff/api/preview?key=widget.title&lang=fi", headers: editor.cookieOnly)
        #expect(notANotice.status == .unprocessableContent)
    }

    @Test func theCatalogBundledWithTheBinaryIsNeverPublishedTo() async throws {
        let bundled = try #require(BundledCatalog.root)
        let api = try await TestAPI.make(catalog: LiveCatalog(try Catalog.load(root: bundled)))
        let member = try await api.signIn("Pekka", roles: [.editor, .publisher])
        let add = #"{"intent": "greeting", "lang": "fi", "text": "moikkelis"}"#
        #expect(await api.staff(.post, "/staff/api/examples", member, json: add).status == .created)
        let refused = await api.staff(.post, "/staff/api/publish", member, json: "{}")
        #expect(refused.status == .conflict)
        #expect(object(refused)["detail"] as? String ?? "" != "" && refused.bodyText.contains("NEUVO_CATALOG"))
        #expect(await api.staff(.post, "/staff/api/rollback", member, json: #"{"version": 1}"#).status == .conflict)
    }

    @Test func catalogFilesPrintBackByteForByte() throws {
        for folder in ["intents", "locales"] {
            let url = projectRoot.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: url.path)
            where name.hasSuffix(".json") && name != "glossary.json" {
                let text = try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
                #expect(try OrderedJSON.parse(text).printed() == text, "\(folder)/\(name)")
            }
        }
    }
}

@Suite("Staff console: the API is documented")
struct StaffDocumentationTests {
    @Test func everyStaffRouteIsInTheOpenAPIDocument() async throws {
        let api = try await TestAPI.make()
        let paths = try #require(object(await api.request(.get, "/openapi.json"))["paths"] as? [String: Any])
        for route in [
            "/v1/chat/rating", "/staff", "/staff/", "/staff/intents", "/staff/translations", "/staff/publish",
            "/staff/signin", "/staff/signin/{token}", "/staff/auth/login", "/staff/console.js", "/staff/common.js",
            "/staff/console.css",
            "/staff/texts",
            "/staff/api/session", "/staff/api/signout", "/staff/api/misunderstood", "/staff/api/misunderstood/dismiss",
            "/staff/api/examples", "/staff/api/examples/change", "/staff/api/translations", "/staff/api/intents",
            "/staff/api/draft",
            "/staff/api/draft/{id}", "/staff/api/check", "/staff/api/preview", "/staff/api/versions",
            "/staff/api/audit",
            "/staff/api/publish",
            "/staff/api/rollback",
        ] {
            #expect(paths[route] != nil, "\(route) is not documented")
        }
    }
}
