import Testing
@testable import TicketLedger

@Suite("Mini program helpers")
struct MiniProgramTests {
    @Test("the launch request: user name, page path and the query in order")
    func launch() throws {
        let launch = MiniProgramLaunch(pool: .test("5f8e9c0d1a2b3c4d5e6f7a8b"), getPhone: true)
        #expect(launch.userName == "gh_a781a791e29e")
        #expect(launch.path == "/routers/explore?userPoolId=5f8e9c0d1a2b3c4d5e6f7a8b&getPhone=1&fromApp=1&useSelfWxapp=0")
        #expect(MiniProgramLaunch(pool: .test("p"), getPhone: false).query == "userPoolId=p&getPhone=0&fromApp=1&useSelfWxapp=0")
        #expect(MiniProgram.appID == "wxa0435021fd7a3af2")
    }

    @Test("a success reply gives the ticket; the helper's own output parses back")
    func success() throws {
        let reply = try MiniProgramReply(parsing: "code=200&message=ok&ticket=tl1.0000000000000002.q83vEjRWeJCrze8SNFZ4kA")
        #expect(reply.ticket == "tl1.0000000000000002.q83vEjRWeJCrze8SNFZ4kA")
        #expect(reply.message == "ok")
        let built = MiniProgramReply(ticket: "a b&c=d", message: "好 ok")
        #expect(try MiniProgramReply(parsing: built.query) == built)
    }

    @Test(
        "parsing edge cases",
        arguments: [
            // percent-decoding and `+` as a space
            ("code=200&message=%E7%99%BB%E5%BD%95+ok&ticket=T", "T", "登录 ok"),
            // `=` inside a value: only the first `=` splits
            ("code=200&ticket=a=b=c", "a=b=c", nil),
            // a pair without `=` is a name with an empty value, and does not disturb the rest
            ("code=200&flag&ticket=T", "T", nil),
            // duplicate keys: the first wins
            ("code=200&ticket=first&ticket=second", "first", nil),
            // a leading `?`, or a whole page?query, is skipped; a `?` inside a value stays
            ("?code=200&ticket=T&message=why?", "T", "why?"),
            ("/routers/explore?code=200&ticket=T", "T", nil),
            // bad escapes stay as they are
            ("code=200&ticket=T&message=100%+sure%zz%4", "T", "100% sure%zz%4"),
            // empty pairs are skipped
            ("&&code=200&&ticket=T&", "T", nil),
        ] as [(String, String, String?)]
    )
    func edgeCases(query: String, ticket: String, message: String?) throws {
        let reply = try MiniProgramReply(parsing: query)
        #expect(reply.ticket == ticket)
        #expect(reply.message == message)
    }

    @Test("failures are typed: code ≠ 200, no code, code 200 without a ticket")
    func failures() {
        #expect(throws: MiniProgramReplyError.failed(code: "500", message: "user denied")) {
            try MiniProgramReply(parsing: "code=500&message=user+denied")
        }
        #expect(throws: MiniProgramReplyError.failed(code: "403", message: nil)) {
            try MiniProgramReply(parsing: "code=403&ticket=ignored")
        }
        #expect(throws: MiniProgramReplyError.missingCode) { try MiniProgramReply(parsing: "ticket=T") }
        #expect(throws: MiniProgramReplyError.missingCode) { try MiniProgramReply(parsing: "") }
        #expect(throws: MiniProgramReplyError.missingTicket(message: "ok")) {
            try MiniProgramReply(parsing: "code=200&message=ok&ticket=")
        }
        #expect(MiniProgramReply.failureQuery(code: 404, message: "no pool") == "code=404&message=no%20pool")
    }

    @Test("QueryItem keeps every pair in order, duplicates included")
    func queryItems() {
        #expect(QueryItem.parse("a=1&b&a=2") == [
            QueryItem(name: "a", value: "1"), QueryItem(name: "b", value: ""), QueryItem(name: "a", value: "2"),
        ])
        #expect(QueryItem.first("a", in: QueryItem.parse("a=1&a=2")) == "1")
        #expect(QueryItem.format([QueryItem(name: "k y", value: "v/é")]) == "k%20y=v%2F%C3%A9")
    }
}
