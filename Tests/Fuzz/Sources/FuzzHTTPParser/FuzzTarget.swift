import NeuvoHTTP

// Property: every request HTTPRequestParser accepts, re-serialised (method, target, version, headers, body framed by
// Content-Length), parses again to the same request with nothing left over; and feeding the bytes in two pieces
// (split where the first input byte says) gives the same requests, and fails or not, as feeding them at once.

/// The requests parsed from `pieces` in order, and whether the parser refused the connection.
private func parseAll(_ pieces: [ArraySlice<UInt8>]) -> (requests: [HTTPRequest], failed: Bool) {
    var parser = HTTPRequestParser()
    var requests: [HTTPRequest] = []
    for piece in pieces {
        parser.append(piece)
        do {
            while let request = try parser.next() { requests.append(request) }
        } catch {
            return (requests, true)
        }
    }
    return (requests, false)
}

private func serialise(_ request: HTTPRequest) -> [UInt8] {
    var bytes = Array("\(request.method.rawValue) \(request.target) \(request.version)\r\n".utf8)
    for field in request.headers {
        bytes += Array("\(field.name): \(field.value)\r\n".utf8)
    }
    bytes += Array("\r\n".utf8)
    bytes += request.body
    return bytes
}

private func describe(_ request: HTTPRequest) -> String {
    "\(request.method) \(request.target) \(request.version) [\(request.headers.description.debugDescription)] "
        + "body \(request.body.count) bytes"
}

private func same(_ lhs: HTTPRequest, _ rhs: HTTPRequest) -> Bool {
    lhs.method == rhs.method && lhs.target == rhs.target && lhs.version == rhs.version && lhs.headers == rhs.headers
        && lhs.body == rhs.body && lhs.path == rhs.path && lhs.rawPath == rhs.rawPath && lhs.query == rhs.query
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let bytes = input[1...]
    let split = bytes.startIndex + Int(input[0]) % (bytes.count + 1)

    let whole = parseAll([bytes])
    let pieces = parseAll([bytes[..<split], bytes[split...]])
    guard whole.requests.count == pieces.requests.count, whole.failed == pieces.failed,
        zip(whole.requests, pieces.requests).allSatisfy(same)
    else {
        fatalError(
            "split at \(split - 1) changes the outcome: \(whole.requests.map(describe)) failed \(whole.failed) vs "
                + "\(pieces.requests.map(describe)) failed \(pieces.failed)")
    }

    for request in whole.requests {
        let again = parseAll([serialise(request)[...]])
        guard again.requests.count == 1, !again.failed, same(request, again.requests[0]) else {
            fatalError(
                "re-serialised request does not parse the same: \(describe(request)) became "
                    + "\(again.requests.map(describe)) failed \(again.failed)")
        }
    }
    return 0
}
