/// The app's side of the login flow, without a server: the request that opens the login
/// mini program, and the reply the mini program hands back.
///
/// ```swift
/// let launch = MiniProgramLaunch(pool: pool, getPhone: true)
/// // WXLaunchMiniProgramReq: userName = launch.userName, path = launch.path
/// do {
///     let reply = try MiniProgramReply(parsing: extMsg)   // the query string WeChat hands back
///     sendToOwnServer(reply.ticket)
/// } catch {
///     show(error)   // a MiniProgramReplyError: failed, missingCode or missingTicket
/// }
/// ```
public enum MiniProgram {
    /// The login mini program's user name (its original id), for WeChat's launch request.
    public static let userName = "gh_a781a791e29e"
    /// The mini program's AppID, the one apps associate with.
    public static let appID = "wxa0435021fd7a3af2"
    /// The page the app opens.
    public static let pagePath = "/routers/explore"
}

/// The request that opens the login mini program: WeChat's `WXLaunchMiniProgramReq` takes
/// ``userName`` and ``path`` (the page with its query).
public struct MiniProgramLaunch: Sendable, Hashable {
    /// The user pool the login is for.
    public var pool: PoolID
    /// Whether to ask the user for the phone number (`getPhone=1`; otherwise `getPhone=0`).
    public var getPhone: Bool

    /// A launch request for `pool`.
    public init(pool: PoolID, getPhone: Bool = false) {
        self.pool = pool
        self.getPhone = getPhone
    }

    /// The mini program's user name, ``MiniProgram/userName``.
    public var userName: String { MiniProgram.userName }

    /// The query's fields in order: `userPoolId`, `getPhone`, and the required `fromApp=1`,
    /// `useSelfWxapp=0`.
    public var queryItems: [QueryItem] {
        [
            QueryItem(name: "userPoolId", value: pool.rawValue),
            QueryItem(name: "getPhone", value: getPhone ? "1" : "0"),
            QueryItem(name: "fromApp", value: "1"),
            QueryItem(name: "useSelfWxapp", value: "0"),
        ]
    }

    /// The percent-encoded query, e.g. `userPoolId=5f8e…&getPhone=1&fromApp=1&useSelfWxapp=0`.
    public var query: String { QueryItem.format(queryItems) }

    /// The page and its query, as the launch request's `path`:
    /// `/routers/explore?userPoolId=…&getPhone=…&fromApp=1&useSelfWxapp=0`.
    public var path: String { MiniProgram.pagePath + "?" + query }
}

/// One `name=value` pair of a URL query string, decoded.
public struct QueryItem: Sendable, Hashable {
    /// The decoded name.
    public var name: String
    /// The decoded value; empty for a pair without `=`.
    public var value: String

    /// A pair.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// Splits `query` into its pairs, in order, leniently (as browsers do):
    ///
    /// - everything up to a `?` that comes before the first `=` is skipped, so a leading `?`
    ///   or a whole `page?query` may be passed (a `?` inside a value stays in it);
    /// - pairs are separated by `&`; empty pairs are skipped;
    /// - only the first `=` of a pair separates name and value: `a=b=c` is `a` → `b=c`;
    /// - a pair without `=` is a name with an empty value;
    /// - `+` is a space, `%XX` a byte; a `%` not followed by two hex digits stays as it is,
    ///   and bytes that are not UTF-8 become U+FFFD.
    ///
    /// Duplicate names are all kept here; ``first(_:in:)`` picks the first.
    public static func parse(_ query: some StringProtocol) -> [QueryItem] {
        var bytes = Substring(query).utf8[...]
        if let q = bytes.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "=") }),
           bytes[q] == UInt8(ascii: "?") {
            bytes = bytes[bytes.index(after: q)...]
        }
        return bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { pair in
            if let eq = pair.firstIndex(of: UInt8(ascii: "=")) {
                return QueryItem(name: percentDecoded(pair[..<eq]), value: percentDecoded(pair[pair.index(after: eq)...]))
            }
            return QueryItem(name: percentDecoded(pair), value: "")
        }
    }

    /// The value of the first pair named `name` in `items` (the first wins over later duplicates).
    public static func first(_ name: String, in items: [QueryItem]) -> String? {
        items.first { $0.name == name }?.value
    }

    /// `name=value&…`, each name and value percent-encoded (everything but `A–Z a–z 0–9 - . _ ~`).
    public static func format(_ items: [QueryItem]) -> String {
        items.map { percentEncoded($0.name) + "=" + percentEncoded($0.value) }.joined(separator: "&")
    }
}

