import NeuvoHTTP

// Properties of HTTPResponseParser, the webhook client's reader of whatever a provider answers:
// - feeding the bytes in two pieces (split where the first input byte says) gives the same outcome as feeding
//   them at once: the same response, or a refusal at the same point, and the same result when the peer closes;
// - a response it accepts has a status of 100–999 (never an interim 1xx), a body within the limit, and,
//   re-serialised with Content-Length framing, parses again to the same status, headers and body.

private enum Outcome: Equatable {
    case complete(HTTPClientResponse)
    case incomplete
    case refused(String)
}

private func parse(_ pieces: [ArraySlice<UInt8>], close: Bool) -> Outcome {
    var parser = HTTPResponseParser()
    parser.bodyLimit = 512
    do throws(HTTPResponseError) {
        for piece in pieces where !piece.isEmpty {
            _ = try parser.consume(Array(piece))
        }
        if close && parser.finished == nil { try parser.endOfInput() }
    } catch {
        return .refused(error.message)
    }
    return parser.finished.map(Outcome.complete) ?? .incomplete
}

private func serialise(_ response: HTTPClientResponse) -> [UInt8] {
    var bytes = Array("HTTP/1.1 \(response.status) X\r\n".utf8)
    for field in response.headers {
        let name = field.name.lowercased()
        if name == "content-length" || name == "transfer-encoding" || name == "connection" { continue }
        bytes += Array("\(field.name): \(field.value)\r\n".utf8)
    }
    bytes += Array("content-length: \(response.body.count)\r\n\r\n".utf8)
    bytes += response.body
    return bytes
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPResponse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 1 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let close = input[0] & 0x80 != 0
    let bytes = input[1...]
    let split = bytes.startIndex + Int(input[0] & 0x7F) % (bytes.count + 1)

    let whole = parse([bytes], close: close)
    let pieces = parse([bytes[..<split], bytes[split...]], close: close)
    guard whole == pieces else {
        fatalError("split at \(split - 1) changes the outcome: \(whole) vs \(pieces)")
    }
    guard case .complete(let response) = whole else { return 0 }
    guard (200...999).contains(response.status) else { fatalError("accepted status \(response.status)") }
    guard response.body.count <= 512 else { fatalError("body beyond the limit: \(response.body.count) bytes") }
    // Headers whose values the serialiser cannot write back unchanged are out of this property's reach.
    guard response.headers.allSatisfy({ !$0.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) }) else {
        return 0
    }
    let again = parse([serialise(response)[...]], close: false)
    guard case .complete(let reparsed) = again, reparsed.status == response.status, reparsed.body == response.body
    else { fatalError("re-serialised response does not parse the same: \(response) became \(again)") }
    return 0
}
