import Foundation
import NeuvoArrangements
import NeuvoCatalog
import NeuvoStorage
import NeuvoSupport

/// What city systems send in: arrangements (each with its notice, in one transaction) and residents, from the CLI's
/// files or the HTTP API. An application service of its own, over the gateway that plans and stores notices.
public struct IntakeService: Sendable {
    public let gateway: GatewayService
    /// Quiet hours of residents whose record does not say (the `quiet_hours` setting).
    public let defaultQuietHours: QuietHours

    /// Units' and districts' names by language, for arrangements that give a Service Map `unit_id` or a district.
    public let placeNames: (any PlaceNames)?

    public init(
        gateway: GatewayService, defaultQuietHours: QuietHours = QuietHours(start: 21 * 60, end: 8 * 60),
        placeNames: (any PlaceNames)? = nil
    ) {
        self.gateway = gateway
        self.defaultQuietHours = defaultQuietHours
        self.placeNames = placeNames
    }

    /// Details each kind needs, for its notice and for the chat.
    public static let requiredDetails: [Arrangement.Kind: [String]] = [
        .preschoolPlace: ["unit", "start_date", "accept_by"],
        .healthCheckup: ["unit", "time"],
        .budgetingVote: ["district", "closes"],
        .planningDecision: ["title", "url"],
    ]

    static func template(for kind: Arrangement.Kind, sensitivity: Arrangement.Sensitivity) -> NoticeTemplate {
        if sensitivity == .sensitive { return .sensitiveMessage }
        switch kind {
        case .preschoolPlace: return .preschoolPlace
        case .healthCheckup: return .sensitiveMessage
        case .budgetingVote: return .budgetingVote
        case .planningDecision: return .planningDecision
        }
    }

    /// Checks a request without touching the database.
    public static func validate(_ request: ArrangementRequest) throws(GatewayError) -> Arrangement.Kind {
        guard !request.resident.isEmpty else { throw .invalid("\"resident\" is empty") }
        guard let kind = Arrangement.Kind(rawValue: request.kind) else { throw .unknownKind(request.kind) }
        for field in requiredDetails[kind] ?? [] where (request.details[field] ?? "").isEmpty {
            throw .missingDetail(kind: kind.rawValue, field: field)
        }
        if let key = request.idempotencyKey, key.isEmpty || key.count > 200 {
            throw .invalid("idempotency_key must have 1 to 200 characters")
        }
        return kind
    }

    /// Creates the arrangement and queues its notice in one transaction. The same idempotency key gives the same
    /// arrangement and the same notice, never a second one.
    public func arrange(_ request: ArrangementRequest) async throws -> ArrangeOutcome {
        try await arrange([request])[0].get()
    }

    /// Many arrangements: a bad row is reported with its reason and writes nothing; the good rows are stored in
    /// one transaction. In three steps, so that the database's thread only runs SQL:
    ///
    /// 1. one read: each row's resident, and what an idempotency key already used made;
    /// 2. here, on the caller's task: the arrangement and its notice planned, rendered, signed and encoded;
    /// 3. one write: the inserts. A key used by someone else between 1 and 3 (another request, or the same key
    ///    twice in this batch) gives back what that made, or a conflict, exactly as if found in step 1.
    ///
    /// An error in a step is the database's, not a row's: the whole batch fails and nothing of it is kept.
    public func arrange(_ given: [ArrangementRequest]) async throws -> [Result<ArrangeOutcome, GatewayError>] {
        // Names by language first, so that a retry of the same request resolves to the same details and is
        // recognised by its idempotency key.
        var resolved = given
        if let placeNames {
            for index in resolved.indices {
                resolved[index].details = await LocalizedDetails.resolvingPlaces(
                    resolved[index].details, with: placeNames)
            }
        }
        let requests = resolved
        let now = gateway.clock.now()
        let renderer = gateway.renderer()
        let links = gateway.links
        let kinds = requests.map { request in Result { () throws(GatewayError) in try Self.validate(request) } }

        let found = try await gateway.arrangements.database.read { connection in
            try zip(requests, kinds).map { request, kind -> Lookup in
                guard case .success(let kind) = kind else { return .refused }
                if let key = request.idempotencyKey,
                    let earlier = try Self.earlier(key: key, request: request, kind: kind, in: connection)
                {
                    return .done(earlier)
                }
                guard let resident = try ArrangementStore.resident(request.resident, in: connection) else {
                    return .done(.failure(.unknownResident(request.resident)))
                }
                return .resident(resident)
            }
        }

        var results: [Result<ArrangeOutcome, GatewayError>?] = kinds.map { kind in
            if case .failure(let error) = kind { .failure(error) } else { nil }
        }
        var planned: [PlannedArrangement] = []
        for (index, lookup) in found.enumerated() {
            switch lookup {
            case .refused: continue
            case .done(let result): results[index] = result
            case .resident(let resident):
                do {
                    planned.append(
                        try Self.plan(
                            requests[index], index: index, kind: try kinds[index].get(), resident: resident, now: now,
                            renderer: renderer, links: links))
                } catch {
                    results[index] = .failure(error)
                }
            }
        }

        if !planned.isEmpty {
            let written = try await gateway.arrangements.database.write { [planned] connection in
                try planned.map { item in (item.index, try Self.write(item, in: connection)) }
            }
            for (index, result) in written { results[index] = result }
        }
        return results.map { $0! }
    }

