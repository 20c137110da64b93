import Foundation
import NeuvoBundledCatalog
import NeuvoCatalog
import NeuvoConversation
import NeuvoCore
import NeuvoHTTP
import NeuvoLanguage
import NeuvoNotifications
import NeuvoSupport

/// The staff console: its pages, the sign-in link of `neuvo staff invite`, and the JSON API under `/staff/api`
/// that the pages (and a city's scripts) use. Authorization is declared per route group (`StaffAuthentication`);
/// the handlers here only parse, call the staff store or the publisher, and format.
extension APIRoutes {
    static func staffRoutes(_ app: NeuvoApplication, _ router: inout Router) {
        // Open to anyone: the console's files and texts, the sign-in page and the invite link.
        for (name, script) in app.assets.staffScripts {
            router.get("/staff/\(name).js") { request, _ in asset(script, "text/javascript; charset=utf-8", request) }
        }
        router.get("/staff/console.css") { request, _ in
            asset(app.assets.staffStylesheet, "text/css; charset=utf-8", request)
        }
        router.get("/staff/texts") { request, _ in try staffTexts(app, request) }
        router.get("/staff/signin") { request, _ in staffPage(app, request) }
        router.get("/staff/auth/login") { _, _ in try await staffLogin(app) }
        router.get("/staff/signin/{token}") { request, context in try await redeemInvite(app, request, context) }
        // The console's pages: one document, each page a view of it; without a session, the sign-in page.
        router.group("/staff", middleware: [StaffAuthentication.page(app)]) { pages in
            for path in ["", "/", "/intents", "/translations", "/publish"] {
                pages.get(path) { request, _ in staffPage(app, request) }
            }
        }
        // Any staff member: reading, and signing out.
        router.group("/staff/api", middleware: [StaffAuthentication.api(app, role: nil)]) { api in
            api.get("/session") { _, context in try staffSession(app, context) }
            api.post("/signout") { request, _ in try await staffSignOut(app, request) }
            api.get("/misunderstood") { _, _ in try await misunderstood(app) }
            api.get("/intents") { _, _ in try await staffIntents(app) }
            api.get("/translations") { _, _ in try await staffTranslations(app) }
            api.get("/draft") { _, _ in try await staffDraft(app) }
            api.get("/check") { request, _ in try await checkField(app, request) }
            api.get("/preview") { request, _ in try await previewNotice(app, request) }
            api.get("/versions") { _, _ in try JSONBody.response(["versions": try await app.staff.versions()]) }
            api.get("/audit") { _, _ in try JSONBody.response(["entries": try await app.staff.auditLog()]) }
        }
        // Editors: the draft.
        router.group("/staff/api", middleware: [StaffAuthentication.api(app, role: .editor)]) { api in
            api.post("/examples") { request, context in try await addExample(app, request, context) }
            api.post("/translations") { request, context in try await setTranslation(app, request, context) }
            api.post("/examples/change") { request, context in try await changeExample(app, request, context) }
            api.post("/misunderstood/dismiss") { request, context in try await dismiss(app, request, context) }
            api.delete("/draft/{id}") { _, context in try await removeDraftChange(app, context) }
        }
        // Publishers: what goes live.
        router.group("/staff/api", middleware: [StaffAuthentication.api(app, role: .publisher)]) { api in
            api.post("/publish") { request, context in try await publish(app, request, context) }
            api.post("/rollback") { request, context in try await rollback(app, request, context) }
        }
    }

    /// Scripts only from this origin, no inline script or style, no framing, forms only to this origin.
    static let staffPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func staffPage(_ app: NeuvoApplication, _ request: HTTPRequest) -> HTTPResponse {
        var response = HTTPResponse(
            status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: app.assets.staffPage)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Content-Security-Policy"] = staffPolicy
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        return response
    }

