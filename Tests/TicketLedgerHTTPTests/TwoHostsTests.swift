import Foundation
import Testing
import TicketLedger

/// Two servers — two hosts — on one PostgreSQL database (the server `scripts/test` starts).
@Suite("Two hosts on PostgreSQL")
struct TwoHostsTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test(
        "100 concurrent exchanges of one ticket, split across two servers: exactly one 200, every other 410",
        .enabled(if: environment["TICKET_LEDGER_TEST_POSTGRES"] != nil || environment["CI"] != nil, "no test PostgreSQL: run scripts/test"))
    func oneWinnerAcrossHosts() async throws {
        let url = try #require(Self.environment["TICKET_LEDGER_TEST_POSTGRES"], "TICKET_LEDGER_TEST_POSTGRES is not set: run scripts/test")
        let store = try StoreLocation(parsing: url, environment: Self.environment)
        try await LiveServer.with(store: store) { a in
            try await LiveServer.with(store: store) { b in
                for round in 0..<5 {
                    let ticket = try await (round % 2 == 0 ? a : b).issue(user: "two-hosts-\(UUID().uuidString.prefix(8))")
                    let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                        for i in 0..<100 { group.addTask { try await (i % 2 == 0 ? a : b).exchange(ticket).status } }
                        return try await group.reduce(into: [Int]()) { $0.append($1) }
                    }
                    #expect(statuses.filter { $0 == 200 }.count == 1, "round \(round): \(statuses)")
                    #expect(statuses.filter { $0 == 410 }.count == 99, "round \(round): \(statuses)")
                }
            }
        }
    }
}
