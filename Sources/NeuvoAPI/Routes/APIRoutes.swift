import NeuvoHTTP

/// Neuvo's routes, by group: each group declares its authentication once (middleware that puts the API key or the
/// resident's session in the request context); handlers parse and check input, call one service function, and
/// format the result. The handlers live in a file per feature.
public enum APIRoutes {
    public static func router(_ app: NeuvoApplication) -> Router {
        var router = Router(defaultMaxBodyBytes: BodyLimits.standard)
        router.add(middleware: StorageErrorMiddleware())
        // Residents and the widget: anyone.
        router.post("/v1/chat", maxBodyBytes: BodyLimits.chat) { request, context in
            try await chat(app, request, context)
        }
        router.get("/v1/widget/texts") { request, _ in try widgetTexts(app, request) }
        router.get("/r/{token}") { _, context in try await linkPage(app, context) }
        router.post("/r/{token}") { _, context in try await redeemLink(app, context) }
        router.post("/r/{token}/resend") { _, context in try await resendLink(app, context) }
        router.get("/unsubscribe/{token}") { _, context in try await unsubscribePage(app, context) }
        router.post("/unsubscribe/{token}") { request, context in try await unsubscribe(app, request, context) }
        router.get("/auth/login") { request, _ in try await login(app, request) }
        router.get("/auth/callback") { request, context in try await callback(app, request, context) }
        // A resident identified by a redeemed link or strongly: what the session may see.
        router.group("/v1/me", middleware: [BearerAuthentication.residentSession(app.conversations, clock: app.clock)])
        { me in
            me.get("/arrangements") { _, context in try await myArrangements(app, context) }
            me.post("/arrangements/{id}/accept") { _, context in try await decide(app, context, .accept) }
            me.post("/arrangements/{id}/decline") { _, context in try await decide(app, context, .decline) }
        }
        // City systems and staff: an API key with the group's scope (admin keys have every scope).
        // Changing where a resident's messages go is a scope of its own.
        router.group("/v1/residents", middleware: [BearerAuthentication.apiKey(app.keys, scope: .residentsWrite)]) {
            residents in
            residents.put("/{id}") { request, context in try await putResident(app, request, context) }
        }
        router.group("/v1", middleware: [BearerAuthentication.apiKey(app.keys, scope: .arrangementsWrite)]) { city in
            city.post("/arrangements", maxBodyBytes: BodyLimits.bulk) { request, _ in
                try await createArrangements(app, request)
            }
            city.post("/notices") { request, _ in try await createNotice(app, request) }
        }
        router.group("/v1/notices", middleware: [BearerAuthentication.apiKey(app.keys, scope: .noticesRead)]) { read in
            read.get { request, _ in try await listNotices(app, request) }
            read.get("/{id}") { _, context in try await getNotice(app, context) }
        }
        router.group("/v1/admin", middleware: [BearerAuthentication.apiKey(app.keys, scope: .admin)]) { admin in
            admin.post("/reload") { _, _ in try await reload(app) }
            admin.get("/handoffs") { _, _ in try await handoffs(app) }
        }
        // Providers: the receipt's signature is its authentication.
        router.post("/v1/receipts/sms") { request, _ in try await receipt(app, request) }
        // Operations.
        router.get("/healthz") { _, _ in .json(Array(#"{"status":"ok"}"#.utf8)) }
        router.get("/readyz") { _, _ in try await ready(app) }
        router.get("/metrics") { _, _ in try await metrics(app) }
        router.get("/openapi.json") { _, _ in .json(app.assets.openAPI) }
        // The widget's files and the demo page.
        router.get("/") { request, _ in asset(app.assets.demoPage, "text/html; charset=utf-8", request, page: true) }
        router.get("/widget.js") { request, _ in asset(app.assets.script, "text/javascript; charset=utf-8", request) }
        router.get("/widget.css") { request, _ in asset(app.assets.stylesheet, "text/css; charset=utf-8", request) }
        router.post("/v1/chat/rating") { request, context in try await rateReply(app, request, context) }
        // The staff console and its API (StaffRoutes.swift): every route behind `StaffAuthentication`.
        staffRoutes(app, &router)
        // The operators' notices desk (NoticesDeskRoutes.swift).
        noticesDeskRoutes(app, &router)
        // The live hand-off: the resident's event stream and the agents' desk (AgentDeskRoutes.swift).
        agentDeskRoutes(app, &router)
        return router
    }
}

extension HTTPStatus {
    /// 207 when some items of a bulk request failed, 200 when all went through.
    static func multiStatusOrOK(_ someFailed: Bool) -> HTTPStatus { someFailed ? HTTPStatus(code: 207) : .ok }
}