    static func staffTexts(_ app: NeuvoApplication, _ request: HTTPRequest) throws -> HTTPResponse {
        let lang = request.queryParameter("lang") ?? app.configuration.defaultLanguage
        guard let language = Language(rawValue: lang) else { throw Problem.validation("lang must be fi, sv or en") }
        let locales = app.catalog.catalog.locales
        var texts: [String: String] = [:]
        // Templates as written: the console fills their ((placeholders)) itself.
        for (key, string) in locales.strings where key.hasPrefix("staff.") {
            switch string.translations[language] {
            case .single(let template): texts[key] = template.source
            case .plural(_, let other): texts[key] = other.source
            case nil: break
            }
        }
        return try JSONBody.response([
            "lang": JSONValue.string(lang), "texts": .object(texts.mapValues { .string($0) }),
            "city_sign_in": .bool(app.openID != nil),
        ])
    }

    // MARK: Signing in and out

    static func redeemInvite(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let token = context.pathParameters["token"] ?? ""
        let now = app.clock.now()
        guard let (session, member) = try await app.staff.redeem(invite: token, now: now) else {
            try await app.staff.audit(
                member: nil, action: "signin.invite", detail: "refused: unknown, used or expired invite",
                address: context.clientAddress, status: 303, now: now)
            app.logger.notice("staff.invite_refused", [:])
            return StaffAuthentication.redirect(to: "/staff/signin?failed=invite")
        }
        return try await StaffAuthentication.signedIn(
            app, member: member, session: session, method: "invite", detail: "signed in with an invite",
            address: context.clientAddress)
    }

    static func staffSession(_ app: NeuvoApplication, _ context: RequestContext) throws -> HTTPResponse {
        let session = try context.staff()
        return try JSONBody.response([
            "name": JSONValue.string(session.member.name),
            "roles": .array(session.member.roles.map(\.rawValue).sorted().map { .string($0) }),
            "csrf_token": .string(session.csrf),
            "expires_at": .string(ISO8601DateFormatter().string(from: session.expiresAt)),
        ])
    }

    static func staffSignOut(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        if let token = request.cookie(StaffAuthentication.cookieName) { try await app.staff.signOut(session: token) }
        var response = try JSONBody.response(["status": "signed out"])
        response.headers["Set-Cookie"] = StaffAuthentication.cookie(
            "", secure: app.configuration.publicBaseURL().scheme == "https", maxAge: 0)
        return response
    }

    // MARK: Misunderstood messages

    struct MisunderstoodGroup: Encodable {
        let key: String
        let lang: String
        let count: Int
        let texts: [String]
        let latest: Date
        let unhelpful: Int
        let best: String?
    }

    /// Not-understood, unsure and unhelpful turns, grouped by language and similar wording (the same normalised
    /// text, or word sets that mostly overlap), newest group first.
    static func misunderstood(_ app: NeuvoApplication) async throws -> HTTPResponse {
        let turns = try await app.conversations.misunderstood(lowConfidence: 0.5, limit: 2_000)
        let reviewed = try await app.staff.reviewedKeys()
        var groups: [(key: String, lang: Language, words: Set<String>, turns: [ConversationStore.MisunderstoodTurn])] =
            []
        for turn in turns {
            let key = TextNormalizer.normalize(turn.text)
            guard !key.isEmpty, !reviewed.contains("\(turn.language.rawValue):\(key)") else { continue }
            let words = Set(key.split(separator: " ").map(String.init))
            if let index = groups.firstIndex(where: {
                $0.lang == turn.language && ($0.key == key || similarity($0.words, words) >= 0.6)
            }) {
                groups[index].turns.append(turn)
            } else {
                groups.append((key, turn.language, words, [turn]))
            }
        }
        let result = groups.map { group in
            var seen: Set<String> = []
            let texts = group.turns.map(\.text).filter { seen.insert($0).inserted }.prefix(5)
            return MisunderstoodGroup(
                key: group.key, lang: group.lang.rawValue, count: group.turns.count, texts: Array(texts),
                latest: group.turns.map(\.at).max() ?? Date(timeIntervalSince1970: 0),
                unhelpful: group.turns.count { $0.ratedUnhelpful }, best: group.turns.first?.intent)
        }.sorted { $0.latest > $1.latest }
        return try JSONBody.response(["groups": result])
    }

