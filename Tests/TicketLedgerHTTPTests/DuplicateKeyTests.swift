import Foundation
import NIOHTTP1
import Testing
import TicketLedger
import TicketLedgerHTTP

/// A body that names `ticket`, `tickett` or `secret` twice is refused: parsers disagree on
/// which one wins, so a proxy could read another value than the server.
@Suite("Duplicate JSON keys")
struct DuplicateKeyTests {
    @Test("a duplicate ticket, tickett or secret key (also spelled with escapes) is 400 malformed, and nothing is consumed")
    func duplicatesRefused() async throws {
        try await LiveServer.with { server in
            let ticket = try await server.issue()
            let madeUp = "tl1.00000000000000ff.q83vEjRWeJCrze8SNFZ4kA"
            let bodies = [
                #"{"ticket":"\#(madeUp)","ticket":"\#(ticket)","secret":"\#(poolSecret)"}"#,
                #"{"tickett":"\#(madeUp)","tickett":"\#(ticket)","secret":"\#(poolSecret)"}"#,
                #"{"ticket":"\#(ticket)","secret":"wrong","secret":"\#(poolSecret)"}"#,
                #"{"ticket":"\#(ticket)","secret":"wrong","s\u0065cret":"\#(poolSecret)"}"#,
            ]
            for body in bodies {
                let reply = try await server.send(.POST, "/oauth/app2wxapp/auth/app1", body: body)
                #expect(reply.status == 400, "\(body): \(reply.body)")
                #expect(reply.json["code"] as? String == "malformed", "\(body)")
            }
            let locator = try #require(try server.ledger.locator(ofTicket: ticket))
            #expect(try await server.ledger.ticketState(locator)?.status == .issued)
            // Other duplicate keys, nested or not, are no one's business; the exchange still works.
            let fine = try await server.send(
                .POST, "/oauth/app2wxapp/auth/app1",
                body: #"{"extra":1,"extra":{"ticket":1,"ticket":2},"ticket":"\#(ticket)","secret":"\#(poolSecret)"}"#)
            #expect(fine.status == 200, "\(fine.body)")
        }
    }
}
