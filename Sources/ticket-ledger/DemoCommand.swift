import ArgumentParser
import Foundation
import Logging
import TicketLedger

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Walk the login flow on an embedded store: issue → redeem → redeem again → expire.",
        discussion: """
            Runs on a fresh store in a temporary directory (removed afterwards) unless --dir is \
            given. The clock is a manual one, moved past the ticket lifetime instead of waiting.

            Example:
              ticket-ledger demo
            """
    )

    @Option(help: "Run on this store directory instead of a temporary one (kept afterwards).")
    var dir: String?

    func run() throws {
        let directory = dir ?? (NSTemporaryDirectory() + "ticket-ledger-demo-\(UUID().uuidString)")
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let clock = ManualClock(SystemClock().now())
        let ledger = try Ledger.open(at: directory, create: true, clock: clock, logger: Logger(label: "ticket-ledger"))
        defer { ledger.close() }

        let pool = try PoolID("demo-\(UInt32.random(in: 0...UInt32.max))")
        let secret = "demo-secret"
        try ledger.configurePool(pool, policy: PoolPolicy(), secret: secret)
        print("store        \(directory)")
        print("1. pool       \(pool): tickets live 120 s, the secret is required")

        let user = try UserID("wx-user-42")
        let profile = UserProfile(nickname: "Ann", phone: "17612346754", openid: "o-demo", unionid: "u-demo",
                                  oauth: #"{"nickName":"Ann","city":"Hangzhou"}"#)
        let issued = try ledger.issueTicket(IssueRequest(pool: pool, user: user, profile: profile, ip: "192.168.0.106", getPhone: true))
        print("2. issued     a ticket for \(user), expires \(issued.expiresAt.iso8601)")

        let first = try ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret)
        if let doc = first.document {
            print("3. redeemed   → user \(doc.id), loginsCount \(doc.loginsCount), lastIP \(doc.lastIP), phone \(doc.phone)")
        }
        let second = try ledger.redeem(ticket: issued.ticket.text, pool: pool, secret: secret)
        print("4. again      → \(second.rejection?.description ?? "redeemed (this must not happen)")")

        let late = try ledger.issueTicket(IssueRequest(pool: pool, user: user, profile: profile, ip: "2001:db8::7"))
        clock.advance(by: .seconds(121))
        print("5. a second ticket, then the clock moves 121 s on")
        let expired = try ledger.redeem(ticket: late.ticket.text, pool: pool, secret: secret)
        print("6. late       → \(expired.rejection?.description ?? "redeemed (this must not happen)")")
        let swept = try ledger.expireDue()
        print("7. sweeper    expired \(swept) ticket\(swept == 1 ? "" : "s")")
        let head = try ledger.head()
        print("8. log        \(head.sequence) events, chain head \(head.hash.hex.prefix(16))…")
    }
}
