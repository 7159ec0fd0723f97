#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import TicketLedger

/// The domain's IP parser is Swift; these check it against the C library's `inet_pton`.
@Suite("IP addresses")
struct IPAddressTests {
    static func acceptedByC(_ text: String) -> (v4: Bool, v6: Bool) {
        var v4 = in_addr()
        var v6 = in6_addr()
        return (inet_pton(AF_INET, text, &v4) == 1, inet_pton(AF_INET6, text, &v6) == 1)
    }

    @Test("a table of addresses is accepted or refused as inet_pton does, and normalized", arguments: [
        "192.168.0.106", "0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1..2.3",
        "::", "::1", "1::", "::ffff:192.168.0.106", "2001:db8::1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8::", "1:2:3:4:5:6::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1::2::3", ":1::", "1:", ":::", "12345::",
        "fe80::1%eth0", "::ffff:1.2.3", "::1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "ABCD::ef", "g::1", "1.2.3.4:",
    ])
    func table(_ text: String) {
        let c = Self.acceptedByC(text)
        let swift = try? IPAddress(text)
        #expect((swift != nil) == (c.v4 || c.v6), "\(text)")
        if c.v4 { #expect(swift?.text == "::ffff:" + text) } else if c.v6 { #expect(swift?.text == text) }
    }

    @Test("random text over the address alphabet: the same verdict as inet_pton")
    func random() {
        var rng = SplitMix64(seed: 0x1234_5678)
        let alphabet = Array("0123456789abcdefABCDEFg:.%".utf8)
        let shapes = ["1.2.3.4", "::ffff:10.0.0.1", "2001:db8::8a2e:370:7334", "fe80::1", "1:2:3:4:5:6:7:8"]
        var disagreements: [String] = []
        for i in 0..<200_000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                // A valid shape with a few characters changed, inserted or removed.
                bytes = Array(shapes[Int(rng.next() % UInt64(shapes.count))].utf8)
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let at = Int(rng.next() % UInt64(bytes.count + 1))
                    switch rng.next() % 3 {
                    case 0 where at < bytes.count: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                    default: if at < bytes.count && bytes.count > 1 { bytes.remove(at: at) }
                    }
                }
            } else {
                bytes = (0..<(1 + Int(rng.next() % 20))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let c = Self.acceptedByC(text)
            if ((try? IPAddress(text)) != nil) != (c.v4 || c.v6) { disagreements.append(text) }
        }
        #expect(disagreements.isEmpty, "first: \(disagreements.prefix(10))")
    }
}
