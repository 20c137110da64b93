import Foundation
import NeuvoArrangements
import NeuvoHTTP
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport

/// The notices desk of the staff console (role `operator`): the outbox by kind, channel and status, campaigns and
/// the dispatcher's pace, dead letters, a notice's whole trail, and a retry after a fix. Every write goes through
/// `StaffAuthentication` (session, role, CSRF, audit) and the outbox's one status-changing path
/// (`NoticeStore.retry`); residents' details are shown only for a stated reason, and that look is audited.
extension APIRoutes {
    static func noticesDeskRoutes(_ app: NeuvoApplication, _ router: inout Router) {
        // Pages of the console, drawn by `notices.js`.
        router.group("/staff", middleware: [StaffAuthentication.page(app)]) { pages in
            pages.get("/notices") { request, _ in staffPage(app, request) }
            pages.get("/notices/{id}") { request, _ in staffPage(app, request) }
        }
        router.group("/staff/api", middleware: [StaffAuthentication.api(app, role: .operator)]) { api in
            api.get("/notices/summary") { request, _ in try await noticesSummary(app, request) }
            api.get("/notices") { request, _ in try await noticesList(app, request) }
            api.get("/notices/{id}") { _, context in try await noticeTrail(app, context) }
            api.post("/notices/{id}/retry") { _, context in try await retryNotice(app, context) }
            api.post("/notices/retry") { request, context in try await retryNotices(app, request, context) }
            api.post("/notices/{id}/resident") { request, context in
                try await noticeResident(app, request, context)
            }
        }
    }

    /// Dead letters: final failures that nothing will send again unless an operator retries them.
    static let deadLetterStatuses: [NoticeStatus] = [.dead, .permanentFailure]

    /// The desk's numbers, with the outbox's version as a validator: a poll that sends it back in `If-None-Match`
    /// while nothing changed gets 304 for the price of one index step.
    static func noticesSummary(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        let version = try await app.gateway.notices.deskVersion()
        let desk = NoticeDeskSummary.of(app.database)
        let now = app.clock.now()
        let zone = app.gateway.notices.timeZone
        let summary = try await desk.summary(version: version) { connection in
            try summaryBody(now: now, timeZone: zone, in: connection)
        }
        let etag = NoticeDeskSummary.etag(summary.version)
        if request.headers["If-None-Match"] == etag {
            return HTTPResponse(status: .notModified, headers: ["ETag": etag, "Cache-Control": "no-store"])
        }
        var response = HTTPResponse.json(summary.body)
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = "no-store"
        return response
    }

    /// The summary's JSON, on the desk's own read-only connection (`NoticeDeskSummary`).
    static func summaryBody(now: Date, timeZone: TimeZone, in connection: Connection) throws -> [UInt8] {
        let version = try NoticeStore.deskVersion(in: connection)
        let summary = try NoticeStore.deskSummary(now: now, timeZone: timeZone, in: connection)
        let dead = try NoticeStore.deskNotices(
            statuses: deadLetterStatuses, kind: nil, channel: nil, limit: 100, in: connection)
        struct Body: Encodable {
            let version: String
            let generatedAt: Date
            let counts: [NoticeStore.StatusCount]
            let campaigns: [NoticeStore.Campaign]
            let hours: [NoticeStore.HourCount]
            let deadLetters: [NoticeStore.DeskNotice]

            enum CodingKeys: String, CodingKey {
                case version, counts, campaigns, hours
                case generatedAt = "generated_at"
                case deadLetters = "dead_letters"
            }
        }
        return Array(
            try JSONBody.encoder.encode(
                Body(
                    version: NoticeDeskSummary.etag(version), generatedAt: now, counts: summary.counts,
                    campaigns: summary.campaigns, hours: summary.hours, deadLetters: dead.map(redacted))))
    }

