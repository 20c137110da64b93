import Dispatch
import Foundation
import NeuvoAPI
import NeuvoArrangements
import NeuvoCatalog
import NeuvoCrypto
import NeuvoHTTP
import NeuvoNotifications
import NeuvoStorage
import NeuvoSupport
import NeuvoTestSupport

// Property: whatever the JSON body of an API route, the response is never 5xx, and every 4xx is
// application/problem+json with a string `type` and a string `detail`.
//
// Input: byte 0 picks the route (its high bits the client address and an X-Forwarded-For from the body's first
// line, through a trusted proxy), byte 1 the path's {id} and options, the rest is the body. Receipts carry a
// webhook-id taken from the input, so replays, duplicates and conflicts are reached; chat meets the rate limits. In the body, "$NOTICE"
// and "$ARRANGEMENT" become the id of a real notice and arrangement, so receipts and decisions can reach them.
// One application over a temporary database serves every input (built once, as in Tests/NeuvoAPITests).

private let receiptSecret = "whsec_" + Data(repeating: 9, count: 32).base64EncodedString()

private final class ResultBox<Value>: @unchecked Sendable {
    var value: Value?
}

/// Runs async work from the synchronous fuzz entry point: the task runs on Swift's pool while this thread (libFuzzer's
/// main thread, not one of the pool's) waits.
private func runBlocking<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) -> Value {
    let box = ResultBox<Result<Value, any Error>>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            box.value = .success(try await work())
        } catch {
            box.value = .failure(error)
        }
        done.signal()
    }
    done.wait()
    switch box.value! {
    case .success(let value): return value
    case .failure(let error): fatalError("fixture setup failed: \(error)")
    }
}

private struct Fixture: Sendable {
    let client: HTTPTestClient
    let clock: ManualClock
    let adminKey: String
    let session: String
    let arrangementID: String
    let otherArrangementID: String
    let noticeID: String
    let signer: WebhookSigner

    static func make() async throws -> Fixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-fuzz-api-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = Configuration(environment: [:])
        configuration.databasePath = folder.appendingPathComponent("neuvo.db").path
        configuration.smsReceiptSecret = receiptSecret
        configuration.trustedProxies = "127.0.0.1"
        configuration.chatPerAddressPerMinute = 30
        configuration.linkSigningSecret = "fuzz-key"
        configuration.publicBaseURL = URL(string: "https://neuvo.example")!
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_600_800))
        let app = try await NeuvoRuntime.open(
            configuration: configuration, logger: Logger(label: "fuzz", sink: LogSink { _ in }), use: .conversation,
            clock: clock, catalog: LiveCatalog(Catalog.load(root: projectRoot)), channels: [:]
        ).application()
        // The application's own server configuration: body limits, trusted proxies, problem documents.
        var serverConfiguration = app.serverConfiguration()
        serverConfiguration.accessLog = nil
        let client = HTTPTestClient(responder: APIRoutes.router(app), configuration: serverConfiguration)
        for (id, lang) in [("R1", "fi"), ("R2", "sv")] {
            try await app.gateway.arrangements.upsert(
                Resident(
                    id: id, name: "Resident \(id)", language: lang, email: "\(id.lowercased())@example.org",
                    consentEmail: true),
                now: clock.now())
        }
        var arrangements: [String] = []
        for resident in ["R1", "R2"] {
            let outcome = try await app.intake.arrange(
                ArrangementRequest(
                    resident: resident, kind: "preschool_place",
                    details: ["unit": "Kallion ala-aste", "start_date": "2027-08-01", "accept_by": "2027-03-15"]))
            arrangements.append(outcome.arrangementID)
        }
        let token = app.gateway.links.token(
            .open, residentID: "R1", arrangementID: arrangements[0], now: clock.now())
        let redirect = await client.execute(.post, "/r/\(token)", headers: [:], body: [])
        let session = String((redirect.headers["Location"] ?? "").split(separator: "=").last ?? "")
        guard !session.isEmpty, let notice = try await app.gateway.notices.notices(residentID: "R1").first else {
            fatalError("no session or notice for R1: \(redirect.status)")
        }
        return Fixture(
            client: client, clock: clock,
            adminKey: try await app.keys.create(name: "fuzz", scopes: [.admin], now: clock.now()),
            session: session, arrangementID: arrangements[0], otherArrangementID: arrangements[1], noticeID: notice.id,
            signer: try WebhookSigner(secret: receiptSecret))
    }
}

