/// The mini program's successful reply: the ticket to send to the app's own server.
///
/// The mini program hands the app a query string: `code` (`200` on success), `message`,
/// and on success `ticket`, e.g. `code=200&message=ok&ticket=tl2.…`.
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