    /// Jaccard similarity of two word sets.
    static func similarity(_ a: Set<String>, _ b: Set<String>) -> Double {
        let union = a.union(b).count
        return union == 0 ? 0 : Double(a.intersection(b).count) / Double(union)
    }

    struct DismissRequest: Decodable {
        let lang: String
        let text: String
    }

    static func dismiss(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let body = try JSONBody.decode(DismissRequest.self, from: request)
        let language = try language(body.lang)
        try await app.staff.review(
            lang: language, key: TextNormalizer.normalize(body.text), decision: .dismissed,
            member: try context.staff().member, now: app.clock.now())
        return try JSONBody.response(["status": "dismissed"])
    }

    static func language(_ value: String) throws -> Language {
        guard let language = Language(rawValue: value) else { throw Problem.validation("lang must be fi, sv or en") }
        return language
    }

    // MARK: The draft

    struct ExampleRequest: Decodable {
        let intent: String
        let lang: String
        let text: String
    }

    /// Adds an example to the draft (`out_of_scope` marks the text as outside what Neuvo answers); the misunderstood
    /// group of the same wording leaves the list.
    static func addExample(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let body = try JSONBody.decode(ExampleRequest.self, from: request)
        let language = try language(body.lang)
        let text = body.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 500 else { throw Problem.validation("text must have 1 to 500 characters") }
        guard app.catalog.catalog.intents[body.intent] != nil else {
            throw Problem.validation("there is no intent '\(body.intent)' (see GET /staff/api/intents)")
        }
        let member = try context.staff().member
        let now = app.clock.now()
        let id = try await app.staff.addToDraft(
            .example, target: body.intent, lang: language, text: text, member: member, now: now)
        try await app.staff.review(
            lang: language, key: TextNormalizer.normalize(text),
            decision: body.intent == CatalogLoader.outOfScopeID ? .outOfScope : .example, member: member, now: now)
        return try JSONBody.response(
            ["id": JSONValue.number(Double(id)), "status": .string("in the draft")], status: .created)
    }

    struct ExampleChangeRequest: Decodable {
        let intent: String
        let lang: String
        let text: String
        /// Another intent to move the example to (nil: it stays).
        let moveTo: String?
        /// New wording (nil: unchanged).
        let newText: String?

        enum CodingKeys: String, CodingKey {
            case intent, lang, text
            case moveTo = "move_to"
            case newText = "new_text"
        }
    }

    /// Edits an example's wording or moves it to another intent (or both), in the draft: the old one is taken out
    /// and the new one added, as two changes that are published together.
    static func changeExample(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext)
        async throws -> HTTPResponse
    {
        let body = try JSONBody.decode(ExampleChangeRequest.self, from: request)
        let language = try language(body.lang)
        let catalog = app.catalog.catalog
        guard let intent = catalog.intents[body.intent] else {
            throw Problem.validation("there is no intent '\(body.intent)'")
        }
        guard intent.examples(in: language).contains(where: { $0.text == body.text }) else {
            throw Problem.validation("\(body.intent) has no \(language.rawValue) example '\(body.text)'")
        }
        let target = body.moveTo ?? body.intent
        guard catalog.intents[target] != nil else { throw Problem.validation("there is no intent '\(target)'") }
        let text = (body.newText ?? body.text).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 500 else {
            throw Problem.validation("new_text must have 1 to 500 characters")
        }
        guard target != body.intent || text != body.text else {
            throw Problem.validation("give move_to (another intent) or new_text (other wording)")
        }
        let member = try context.staff().member
        let now = app.clock.now()
        _ = try await app.staff.addToDraft(
            .exampleRemoval, target: body.intent, lang: language, text: body.text, member: member, now: now)
        let id = try await app.staff.addToDraft(
            .example, target: target, lang: language, text: text, member: member, now: now)
        return try JSONBody.response(
            ["id": JSONValue.number(Double(id)), "status": .string("in the draft")], status: .created)
    }

    struct TranslationRequest: Decodable {
        let key: String
        let lang: String
        let text: String
    }