    enum Lookup: Sendable {
        /// The request itself was refused before any read.
        case refused
        /// Made earlier under the same idempotency key (or refused as a conflict, or an unknown resident).
        case done(Result<ArrangeOutcome, GatewayError>)
        case resident(Resident)
    }

    /// A row ready to insert: everything computed, the JSON columns encoded.
    struct PlannedArrangement: Sendable {
        let index: Int
        let request: ArrangementRequest
        let kind: Arrangement.Kind
        let arrangement: Arrangement
        let encodedDetails: String
        let notice: Notice?
        let encodedPersonalisation: String?
    }

    /// What an idempotency key already made: the same arrangement again, or a conflict when the content differs
    /// (a client mistake, not a retry: refused rather than merged); nil when the key is new.
    static func earlier(key: String, request: ArrangementRequest, kind: Arrangement.Kind, in connection: Connection)
        throws -> Result<ArrangeOutcome, GatewayError>?
    {
        guard let existing = try ArrangementStore.arrangement(idempotencyKey: key, in: connection) else { return nil }
        guard existing.residentID == request.resident, existing.kind == kind, existing.details == request.details
        else {
            return .failure(.idempotencyConflict(key))
        }
        let notice = try NoticeStore.firstNotice(arrangementID: existing.id, in: connection)
        return .success(
            ArrangeOutcome(
                arrangementID: existing.id, noticeID: notice?.id, created: false, channel: notice?.channel, note: nil))
    }

    static func plan(
        _ request: ArrangementRequest, index: Int, kind: Arrangement.Kind, resident: Resident, now: Date,
        renderer: NoticeRenderer, links: ResidentLinkSigner
    ) throws(GatewayError) -> PlannedArrangement {
        let arrangement = Arrangement(
            id: Identifier.make("arr", now: now), residentID: resident.id, kind: kind, details: request.details,
            deadline: request.details["accept_by"].flatMap(DateText.parseDay), reference: request.reference,
            createdAt: now)
        let notice: Notice?
        do {
            notice = try NoticePlanner.plan(
                template(for: kind, sensitivity: arrangement.sensitivity), for: resident, arrangement: arrangement,
                idempotencyKey: "arrangement:" + (request.idempotencyKey ?? arrangement.id),
                urgent: request.urgent ?? false,
                now: now, renderer: renderer, links: links)
        } catch let error as NoticeRenderError {
            throw .invalid(error.description)
        } catch {
            throw .invalid("\(error)")
        }
        return PlannedArrangement(
            index: index, request: request, kind: kind, arrangement: arrangement,
            encodedDetails: JSONString.object(arrangement.details), notice: notice,
            encodedPersonalisation: notice.map { JSONString.object($0.personalisation) })
    }

    /// Inserts a planned row. Any error thrown here is the database's.
    static func write(_ item: PlannedArrangement, in connection: Connection) throws -> Result<
        ArrangeOutcome, GatewayError
    > {
        let inserted = try ArrangementStore.insert(
            item.arrangement, idempotencyKey: item.request.idempotencyKey, residentChecked: true,
            encodedDetails: item.encodedDetails, in: connection)
        guard inserted else {
            // The key was taken since the read (insert only skips on the idempotency key's unique index).
            guard let key = item.request.idempotencyKey,
                let earlier = try earlier(key: key, request: item.request, kind: item.kind, in: connection)
            else { throw GatewayError.invalid("the arrangement could not be stored") }
            return earlier
        }
        guard let notice = item.notice else {
            return .success(
                ArrangeOutcome(
                    arrangementID: item.arrangement.id, noticeID: nil, created: true, channel: nil,
                    note: "the resident has no consented channel with an address; no notice was queued"))
        }
        let stored = try NoticeStore.insert(notice, encodedPersonalisation: item.encodedPersonalisation, in: connection)
        return .success(
            ArrangeOutcome(
                arrangementID: item.arrangement.id, noticeID: stored.notice.id, created: true,
                channel: notice.channel.rawValue, note: nil,
                heldUntil: notice.nextAttemptAt > notice.createdAt
                    ? notice.nextAttemptAt.formatted(Date.ISO8601FormatStyle()) : nil))
    }
}
