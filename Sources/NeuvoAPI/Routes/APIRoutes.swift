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
        router.get("/r/{token}") { request, context in try await identify(app, request, context) }
        // A resident identified by a notice link: the session's resident.
        router.group("/v1/me", middleware: [BearerAuthentication.residentSession(app.conversations)]) { me in
            me.get("/arrangements") { _, context in try await myArrangements(app, context) }
            me.post("/arrangements/{id}/accept") { _, context in try await decide(app, context, .accept) }
            me.post("/arrangements/{id}/decline") { _, context in try await decide(app, context, .decline) }
        }
        // City systems and staff: an API key with the group's scope (admin keys have every scope).
        router.group("/v1", middleware: [BearerAuthentication.apiKey(app.keys, scope: .arrangementsWrite)]) { city in
            city.put("/residents/{id}") { request, context in try await putResident(app, request, context) }
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
        return router
    }
}

extension HTTPStatus {
    /// 207 when some items of a bulk request failed, 200 when all went through.
    static func multiStatusOrOK(_ someFailed: Bool) -> HTTPStatus { someFailed ? HTTPStatus(code: 207) : .ok }
}