    static func setTranslation(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext)
        async throws -> HTTPResponse
    {
        let body = try JSONBody.decode(TranslationRequest.self, from: request)
        let language = try language(body.lang)
        guard !body.text.isEmpty, body.text.count <= 5_000 else {
            throw Problem.validation("text must have 1 to 5,000 characters")
        }
        guard app.catalog.catalog.locales.strings[body.key] != nil else {
            throw Problem.validation("there is no locale key '\(body.key)'")
        }
        let id = try await app.staff.addToDraft(
            .translation, target: body.key, lang: language, text: body.text, member: try context.staff().member,
            now: app.clock.now())
        return try JSONBody.response(
            ["id": JSONValue.number(Double(id)), "status": .string("in the draft")], status: .created)
    }

    struct DraftView: Encodable {
        struct Conflict: Encodable {
            let id: Int64
            let reason: String
        }
        let changes: [DraftChange]
        /// Changes that no longer apply to the files on disk (edited by hand, or by another change).
        let conflicts: [Conflict]
        /// The catalog's files changed on disk after the live catalog was loaded (edited by hand, not reloaded).
        let folderChanged: Bool

        enum CodingKeys: String, CodingKey {
            case changes, conflicts
            case folderChanged = "folder_changed"
        }
    }

    /// The draft, re-read against the folder as it is now: what no longer applies, and whether the files changed by
    /// hand since the live catalog was loaded (publishing starts from the files, so it would put those live too).
    static func staffDraft(_ app: NeuvoApplication) async throws -> HTTPResponse {
        let draft = try await app.staff.draft()
        let publisher = publisher(app)
        let live = app.catalog.catalog
        let view = try await Task.detached { () throws -> DraftView in
            var files = try publisher.currentFiles()
            var conflicts: [DraftView.Conflict] = []
            for change in draft {
                do {
                    files = try publisher.apply([change], to: files, catalog: live)
                } catch let error as CatalogEditError {
                    conflicts.append(.init(id: change.id, reason: error.description))
                }
            }
            return DraftView(
                changes: draft, conflicts: conflicts, folderChanged: publisher.changed(since: live.loadedAt))
        }.value
        return try JSONBody.response(view)
    }

    static func removeDraftChange(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        guard let id = context.pathParameters["id"].flatMap(Int64.init) else {
            throw Problem.notFound("no draft change with this id")
        }
        guard try await app.staff.removeFromDraft(id) else { throw Problem.notFound("no draft change \(id)") }
        return HTTPResponse(status: .noContent)
    }

    // MARK: Reading the catalog

    struct IntentView: Encodable {
        let id: String
        let summary: String
        let examples: [String: [String]]
        let replies: [String: [String]]
        let file: String
    }

    static func staffIntents(_ app: NeuvoApplication) async throws -> HTTPResponse {
        let catalog = app.catalog.catalog
        let intents = catalog.intents.values.sorted { $0.id < $1.id }.map { intent in
            var examples: [String: [String]] = [:]
            for language in Language.allCases {
                examples[language.rawValue] = intent.examples(in: language).map(\.text)
            }
            var replies: [String: [String]] = [:]
            for language in Language.allCases {
                replies[language.rawValue] = intent.responses.compactMap {
                    try? catalog.locales.render($0, language: language, values: [:], count: nil)
                }
            }
            return IntentView(
                id: intent.id, summary: intent.summary, examples: examples, replies: replies, file: intent.file)
        }
        return try JSONBody.response(["intents": intents])
    }

    struct TranslationView: Encodable {
        let key: String
        let file: String
        let texts: [String: String]
        let placeholders: [String: [String]]
        let missing: [String]
        /// Languages whose text was published before the Finnish one last changed.
        let stale: [String]
    }