private let fixture = runBlocking { try await Fixture.make() }

private enum Auth {
    case none, key, session
}

private func route(_ selector: UInt8, id: String) -> (HTTPMethod, String, Auth) {
    switch selector % 8 {
    case 0: (.post, "/v1/chat", .none)
    case 1: (.put, "/v1/residents/\(id)", .key)
    case 2: (.post, "/v1/arrangements", .key)
    case 3: (.post, "/v1/notices", .key)
    case 4: (.post, "/v1/receipts/sms", .none)
    case 5: (.get, "/v1/me/arrangements", .session)
    case 6: (.post, "/v1/me/arrangements/\(id)/accept", .session)
    default: (.post, "/v1/me/arrangements/\(id)/decline", .session)
    }
}

private func pathID(_ selector: UInt8) -> String {
    switch (selector >> 1) % 8 {
    case 0: fixture.arrangementID
    case 1: fixture.otherArrangementID
    case 2: "R1"
    case 3: "R3"
    case 4: "%C3%A4iti%20%F0%9F%98%80"
    case 5: "%00%0D%0A"
    case 6: "%FF"
    default: String(repeating: "x", count: 300)
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    _ = fixture
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAPIBodies(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 2 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let (method, target, auth) = route(input[0], id: pathID(input[1]))
    var body = Array(input[2...])
    for (name, value) in [("$NOTICE", fixture.noticeID), ("$ARRANGEMENT", fixture.arrangementID)] {
        let (needle, replacement) = (Array(name.utf8), Array(value.utf8))
        var index = 0
        while index + needle.count <= body.count {
            if body[index..<index + needle.count].elementsEqual(needle) {
                body.replaceSubrange(index..<index + needle.count, with: replacement)
                index += replacement.count
            } else {
                index += 1
            }
        }
    }

    var headers: HTTPHeaders = input[1] & 1 == 0 ? ["Content-Type": "application/json"] : [:]
    switch auth {
    case .none: break
    case .key: headers["Authorization"] = "Bearer \(fixture.adminKey)"
    case .session: headers["Authorization"] = "Bearer \(fixture.session)"
    }
    if target.hasSuffix("/sms") {
        let time = Int(fixture.clock.now().timeIntervalSince1970)
        // A few ids, so the same receipt id comes back: applied once, then a duplicate.
        let id = "msg_\(input.count % 7)_\(input[1] % 3)"
        headers["webhook-id"] = id
        headers["webhook-timestamp"] = String(time)
        headers["webhook-signature"] = fixture.signer.sign(id: id, timestamp: time, body: body)
    }
    if target == "/v1/arrangements" && input[1] & 2 != 0 {
        headers["Idempotency-Key"] = "fuzz-\(input[1])"
    }
    if input[0] & 0x40 != 0, let line = body.split(separator: UInt8(ascii: "\n")).first {
        headers["X-Forwarded-For"] = String(decoding: line.prefix(200), as: UTF8.self).filter {
            !$0.isNewline && $0 != "\0"
        }
    }
    let peer = input[0] & 0x80 != 0 ? "127.0.0.1:4000" : "192.0.2.\(input[1] % 4):4000"
    let request = HTTPRequest(method: method, target: target, headers: headers, body: body)
    let response = runBlocking { await fixture.client.execute(request, remoteAddress: peer) }
    if response.status.code == 429, response.headers["Retry-After"].flatMap(Int.init) ?? 0 < 1 {
        fatalError("429 without a Retry-After of at least a second for \(method) \(target)")
    }

    let described = "\(method) \(target) with \(String(decoding: body, as: UTF8.self).debugDescription)"
    guard response.status.code < 500 else {
        fatalError("\(response.status) for \(described): \(String(decoding: response.body, as: UTF8.self))")
    }
    if (400..<500).contains(response.status.code) {
        let problem = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        guard response.headers["Content-Type"] == "application/problem+json", problem?["type"] is String,
            problem?["detail"] is String
        else {
            fatalError(
                "\(response.status) for \(described) is not a problem with type and detail: "
                    + "\(response.headers["Content-Type"] ?? "no Content-Type") "
                    + String(decoding: response.body, as: UTF8.self))
        }
    }
    return 0
}
