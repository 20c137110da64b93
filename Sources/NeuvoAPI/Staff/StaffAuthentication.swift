import Foundation
import NeuvoCrypto
import NeuvoHTTP
import NeuvoSupport

/// The signed-in staff session of a request, put in the context by `StaffAuthentication`.
enum SignedInStaff: RequestContextKey {
    typealias Value = StaffSession
}

extension RequestContext {
    /// The staff session of a route in a `StaffAuthentication` group.
    func staff() throws -> StaffSession {
        guard let session = self[SignedInStaff.self] else { throw Problem.unauthorized("no staff session") }
        return session
    }
}

extension HTTPRequest {
    /// A cookie's value from the `Cookie` header (RFC 6265 §5.4), or nil.
    func cookie(_ name: String) -> String? {
        for field in headers.values(for: "Cookie") {
            for pair in field.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// Methods that change state: these need the CSRF token and are audited.
    var changesState: Bool { method != .get && method != .head }
}

/// Every staff route goes through this, declared once per route group with the role the group needs:
/// - the session cookie must name a known session within its absolute expiry and idle limit, or 401
///   (`/staff/api`) or a redirect to the sign-in page (`/staff` pages);
/// - the member must have `role` (nil: any staff member), or 403;
/// - a request that changes state must carry the session's CSRF token in `X-CSRF-Token`, or 403 (`SameSite=Strict`
///   already keeps the cookie off other sites' requests; the token is the second lock);
/// - a request that changes state is audited with who, what, from where and how it ended, whatever the handler does.
struct StaffAuthentication: HTTPMiddleware {
    static let cookieName = "neuvo_staff"

    enum Refusal {
        /// 401 problem+json: the console's API.
        case problem
        /// 303 to the sign-in page: the console's pages.
        case redirect
    }

    let staff: StaffStore
    let clock: any WallClock
    let role: StaffRole?
    let refusal: Refusal
    let logger: Logger
    /// False only for signals that change nothing stored (the desk's typing indicator): still CSRF-checked.
    var auditsChanges = true

    static func api(_ app: NeuvoApplication, role: StaffRole?) -> Self {
        Self(staff: app.staff, clock: app.clock, role: role, refusal: .problem, logger: app.logger)
    }

    static func page(_ app: NeuvoApplication) -> Self {
        Self(staff: app.staff, clock: app.clock, role: nil, refusal: .redirect, logger: app.logger)
    }

    func handle(
        _ request: HTTPRequest, context: RequestContext,
        next: @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        let now = clock.now()
        var check = StaffStore.SessionCheck.unknown
        if let token = request.cookie(Self.cookieName) { check = try await staff.check(session: token, now: now) }
        guard case .valid(let session) = check else {
            if refusal == .redirect { return Self.redirect(to: "/staff/signin") }
            if check == .expired {
                throw Problem.error(
                    .unauthorized, "staff-session-expired", "The session has expired",
                    "the staff session has ended (idle too long or at its maximum age); sign in again",
                    headers: ["WWW-Authenticate": "Cookie realm=\"staff\""])
            }
            throw Problem.error(
                .unauthorized, "staff-unauthorized", "Sign-in is required",
                "sign in to the staff console (an invite link from neuvo staff invite, or the city's sign-in)",
                headers: ["WWW-Authenticate": "Cookie realm=\"staff\""])
        }
        let action = "\(request.method.rawValue) \(request.path)"
        let address = context.clientAddress
        func audit(_ status: Int) async {
            guard request.changesState, auditsChanges else { return }
            let detail = String(Redactor.standard.redact(request.bodyText).prefix(1_000))
            do {
                try await staff.audit(
                    member: session.member, action: action, detail: detail, address: address, status: status,
                    now: clock.now())
            } catch {
                logger.error("staff.audit_failed", ["action": .string(action)])
            }
        }
        if let role, !session.member.roles.contains(role) {
            await audit(403)
            throw Problem.forbidden("this needs the \(role.rawValue) role")
        }
        if request.changesState {
            let sent = request.headers["X-CSRF-Token"] ?? ""
            guard !sent.isEmpty && constantTimeEquals(Array(sent.utf8), Array(session.csrf.utf8)) else {
                await audit(403)
                throw Problem.error(
                    .forbidden, "csrf", "The CSRF token is missing or wrong",
                    "send the token of GET /staff/api/session as X-CSRF-Token")
            }
        }
        var context = context
        context[SignedInStaff.self] = session
        do {
            let response = try await next(request, context)
            await audit(response.status.code)
            return response
        } catch let error as HTTPError {
            await audit(error.status.code)
            throw error
        } catch {
            await audit(500)
            throw error
        }
    }

    /// The end of every successful sign-in (invite or the city's provider): audited, logged without who, and the
    /// session cookie set on the way to the console.
    static func signedIn(
        _ app: NeuvoApplication, member: StaffMember, session: String, method: String, detail: String,
        address: String
    ) async throws -> HTTPResponse {
        try await app.staff.audit(
            member: member, action: "signin.\(method)", detail: detail, address: address, status: 303,
            now: app.clock.now())
        app.logger.info("staff.signin", ["method": .string(method)])
        return redirect(
            to: "/staff/",
            cookie: cookie(
                session, secure: app.configuration.publicBaseURL().scheme == "https",
                maxAge: Int(app.staff.sessionMaxSeconds)))
    }

    static func redirect(to path: String, cookie: String? = nil) -> HTTPResponse {
        var response = HTTPResponse(status: HTTPStatus(code: 303))
        response.headers["Location"] = path
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        if let cookie { response.headers["Set-Cookie"] = cookie }
        return response
    }

    /// The session cookie: `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's request carries it),
    /// `Secure` when the public address is https, scoped to `/staff`.
    static func cookie(_ token: String, secure: Bool, maxAge: Int) -> String {
        "\(cookieName)=\(token); Path=/staff; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }
}
