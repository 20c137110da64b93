import CCurl

/// One libcurl option value; strings are copied by libcurl (CURLOPT string options, since 7.17).
enum CurlOption {
    case long(CURLoption, Int)
    case string(CURLoption, String)
    /// A string list (CURLOPT_MAIL_RCPT, CURLOPT_HTTPHEADER), built and freed around the transfer.
    case list(CURLoption, [String])
    /// Bytes libcurl copies at once (CURLOPT_COPYPOSTFIELDS; set CURLOPT_POSTFIELDSIZE before it).
    case bytes(CURLoption, [UInt8])
}

/// Buffers that the C callbacks read from and write into, on the worker thread only.
final class TransferState {
    let upload: [UInt8]
    var uploadOffset = 0
    var body: [UInt8] = []
    var headerLines: [String] = []
    /// Providers answer with small JSON; a huge response is cut rather than held in memory.
    let bodyLimit = 64 * 1024

    init(upload: [UInt8] = []) { self.upload = upload }
}

struct CurlResponse: Sendable {
    var result: CURLcode
    /// libcurl's error buffer, or the generic text for the code.
    var error: String
    /// HTTP status or the last SMTP reply code (CURLINFO_RESPONSE_CODE); 0 when the server never answered.
    var responseCode: Int
    var headerLines: [String]
    var body: [UInt8]

    var succeeded: Bool { result == CURLE_OK }

    /// The value of the first header with this name (case-insensitive), trimmed.
    func header(_ name: String) -> String? {
        let prefix = name.lowercased() + ":"
        for line in headerLines where line.lowercased().hasPrefix(prefix) {
            return String(line.dropFirst(prefix.count)).trimmingCharacters(in: [" ", "\t", "\r", "\n"])
        }
        return nil
    }
}

extension CurlHandle {
    /// Runs one blocking transfer. The handle is reset afterwards (keeping its connection cache) so no option or
    /// list of this transfer leaks into the next one.
    func perform(_ options: [CurlOption], upload: [UInt8]? = nil) -> CurlResponse {
        defer { reset() }
        if let failed = configure(options, upload: upload) { return failed }
        return response(for: curl_easy_perform(raw))
    }

    /// Sets up a transfer: the options, the callbacks into `state`, the error buffer. Returns the response to
    /// report when an option is refused (nothing was sent). `reset()` must follow, whatever happens.
    func configure(_ options: [CurlOption], upload: [UInt8]?) -> CurlResponse? {
        let state = TransferState(upload: upload ?? [])
        self.state = state
        errorBuffer[0] = 0
        let userdata = Unmanaged.passUnretained(state).toOpaque()
        // Timeouts must not use signals: several transfers run on several threads (CURLOPT_NOSIGNAL).
        var codes = [
            neuvo_curl_setopt_long(raw, CURLOPT_NOSIGNAL, 1),
            neuvo_curl_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer),
            neuvo_curl_setopt_io_callback(raw, CURLOPT_WRITEFUNCTION) { buffer, size, count, userdata in
                let state = Unmanaged<TransferState>.fromOpaque(userdata!).takeUnretainedValue()
                let length = size * count
                let room = max(0, state.bodyLimit - state.body.count)
                if let buffer, room > 0 {
                    buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
                        state.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(room, length)))
                    }
                }
                return length
            },
            neuvo_curl_setopt_pointer(raw, CURLOPT_WRITEDATA, userdata),
            neuvo_curl_setopt_io_callback(raw, CURLOPT_HEADERFUNCTION) { buffer, size, count, userdata in
                let state = Unmanaged<TransferState>.fromOpaque(userdata!).takeUnretainedValue()
                let length = size * count
                if let buffer, state.headerLines.count < 200 {
                    buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
                        state.headerLines.append(
                            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self))
                    }
                }
                return length
            },
            neuvo_curl_setopt_pointer(raw, CURLOPT_HEADERDATA, userdata),
        ]
        if upload != nil {
            codes.append(
                neuvo_curl_setopt_io_callback(raw, CURLOPT_READFUNCTION) { buffer, size, count, userdata in
                    let state = Unmanaged<TransferState>.fromOpaque(userdata!).takeUnretainedValue()
                    let length = min(size * count, state.upload.count - state.uploadOffset)
                    guard let buffer, length > 0 else { return 0 }
                    state.upload.withUnsafeBytes { source in
                        UnsafeMutableRawPointer(buffer).copyMemory(
                            from: source.baseAddress! + state.uploadOffset, byteCount: length)
                    }
                    state.uploadOffset += length
                    return length
                })
            codes.append(neuvo_curl_setopt_pointer(raw, CURLOPT_READDATA, userdata))
            // Without a seek function libcurl cannot resend the body when a kept-alive connection turns out to
            // be closed (error 65, "send failed since rewinding of the data stream failed").
            codes.append(
                neuvo_curl_setopt_seek_callback(raw, CURLOPT_SEEKFUNCTION) { userdata, offset, origin in
                    let state = Unmanaged<TransferState>.fromOpaque(userdata!).takeUnretainedValue()
                    guard origin == SEEK_SET, offset >= 0, offset <= state.upload.count else { return 1 }  // FAIL
                    state.uploadOffset = Int(offset)
                    return 0  // CURL_SEEKFUNC_OK
                })
            codes.append(neuvo_curl_setopt_pointer(raw, CURLOPT_SEEKDATA, userdata))
        }
        for option in options {
            switch option {
            case .long(let name, let value):
                codes.append(neuvo_curl_setopt_long(raw, name, value))
            case .string(let name, let value):
                codes.append(neuvo_curl_setopt_string(raw, name, value))
            case .bytes(let name, let bytes):
                codes.append(
                    bytes.withUnsafeBytes {
                        neuvo_curl_setopt_pointer(raw, name, UnsafeMutableRawPointer(mutating: $0.baseAddress))
                    })
            case .list(let name, let values):
                var list: UnsafeMutablePointer<curl_slist>?
                for value in values { list = curl_slist_append(list, value) }
                if let list { lists.append(list) }
                codes.append(neuvo_curl_setopt_slist(raw, name, list))
            }
        }
        guard let failed = codes.first(where: { $0 != CURLE_OK }) else { return nil }
        return CurlResponse(
            result: failed, error: String(cString: curl_easy_strerror(failed)), responseCode: 0, headerLines: [],
            body: [])
    }

    /// What the finished transfer gave, with libcurl's `result` for it.
    func response(for result: CURLcode) -> CurlResponse {
        var responseCode = 0
        _ = neuvo_curl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &responseCode)
        let detail = String(cString: errorBuffer)
        return CurlResponse(
            result: result, error: detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail,
            responseCode: responseCode, headerLines: state.headerLines, body: state.body)
    }

    /// Clears the options (the connection cache stays) and frees this transfer's lists.
    func reset() {
        curl_easy_reset(raw)
        for list in lists { curl_slist_free_all(list) }
        lists.removeAll(keepingCapacity: true)
    }
}