/// The mini program's successful reply: the ticket to send to the app's own server.
///
/// The mini program hands the app a query string: `code` (`200` on success), `message`,
/// and on success `ticket`, e.g. `code=200&message=ok&ticket=tl1.…`.
public struct MiniProgramReply: Sendable, Hashable {
    /// The single-use ticket; the app's server exchanges it for the user.
    public var ticket: String
    /// The reply's message, when it has one.
    public var message: String?

    /// A successful reply carrying `ticket`.
    public init(ticket: String, message: String? = "ok") {
        self.ticket = ticket
        self.message = message
    }

    /// Parses the reply query string (see ``QueryItem/parse(_:)`` for the rules; for a
    /// duplicated field the first occurrence wins).
    ///
    /// - Throws: ``MiniProgramReplyError/failed(code:message:)`` when `code` is not `200`
    ///   (any ticket alongside is ignored: the mini program said the login failed);
    ///   ``MiniProgramReplyError/missingCode`` without a `code`;
    ///   ``MiniProgramReplyError/missingTicket(message:)`` for `code=200` without a ticket.
    public init(parsing query: some StringProtocol) throws(MiniProgramReplyError) {
        let items = QueryItem.parse(query)
        let message = QueryItem.first("message", in: items)
        guard let code = QueryItem.first("code", in: items)?.trimmedASCIIWhitespace, !code.isEmpty else {
            throw .missingCode
        }
        guard code == "200" else { throw .failed(code: code, message: message) }
        guard let ticket = QueryItem.first("ticket", in: items), !ticket.isEmpty else {
            throw .missingTicket(message: message)
        }
        self.init(ticket: ticket, message: message)
    }

    /// This reply as the mini program sends it: `code=200&message=…&ticket=…`.
    public var query: String {
        QueryItem.format([
            QueryItem(name: "code", value: "200"), QueryItem(name: "message", value: message ?? ""),
            QueryItem(name: "ticket", value: ticket),
        ])
    }

    /// A failure reply as the mini program sends it: `code=…&message=…` without a ticket.
    public static func failureQuery(code: Int, message: String) -> String {
        QueryItem.format([QueryItem(name: "code", value: String(code)), QueryItem(name: "message", value: message)])
    }
}

/// Why a mini program reply carries no usable ticket.
public enum MiniProgramReplyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The mini program reported a failure: its `code` (not `200`) and `message`.
    case failed(code: String, message: String?)
    /// The reply has no `code` field: it is not a mini program reply.
    case missingCode
    /// `code=200`, but no ticket came with it.
    case missingTicket(message: String?)

    public var description: String {
        switch self {
        case let .failed(code, message):
            return "the mini program reported a failure (code \(code))" + (message.map { ": \($0)" } ?? "")
        case .missingCode:
            return "the reply has no 'code' field: it is not a mini program reply"
        case .missingTicket:
            return "the reply says success (code 200) but carries no ticket"
        }
    }
}

// MARK: - Percent-encoding

private func percentDecoded(_ bytes: Substring.UTF8View.SubSequence) -> String {
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
                  let hi = hexValue(bytes[h]), let lo = hexValue(bytes[l]) {
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

private func percentEncoded(_ text: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out = [UInt8]()
    out.reserveCapacity(text.utf8.count)
    for c in text.utf8 {
        if c.isASCIIAlphanumeric || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
            || c == UInt8(ascii: "~") {
            out.append(c)
        } else {
            out.append(UInt8(ascii: "%"))
            out.append(hex[Int(c >> 4)])
            out.append(hex[Int(c & 15)])
        }
    }
    return String(decoding: out, as: UTF8.self)
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
}

extension String {
    fileprivate var trimmedASCIIWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
