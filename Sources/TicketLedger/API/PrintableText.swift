/// Text from outside (paths, arguments, reasons) made safe to print in a message: control
/// characters (C0, DEL, C1) and the Unicode bidirectional overrides are written as escapes
/// (`\n`, `\t`, `\r`, `\u{1B}`), so a path or an argument cannot drive the terminal that
/// shows the message (move the cursor, retitle the window, reorder what is shown).
public enum PrintableText {
    /// `text` with every control character escaped; with `keepingNewlines`, `\n` stays a
    /// line break (for messages that are several lines themselves).
    public static func escaping(_ text: String, keepingNewlines: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0) && !(keepingNewlines && $0 == "\n") }) else { return text }
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar), !(keepingNewlines && scalar == "\n") else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return out
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