    static func noticesList(_ app: NeuvoApplication, _ request: HTTPRequest) async throws -> HTTPResponse {
        var statuses: [NoticeStatus] = []
        for name in (request.queryParameter("status") ?? "").split(separator: ",") {
            guard let status = NoticeStatus(rawValue: String(name)) else {
                throw Problem.validation(
                    "status must be one or more of "
                        + NoticeStatus.allCases.map(\.rawValue).joined(separator: ", ") + ", separated by commas")
            }
            statuses.append(status)
        }
        var channel: ChannelKind?
        if let name = request.queryParameter("channel") {
            guard let kind = ChannelKind(rawValue: name) else {
                throw Problem.validation("channel must be email or sms")
            }
            channel = kind
        }
        let kind = request.queryParameter("kind")
        if let kind, kind.isEmpty || kind.count > 100 { throw Problem.validation("kind must have 1 to 100 characters") }
        let limitText = request.queryParameter("limit") ?? "100"
        guard let limit = Int(limitText), (1...1_000).contains(limit) else {
            throw Problem.validation("limit must be a number from 1 to 1000")
        }
        let found = try await app.gateway.notices.deskNotices(
            statuses: statuses, kind: kind, channel: channel, limit: limit)
        return try JSONBody.response(["notices": found.map(redacted)])
    }

    /// What the desk shows of a provider's or a dispatcher's words: an error may quote an address or a number.
    static func redacted(_ notice: NoticeStore.DeskNotice) -> NoticeStore.DeskNotice {
        var shown = notice
        shown.lastError = notice.lastError.map(Redactor.standard.redact)
        return shown
    }

    /// One step of a notice's trail: a change of status (a receipt is one) or a delivery attempt with the
    /// provider's answer.
    struct TrailEvent: Encodable {
        let at: Date
        /// `transition`, `receipt` or `attempt`.
        let type: String
        let from: String?
        let to: String?
        let reason: String?
        let attempt: Int?
        let outcome: String?
        let detail: String?
        let finishedAt: Date?

        enum CodingKeys: String, CodingKey {
            case at, type, from, to, reason, attempt, outcome, detail
            case finishedAt = "finished_at"
        }
    }

    /// Notice ids are short and plain; anything else names no notice.
    static func isNoticeID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64
            && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    static func noticeID(_ context: RequestContext) throws -> String {
        let id = context.pathParameters["id"] ?? ""
        guard isNoticeID(id) else { throw Problem.notFound("there is no notice with this id") }
        return id
    }

    /// The notice and every step of its delivery, oldest first; the resident's details are not in it (see
    /// `noticeResident`).
    static func noticeTrail(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let id = try noticeID(context)
        guard let notice = try await app.gateway.notices.deskNotice(id) else {
            throw Problem.notFound("there is no notice \(id)")
        }
        let history = try await app.gateway.notices.history(of: id)
        var events: [TrailEvent] = history.transitions.map { step in
            let receipt = step.reason.contains("receipt")
            return TrailEvent(
                at: step.at, type: receipt ? "receipt" : "transition", from: step.from, to: step.to,
                reason: Redactor.standard.redact(step.reason), attempt: nil, outcome: nil, detail: nil, finishedAt: nil)
        }
        events += history.attempts.map { attempt in
            TrailEvent(
                at: attempt.startedAt, type: "attempt", from: nil, to: nil, reason: nil, attempt: attempt.attempt,
                outcome: attempt.outcome, detail: attempt.detail.map(Redactor.standard.redact),
                finishedAt: attempt.finishedAt)
        }
        // By time; within one millisecond a claim (to queued or sending) comes before the attempt it starts and the
        // attempt before the status it ends in.
        func rank(_ event: TrailEvent) -> Int {
            if event.type == "attempt" { return 1 }
            return event.to == "queued" || event.to == "sending" ? 0 : 2
        }
        let ordered = events.enumerated().sorted {
            ($0.element.at, rank($0.element), $0.offset) < ($1.element.at, rank($1.element), $1.offset)
        }.map(\.element)
        struct Body: Encodable {
            let notice: NoticeStore.DeskNotice
            let trail: [TrailEvent]
        }
        var response = try JSONBody.response(Body(notice: redacted(notice), trail: ordered))
        response.headers["Cache-Control"] = "no-store"
        return response
    }

