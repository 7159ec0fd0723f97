/// The keys of a JSON object's top level, for refusing a body that names a field twice:
/// parsers disagree on which of two values wins (here the first, in most others the last),
/// so a proxy or a log could read another ticket or secret than the server does.
///
/// Call it on a body a `JSONDecoder` has already accepted: it assumes valid JSON and only
/// walks strings and nesting. Keys are compared after their escapes are decoded
/// (`"s\u0065cret"` is `secret`).
enum JSONKeys {
    /// The first of `watched` that the top-level object of `json` names more than once.
    static func duplicate(among watched: Set<String>, in json: some Collection<UInt8>) -> String? {
        let bytes = Array(json)
        var seen = Set<String>()
        var depth = 0
        var expectingKey = false
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "{"):
                depth += 1
                if depth == 1 { expectingKey = true }
            case UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 1 { expectingKey = true }
            case UInt8(ascii: "\""):
                let close = endOfString(bytes, from: i)
                if depth == 1 && expectingKey {
                    expectingKey = false
                    if let key = decodedString(bytes[(i + 1)..<close]), watched.contains(key), !seen.insert(key).inserted {
                        return key
                    }
                }
                i = close
            default:
                break
            }
            i += 1
        }
        return nil
    }

    /// The index of the quote that closes the string opening at `start`.
    private static func endOfString(_ bytes: [UInt8], from start: Int) -> Int {
        var i = start + 1
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if bytes[i] == UInt8(ascii: "\"") { return i }
            i += 1
        }
        return bytes.count
    }

    /// A JSON string's contents with its escapes decoded; `nil` for a broken escape.
    private static func decodedString(_ raw: ArraySlice<UInt8>) -> String? {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        var scalars = String.UnicodeScalarView()
        var units: [UInt16] = []
        var plain: [UInt8] = []
        func flushPlain() {
            scalars.append(contentsOf: String(decoding: plain, as: UTF8.self).unicodeScalars)
            plain.removeAll()
        }
        func flushUnits() {
            scalars.append(contentsOf: String(decoding: units, as: UTF16.self).unicodeScalars)
            units.removeAll()
        }
        var i = raw.startIndex
        while i < raw.endIndex {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\"), i + 1 < raw.endIndex else {
                flushUnits()
                plain.append(byte)
                i += 1
                continue
            }
            flushPlain()
            let escape = raw[i + 1]
            if escape == UInt8(ascii: "u") {
                guard i + 6 <= raw.endIndex,
                      let unit = UInt16(String(decoding: raw[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16) else { return nil }
                units.append(unit)
                i += 6
                continue
            }
            flushUnits()
            let decoded: Unicode.Scalar
            switch escape {
            case UInt8(ascii: "n"): decoded = "\n"
            case UInt8(ascii: "t"): decoded = "\t"
            case UInt8(ascii: "r"): decoded = "\r"
            case UInt8(ascii: "b"): decoded = "\u{08}"
            case UInt8(ascii: "f"): decoded = "\u{0C}"
            default: decoded = Unicode.Scalar(escape)  // \" \\ \/
            }
            scalars.append(decoded)
            i += 2
        }
        flushUnits()
        flushPlain()
        return String(scalars)
    }
}