    static func staffTranslations(_ app: NeuvoApplication) async throws -> HTTPResponse {
        let locales = app.catalog.catalog.locales
        let stale = try await app.staff.staleTranslations()
        let keys = locales.strings.values.sorted { $0.key < $1.key }.map { string in
            var texts: [String: String] = [:]
            var placeholders: [String: [String]] = [:]
            for language in Language.allCases {
                guard let forms = string.translations[language] else { continue }
                switch forms {
                case .single(let template): texts[language.rawValue] = template.source
                case .plural(_, let other): texts[language.rawValue] = other.source
                }
                placeholders[language.rawValue] = forms.placeholders.sorted()
            }
            return TranslationView(
                key: string.key, file: string.file, texts: texts, placeholders: placeholders,
                missing: Language.allCases.filter { texts[$0.rawValue]?.isEmpty ?? true }.map(\.rawValue),
                stale: (stale[string.key] ?? []).map(\.rawValue))
        }
        return try JSONBody.response(["translations": keys])
    }

    /// The catalog's problems that one proposed change (on top of the draft) would bring to its field, for the
    /// console to show beside it while staff type: `key` (a translation) or `intent` (an example), `lang`, `text`.
    static func checkField(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        let language = try language(request.queryParameter("lang") ?? "")
        let text = request.queryParameter("text") ?? ""
        guard text.count <= 5_000 else { throw Problem.validation("text may have at most 5,000 characters") }
        let change: DraftChange
        if let key = request.queryParameter("key") {
            guard app.catalog.catalog.locales.strings[key] != nil else {
                throw Problem.validation("there is no locale key '\(key)'")
            }
            change = DraftChange(id: 0, kind: .translation, target: key, lang: language, text: text, memberID: "")
        } else if let intent = request.queryParameter("intent") {
            guard app.catalog.catalog.intents[intent] != nil else {
                throw Problem.validation("there is no intent '\(intent)'")
            }
            change = DraftChange(id: 0, kind: .example, target: intent, lang: language, text: text, memberID: "")
        } else {
            throw Problem.validation("give key (a translation) or intent (an example), with lang and text")
        }
        let publisher = publisher(app)
        let live = app.catalog.catalog
        let draft = try await app.staff.draft()
        let result = try await Task.detached { () throws -> [CatalogProblem] in
            let files = try publisher.apply(draft + [change], to: try publisher.currentFiles(), catalog: live)
            let loaded = try CatalogPublisher.problems(in: files)
            switch change.kind {
            case .translation:
                let string = loaded.locales[change.target]
                return loaded.problems.filter { problem in
                    problem.severity != .note
                        && (problem.message.contains("'\(change.target)'")
                            || (string.map { problem.file == $0.file && problem.line == $0.line(of: change.lang) }
                                ?? false))
                }
            case .example, .exampleRemoval:
                let file = live.intents[change.target]?.file
                return loaded.problems.filter {
                    $0.severity != .note && ($0.file == file || $0.message.contains(change.text))
                }
            }
        }.value
        return try JSONBody.response(["problems": result])
    }

    struct NoticePreview: Encodable {
        struct Email: Encodable {
            let subject: String
            let text: String
        }
        struct SMS: Encodable {
            let text: String
            let encoding: String
            let units: Int
            let segments: Int
        }
        let template: String
        let lang: String
        let email: Email
        let sms: SMS
    }

    /// A notice as the resident will read it, by email and by SMS (with its encoding and segment count), rendered
    /// from sample details with the draft and, when `text` is given, this one change to `key` (`notice.<kind>.*`).
    static func previewNotice(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        let language = try language(request.queryParameter("lang") ?? "")
        let key = request.queryParameter("key") ?? ""
        let parts = key.split(separator: ".")
        guard parts.count == 3, parts[0] == "notice", let template = NoticeTemplate(rawValue: String(parts[1])) else {
            throw Problem.validation("key must be a notice text, notice.<kind>.subject, .body or .sms")
        }
        var draft = try await app.staff.draft()
        if let text = request.queryParameter("text") {
            guard text.count <= 5_000, app.catalog.catalog.locales.strings[key] != nil else {
                throw Problem.validation("there is no locale key '\(key)', or the text is over 5,000 characters")
            }
            draft.append(DraftChange(id: 0, kind: .translation, target: key, lang: language, text: text, memberID: ""))
        }
        let publisher = publisher(app)
        let live = app.catalog.catalog
        let files = try await Task.detached { () throws -> [String: String] in
            try publisher.apply(draft, to: try publisher.currentFiles(), catalog: live)
        }.value
        let loaded = try await Task.detached { try CatalogPublisher.problems(in: files) }.value
        let errors = loaded.problems.filter { $0.severity == .error }
        guard errors.isEmpty else {
            return try refusal(PublishEvaluation(problems: errors, figures: [], drops: [], tolerance: 0))
        }
        let renderer = NoticeRenderer(locales: LocaleTable(loaded.locales))
        let values = try NoticeSamples.values(for: template, language: language, renderer: renderer)
        let email = try renderer.render(template, channel: .email, locale: language.rawValue, values: values)
        let sms = try renderer.render(template, channel: .sms, locale: language.rawValue, values: values)
        let segments = sms.segments ?? SMSSegments.count(sms.text)
        return try JSONBody.response(
            NoticePreview(
                template: template.rawValue, lang: language.rawValue,
                email: .init(subject: email.subject ?? "", text: email.text),
                sms: .init(
                    text: sms.text, encoding: segments.encoding == .gsm7 ? "GSM-7" : "UCS-2", units: segments.units,
                    segments: segments.segments)))
    }

