import NeuvoCrypto

// Property: the ID-token verifier never crashes or hangs on hostile bytes, and accepts nothing it was not given:
// a verified JWS has one of the two signing inputs RFC 7515 A.2 and A.3 signed; a key set parses into keys within
// the documented limits; a strict DER ECDSA signature has exactly one encoding (whatever parses re-encodes to the
// same bytes); an RSA PKCS #1 v1.5 signature that verifies is the one signature of that message.
//
// Input: byte 0 picks the mode, the rest is the data.
//   0: a compact JWS verified against the RFC keys, every algorithm allowed
//   1: a JWK Set; when it parses into at most four keys, the RFC tokens are verified against it
//   2: a DER ECDSA signature over the A.3 signing input with the A.3 key
//   3: an RSA signature over the A.2 signing input with the A.2 key, as PKCS #1 v1.5 and as PSS

private let rsaKey = #"""
    {"kty":"RSA","kid":"rfc-rsa","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}
    """#
private let ecKey = #"""
    {"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}
    """#
private let signedPayload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
private let rsaSigningInput = "eyJhbGciOiJSUzI1NiJ9." + signedPayload
private let ecSigningInput = "eyJhbGciOiJFUzI1NiJ9." + signedPayload
private let rsaSignature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
private let ecSignature = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
private let tokens = [rsaSigningInput + "." + rsaSignature, ecSigningInput + "." + ecSignature]

private let keys = try! JSONWebKeySet(json: Array("{\"keys\":[\(rsaKey),\(ecKey)]}".utf8))
private let rsaPublicKey: RSAPublicKey = {
    guard case .rsa(let key) = keys.keys[0].material else { fatalError("RFC RSA key did not parse") }
    return key
}()
private let ecPublicKey: P256PublicKey = {
    guard case .p256(let key) = keys.keys[1].material else { fatalError("RFC EC key did not parse") }
    return key
}()
private let allowed = Set(JWSAlgorithm.allCases)

/// DER of a non-negative integer given as big-endian magnitude (X.690 §8.3: minimal, a zero octet only for sign).
private func derInteger(_ magnitude: ArraySlice<UInt8>) -> [UInt8] {
    var content = Array(magnitude.drop { $0 == 0 })
    if content.first.map({ $0 & 0x80 != 0 }) ?? true { content.insert(0, at: 0) }
    return [0x02, UInt8(content.count)] + content
}

private func derSignature(_ r: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> [UInt8] {
    let content = derInteger(r) + derInteger(s)
    return [0x30, UInt8(content.count)] + content
}

/// P-256's group order n, big-endian.
private let groupOrder = Hex.decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")!

/// a − b for equal-length big-endian magnitudes with a ≥ b.
private func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
    var result = a
    var borrow = 0
    for index in stride(from: a.count - 1, through: 0, by: -1) {
        let difference = Int(a[index]) - Int(b[index]) - borrow
        result[index] = UInt8((difference + 256) % 256)
        borrow = difference < 0 ? 1 : 0
    }
    return result
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJWS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size >= 1 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let body = Array(input[1...])
    switch input[0] % 4 {
    case 0:
        let compact = String(decoding: body, as: UTF8.self)
        if let verified = try? JWS.verify(compact, keys: keys, allowed: allowed) {
            let signingInput = String(compact[..<compact.lastIndex(of: ".")!])
            guard signingInput == rsaSigningInput || signingInput == ecSigningInput else {
                fatalError("verified a JWS nobody signed: \(compact.debugDescription)")
            }
            guard
                verified.payload
                    == Array("{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}".utf8)
            else { fatalError("verified payload differs from the signed one") }
        }
    case 1:
        guard let set = try? JSONWebKeySet(json: body) else { return 0 }
        for key in set.keys {
            if case .rsa(let rsa) = key.material, !(2048...8192).contains(rsa.modulusBits) {
                fatalError("RSA key of \(rsa.modulusBits) bits accepted")
            }
        }
        if set.keys.count <= 4 {
            for token in tokens { _ = try? JWS.verify(token, keys: set, allowed: allowed) }
        }
    case 2:
        // Strict DER: what verifies is the RFC's (r, s) or, by ECDSA's symmetry, (r, n − s), each in its one
        // minimal encoding.
        if ecPublicKey.isValidSignature(der: body, for: Array(ecSigningInput.utf8)) {
            let raw = Base64URL.decode(ecSignature)!
            let r = raw[0..<32]
            let s = Array(raw[32..<64])
            guard body == derSignature(r, s[...]) || body == derSignature(r, subtract(groupOrder, s)[...]) else {
                fatalError("a second DER encoding verified: \(body)")
            }
        }
    default:
        let message = Array(rsaSigningInput.utf8)
        if rsaPublicKey.isValidPKCS1v15SHA256Signature(body, for: message), body != Base64URL.decode(rsaSignature)! {
            fatalError("a second RSA signature verified: \(body)")
        }
        // Nobody made a PSS signature of this message: none may verify.
        if rsaPublicKey.isValidPSSSHA256Signature(body, for: message) {
            fatalError("a PSS signature nobody made verified: \(body)")
        }
    }
    return 0
}
