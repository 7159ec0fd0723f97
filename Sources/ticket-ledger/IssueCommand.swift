import ArgumentParser
import Foundation
import TicketLedger

struct IssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a single-use ticket to a user of a configured pool and print it.",
        discussion: """
            Each issue stores the profile it carries as the user's profile: a field it leaves \
            out is cleared, so the profile is always the latest one WeChat gave. With --count N \
            it prints one ticket per line (with --json, one object per line).

            Examples:
              ticket-ledger issue ./store --pool app1 --user u1 --nickname Ann \\
                --phone 17612346754 --get-phone --ip 192.168.0.106
              ticket-ledger issue ./store --pool app1 --user u2 --count 3 --json
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "The pool's id.") var pool: String
    @Option(help: "The user's id in the pool.") var user: String
    @Option(help: "The user's name.") var username: String?
    @Option(help: "The WeChat nickname.") var nickname: String?
    @Option(help: "An avatar URL.") var photo: String?
    @Option(help: "The phone number: stored only with --get-phone (the user agreed to share it), else dropped before anything is written; shown masked.")
    var phone: String?
    @Option(help: "The WeChat openid.") var openid: String?
    @Option(help: "The WeChat unionid.") var unionid: String?
    @Option(help: "The raw WeChat profile, as a JSON string.") var oauth: String?
    @Option(help: "The user's company.") var company: String?
    @Option(help: "Free-form metadata.") var metadata: String?
    @Option(help: "The end user's IP address (IPv4 or IPv6).") var ip: String?
    @Flag(name: .customLong("get-phone"), help: "The user agreed to share the phone number.") var getPhone = false
    @Option(help: "Issue this many tickets to the user, one per line (they share commits). SIGINT or SIGTERM stops it after the batch in progress, with every ticket issued printed.")
    var count: Int = 1
    @Option(help: "With --count, spread the tickets over this many users, in turn: the --user id followed by -1, -2, … (a load test over many users).")
    var users: Int = 1

    func validate() throws {
        _ = try poolID(pool)
        guard (1...10_000_000).contains(count) else { throw ValidationError("--count must be between 1 and 10000000") }
        guard (1...10_000_000).contains(users) else { throw ValidationError("--users must be between 1 and 10000000") }
        guard users == 1 || count > 1 else { throw ValidationError("--users needs --count") }
    }

    func run() throws {
        try runIsolated(store: store.dir, writes: true)
        let ledger = try store.open()
        defer { ledger.close() }
        let profile = UserProfile(
            username: username, nickname: nickname, photo: photo, phone: phone, openid: openid, unionid: unionid,
            oauth: oauth, company: company, metadata: metadata)
        let request = IssueRequest(pool: try poolID(pool), user: try UserID(user), profile: profile, ip: ip, getPhone: getPhone)
        if count > 1 {
            Interruption.catchSignals()
            // With --users, the tickets go to the users in turn (`user-1`, `user-2`, …).
            let spread = users > 1 ? try (1...users).map { n in try UserID("\(user)-\(n)") } : nil
            var left = count
            while left > 0 {
                if let signal = Interruption.signal {
                    try Interruption.stop(signal, "after issuing \(count - left) tickets, every one printed above")
                }
                var chunk = [IssueRequest](repeating: request, count: min(left, 4096))
                if let spread {
                    for i in chunk.indices { chunk[i].user = spread[(count - left + i) % spread.count] }
                }
                var out = ""
                for result in try ledger.issueTickets(chunk) {
                    let issued = try result.get()
                    out += (store.json ? jsonLine(IssuedOutput(issued)) : issued.ticket.text) + "\n"
                }
                FileHandle.standardOutput.write(Data(out.utf8))
                left -= chunk.count
            }
            return
        }
        let issued = try ledger.issueTicket(request)
        if store.json {
            printJSON(IssuedOutput(issued))
        } else {
            print(issued.ticket.text)
        }
    }
}

/// `issue --json`'s answer: one object per ticket.
private struct IssuedOutput: Encodable {
    var ticket: String
    var locator: String
    var issuedAt: String
    var expiresAt: String

    init(_ issued: IssuedTicket) {
        ticket = issued.ticket.text
        locator = issued.ticket.locator.description
        issuedAt = issued.issuedAt.iso8601
        expiresAt = issued.expiresAt.iso8601
    }
}