    /// An operator's retry after a fix: back to the queue with the same id (receivers de-duplicate on it). Refused
    /// with a problem document for a notice that is not a dead letter, or whose content retention has erased.
    static func retryNotice(_ app: NeuvoApplication, _ context: RequestContext) async throws -> HTTPResponse {
        let id = try noticeID(context)
        let previous: NoticeStatus
        switch try await retry(app, id, by: try context.staff().member) {
        case .success(let status): previous = status
        case .failure(let problem): throw problem
        }
        return try JSONBody.response([
            "id": id, "status": NoticeStatus.queued.rawValue, "previous_status": previous.rawValue,
        ])
    }

    struct RetryRequest: Decodable {
        let ids: [String]
    }

    /// Many dead letters at once (after a provider's outage), each as `retryNotice` would, each on its own: one that
    /// is refused does not stop the others, and the answer says which and why.
    static func retryNotices(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext) async throws
        -> HTTPResponse
    {
        let body = try JSONBody.decode(RetryRequest.self, from: request)
        guard (1...500).contains(body.ids.count) else { throw Problem.validation("ids must list 1 to 500 notice ids") }
        let member = try context.staff().member
        var retried: [String] = []
        var refused: [JSONValue] = []
        for id in body.ids {
            switch try await retry(app, id, by: member) {
            case .success: retried.append(id)
            case .failure(let problem):
                refused.append(
                    .object([
                        "id": .string(id), "type": .string(problem.type ?? ""), "detail": .string(problem.detail ?? ""),
                    ]))
            }
        }
        return try JSONBody.response([
            "retried": JSONValue.array(retried.map { .string($0) }), "refused": .array(refused),
        ])
    }

    /// One retry through `NoticeStore.retry`, its refusal as the problem to answer with.
    static func retry(_ app: NeuvoApplication, _ id: String, by member: StaffMember) async throws -> Result<
        NoticeStatus, HTTPError
    > {
        guard isNoticeID(id) else { return .failure(Problem.notFound("there is no notice with this id")) }
        do {
            let previous = try await app.gateway.notices.retry(
                id, reason: "retried by operator \(member.name)", now: app.clock.now())
            NoticeDeskSummary.of(app.database).invalidate()
            app.logger.info("staff.notice_retried", ["from": .string(previous.rawValue)])
            return .success(previous)
        } catch NoticeError.notFound {
            return .failure(Problem.notFound("there is no notice \(id)"))
        } catch NoticeError.notAllowed(_, let from, _) {
            return .failure(
                Problem.error(
                    .conflict, "notice-not-retryable", "Only a dead or permanently failed notice can be sent again",
                    "notice \(id) is \(from.rawValue); a retry is for dead and permanently failed notices, once each"))
        } catch NoticeError.contentErased(_, let at) {
            return .failure(
                Problem.error(
                    .conflict, "notice-content-erased", "The notice's content has been erased",
                    "notice \(id)'s content was erased on \(ISO8601DateFormatter().string(from: at)) under the "
                        + "retention rule (notice_retention_days), so it cannot be sent again; the city system can "
                        + "send a new one"))
        }
    }

    struct ResidentRequest: Decodable {
        let reason: String
    }

    /// The resident's name and contact details, for a stated reason (10 to 500 characters) that the audit row of
    /// this request keeps (`StaffAuthentication` audits every POST with its body).
    static func noticeResident(_ app: NeuvoApplication, _ request: HTTPRequest, _ context: RequestContext)
        async throws -> HTTPResponse
    {
        let id = try noticeID(context)
        let body = try JSONBody.decode(ResidentRequest.self, from: request)
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (10...500).contains(reason.count) else {
            throw Problem.error(
                .unprocessableContent, "reason-required", "A reason is required",
                "say why you need the resident's details (10 to 500 characters): the reason is kept in the audit log")
        }
        guard let notice = try await app.gateway.notices.notice(id) else {
            throw Problem.notFound("there is no notice \(id)")
        }
        guard let resident = try await app.gateway.arrangements.resident(notice.residentID) else {
            throw Problem.notFound("the resident of notice \(id) is no longer on file")
        }
        var response = try JSONBody.response([
            "resident": JSONValue.string(resident.id), "name": .string(resident.name),
            "language": .string(resident.language), "email": resident.email.map(JSONValue.string) ?? .null,
            "phone": resident.phone.map(JSONValue.string) ?? .null,
        ])
        response.headers["Cache-Control"] = "no-store"
        return response
    }
}