    // MARK: Publishing

    struct PublishRequest: Decodable {
        let overrideReason: String?

        enum CodingKeys: String, CodingKey { case overrideReason = "override_reason" }
    }

    static func publisher(_ app: NeuvoApplication) -> CatalogPublisher {
        CatalogPublisher(
            root: app.catalog.root, tolerance: app.configuration.staffPublishTolerance,
            evaluationSet: app.configuration.staffEvaluationSet.map { URL(fileURLWithPath: $0) })
    }

    /// Publishing writes the deployment's own catalog folder (`NEUVO_CATALOG`), never the copy bundled with the binary
    /// (a rebuild would overwrite it, and it is shared by every process started from that binary).
    static func requireOwnCatalog(_ app: NeuvoApplication) throws {
        let root = app.catalog.root.standardizedFileURL.path
        if let bundled = BundledCatalog.root?.standardizedFileURL.path, bundled == root {
            throw Problem.conflict(
                "this server answers from the catalog bundled with the binary, which is not changed: set NEUVO_CATALOG "
                    + "(or --catalog) to a folder of its own holding a copy of intents/ and locales/, then publish")
        }
    }

    /// Publishing is one at a time: a second request while one trains waits for it.
    static let publishing = PublishLock()

    static func publish(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let body =
            request.body.isEmpty
            ? PublishRequest(overrideReason: nil)
            : try JSONBody.decode(
                PublishRequest.self, from: request)
        let reason = body.overrideReason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let reason, reason.count > 1_000 { throw Problem.validation("override_reason has at most 1,000 characters") }
        let member = try context.staff().member
        try requireOwnCatalog(app)
        return try await publishing.run {
            let draft = try await app.staff.draft()
            guard let last = draft.last?.id else { throw Problem.conflict("the draft is empty: nothing to publish") }
            let publisher = publisher(app)
            let live = app.catalog.catalog
            let current = try publisher.currentFiles()
            let files: [String: String]
            do {
                files = try publisher.apply(draft, to: current, catalog: live)
            } catch let error as CatalogEditError {
                return try refusal(
                    PublishEvaluation(
                        problems: [CatalogProblem(file: "draft", line: 1, message: error.description, hint: "")],
                        figures: [], drops: [], tolerance: publisher.tolerance))
            }
            let evaluation = try await Task.detached { try publisher.evaluate(candidate: files, live: live) }.value
            guard evaluation.errors.isEmpty else { return try refusal(evaluation) }
            if !evaluation.drops.isEmpty && (reason ?? "").isEmpty { return try refusal(evaluation) }
            let note =
                evaluation.drops.isEmpty
                ? "published \(draft.count) change\(draft.count == 1 ? "" : "s")"
                : "published over lower accuracy: \(reason ?? "")"
            let version = try await goLive(
                app, files: files, previous: current, member: member, note: note, evaluation: evaluation,
                draftUpTo: last)
            if !evaluation.drops.isEmpty {
                try await app.staff.audit(
                    member: member, action: "publish.override",
                    detail: (reason ?? "") + "; "
                        + evaluation.drops
                        .joined(separator: "; "), address: context.clientAddress, status: 200, now: app.clock.now())
            }
            return try JSONBody.response(PublishResult(version: version, evaluation: evaluation))
        }
    }

