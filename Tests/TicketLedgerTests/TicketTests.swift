import Testing
@testable import TicketLedger

@Suite("Ticket text form")
struct TicketTests {
    @Test("format → parse gives the same ticket; the text is URL-safe and 43 characters")
    func roundTrip() throws {
        for sequence: UInt64 in [1, 42, 1 << 40, .max] {
            let ticket = Ticket.random(at: TicketLocator(sequence: sequence))
            let text = ticket.text
            #expect(text.utf8.count == Ticket.textLength)
            #expect(text.utf8.allSatisfy { $0.isASCIIAlphanumeric || "._-".utf8.contains($0) })
            #expect(Ticket(text) == ticket)
        }
    }

    @Test("verifiers are random: 1,000 tickets, 1,000 distinct verifiers")
    func randomness() {
        let texts = Set((0..<1000).map { _ in Ticket.random(at: TicketLocator(sequence: 1)).text })
        #expect(texts.count == 1000)
    }

    @Test("malformed texts do not parse", arguments: [
        "", "tl1.", "garbage", "tl1.000000000000002a.q83vEjRWeJCrze8SNFZ4k",  // one short
        "tl1.000000000000002a.q83vEjRWeJCrze8SNFZ4kAA",  // one long
        "tl2.000000000000002a.q83vEjRWeJCrze8SNFZ4kA",  // the keyed form, without its store's key
        "tl3.000000000000002a.q83vEjRWeJCrze8SNFZ4kA",  // another version
        "tl1.000000000000002A.q83vEjRWeJCrze8SNFZ4kA",  // upper-case hex
        "tl1.000000000000002a.q83vEjRWeJCrze8SNFZ4kB",  // non-zero padding bits
        "tl1.000000000000002a.q83vEjRWeJCrze8SNFZ4k=",  // padding character
        "tl1.000000000000002a+q83vEjRWeJCrze8SNFZ4kA",
        "tl1.00000000000000 a.q83vEjRWeJCrze8SNFZ4kA",
        String(repeating: "A", count: 100_000),
        String(decoding: [0x74, 0x6c, 0x31, 0x2e, 0xff, 0xfe] + [UInt8](repeating: 0x30, count: 37), as: UTF8.self),
    ])
    func malformed(_ text: String) {
        #expect(Ticket(text) == nil)
    }

    @Test("the description never shows the verifier")
    func redacted() {
        let ticket = Ticket.random(at: TicketLocator(sequence: 9))
        let verifierText = String(ticket.text.suffix(22))
        #expect(!ticket.description.contains(verifierText))
        #expect(!"\(ticket)".contains(verifierText))
    }
}

@Suite("Values")
struct ValueTests {
    @Test("phones are masked as the product shows them", arguments: [
        ("17612346754", "176xxxx6754"), ("+86 176 1234 6754", "861xxxxxx6754"), ("1234567", "xxxxxxx"), ("", ""),
    ])
    func masking(_ phone: String, _ masked: String) {
        #expect(maskedPhone(phone) == masked)
    }

    @Test("IPv4 is shown IPv4-mapped, IPv6 as given", arguments: [
        ("192.168.0.106", "::ffff:192.168.0.106"), ("2001:db8::1", "2001:db8::1"), ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
    ])
    func ipNormalization(_ given: String, _ shown: String) throws {
        #expect(try IPAddress(given).text == shown)
    }

    @Test("invalid IP text is refused", arguments: ["", "1.2.3", "256.1.1.1", "1.2.3.4.5", "::g", "localhost", " 1.2.3.4", "1.2.3.4\u{0}"])
    func invalidIP(_ text: String) {
        #expect(throws: LedgerError.self) { try IPAddress(text) }
    }

    @Test("ISO 8601 with milliseconds, UTC", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"), (1_795_305_600_123, "2026-11-22T00:00:00.123Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"), (-1, "1969-12-31T23:59:59.999Z"),
    ])
    func iso(_ ms: Int64, _ text: String) {
        #expect(Timestamp(millisecondsSince1970: ms).iso8601 == text)
    }

    @Test("pool and user ids are validated")
    func ids() {
        #expect(throws: LedgerError.self) { try PoolID("") }
        #expect(throws: LedgerError.self) { try PoolID("has space") }
        #expect(throws: LedgerError.self) { try PoolID(String(repeating: "a", count: 65)) }
        #expect((try? PoolID("5f8e9c0d1a2b3c4d5e6f7a8b")) != nil)
        #expect(throws: LedgerError.self) { try UserID("") }
        #expect(throws: LedgerError.self) { try UserID("a\nb") }
        #expect(throws: LedgerError.self) { try UserID(String(repeating: "é", count: 65)) }
        #expect((try? UserID("微信用户")) != nil)
    }
}
