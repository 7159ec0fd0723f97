// MARK: - Percent-encoding

func percentDecoded(_ bytes: Substring.UTF8View.SubSequence) -> String {
    var out = [UInt8]()
    out.reserveCapacity(bytes.count)
    var i = bytes.startIndex
    while i < bytes.endIndex {
        let c = bytes[i]
        if c == UInt8(ascii: "+") {
            out.append(UInt8(ascii: " "))
        } else if c == UInt8(ascii: "%"),
                  let h = bytes.index(i, offsetBy: 1, limitedBy: bytes.endIndex), h < bytes.endIndex,
                  let l = bytes.index(h, offsetBy: 1, limitedBy: bytes.endIndex), l < bytes.endIndex,
                  let hi = Hex.value(bytes[h]), let lo = Hex.value(bytes[l]) {
            out.append(hi << 4 | lo)
            i = bytes.index(after: l)
            continue
        } else {
            out.append(c)
        }
        i = bytes.index(after: i)
    }
    return String(decoding: out, as: UTF8.self)
}

func percentEncoded(_ text: String) -> String {
    var out = [UInt8]()
    out.reserveCapacity(text.utf8.count)
    for c in text.utf8 {
        if c.isASCIIAlphanumeric || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
            || c == UInt8(ascii: "~") {
            out.append(c)
        } else {
            out.append(UInt8(ascii: "%"))
            Hex.append(c, to: &out, uppercase: true)
        }
    }
    return String(decoding: out, as: UTF8.self)
}


extension String {
    var trimmedASCIIWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
