private let base64URLAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

/// Unpadded base64url (RFC 4648 §5): the ticket's verifier, and the HTTP server's tokens.
package func base64URL(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity((bytes.count * 4 + 2) / 3)
    var i = 0
    while i + 3 <= bytes.count {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        for shift in [18, 12, 6, 0] { out.append(base64URLAlphabet[Int(n >> UInt32(shift) & 63)]) }
        i += 3
    }
    let rest = bytes.count - i
    if rest == 1 {
        let n = UInt32(bytes[i]) << 16
        out.append(base64URLAlphabet[Int(n >> 18 & 63)])
        out.append(base64URLAlphabet[Int(n >> 12 & 63)])
    } else if rest == 2 {
        let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
        out.append(base64URLAlphabet[Int(n >> 18 & 63)])
        out.append(base64URLAlphabet[Int(n >> 12 & 63)])
        out.append(base64URLAlphabet[Int(n >> 6 & 63)])
    }
    return out
}