    struct PublishResult: Encodable {
        let version: Int
        let evaluation: PublishEvaluation
    }

    /// 409 with the problems and the figures, as problem+json.
    static func refusal(_ evaluation: PublishEvaluation) throws -> HTTPResponse {
        struct Body: Encodable {
            let type = "/problems/publish-refused"
            let title = "Publishing was refused"
            let status = 409
            let detail: String
            let problems: [CatalogProblem]
            let drops: [String]
            let evaluation: PublishEvaluation
        }
        let errors = evaluation.errors
        let detail =
            !errors.isEmpty
            ? errors.prefix(5).map(\.description).joined(separator: "\n")
            : evaluation.drops.joined(separator: "\n") + "\nA publisher may publish anyway with an override_reason."
        var response = try JSONBody.response(
            Body(detail: detail, problems: errors, drops: evaluation.drops, evaluation: evaluation), status: .conflict)
        response.headers["Content-Type"] = "application/problem+json"
        return response
    }

    /// Writes `files` as the live catalog, keeps the version, commits to git when the folder is a repository, and
    /// reloads: the next message is answered by the new catalog.
    static func goLive(
        _ app: NeuvoApplication, files: [String: String], previous: [String: String], member: StaffMember,
        note: String, evaluation: PublishEvaluation?, draftUpTo: Int64?
    ) async throws -> Int {
        let publisher = publisher(app)
        let now = app.clock.now()
        if try await app.staff.versions().isEmpty {
            // The catalog as found, so that the first publication can be rolled back too.
            _ = try await app.staff.recordVersion(
                files: previous, member: nil, note: "the catalog before the first publication", evaluation: nil,
                draftUpTo: nil, now: now)
        }
        try publisher.write(files)
        if case .failure(let error) = app.runtime.reload() {
            // The files were checked, so this is unexpected: put the previous ones back, so disk and memory agree.
            try publisher.write(previous)
            throw Problem.error(
                .internalServerError, "publish-failed", "The catalog could not be reloaded", error.description)
        }
        let evaluationText = try evaluation.map { String(decoding: try JSONBody.encoder.encode($0), as: UTF8.self) }
        let version = try await app.staff.recordVersion(
            files: files, member: member, note: note, evaluation: evaluationText, draftUpTo: draftUpTo, now: now)
        let gitProblem = await Task.detached {
            publisher.commit(author: member.name, message: "Neuvo catalog version \(version): \(note)")
        }.value
        if let gitProblem {
            app.logger.warning("staff.git_commit_failed", ["reason": .string(String(gitProblem.prefix(300)))])
        }
        app.logger.info("staff.published", ["version": .int(version)])
        return version
    }

    struct RollbackRequest: Decodable {
        let version: Int
    }

    static func rollback(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let body = try JSONBody.decode(RollbackRequest.self, from: request)
        let member = try context.staff().member
        try requireOwnCatalog(app)
        return try await publishing.run {
            guard let files = try await app.staff.files(ofVersion: body.version) else {
                throw Problem.notFound("there is no published version \(body.version) (see GET /staff/api/versions)")
            }
            let publisher = publisher(app)
            let current = try publisher.currentFiles()
            let folder = try CatalogPublisher.stage(files)
            defer { try? FileManager.default.removeItem(at: folder) }
            let errors = CatalogLoader(root: folder).load().problems.filter { $0.severity == .error }
            guard errors.isEmpty else {
                return try refusal(PublishEvaluation(problems: errors, figures: [], drops: [], tolerance: 0))
            }
            let version = try await goLive(
                app, files: files, previous: current, member: member, note: "rolled back to version \(body.version)",
                evaluation: nil, draftUpTo: nil)
            return try JSONBody.response(["version": version])
        }
    }
}

/// Runs one publication at a time.
actor PublishLock {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        while busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
