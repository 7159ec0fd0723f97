import Foundation
import Testing
@testable import TicketLedger

/// A full disk: the store lives on a 4 MiB tmpfs the test mounts (root only), filled up with
/// a filler file. Writes must fail with `diskFull`, nothing acknowledged may be lost, and the
/// store must work again once the filler is deleted.
@Suite("Full disk", .serialized)
struct FullDiskTests {
    /// Mounts a tmpfs of `megabytes` at a fresh directory; `nil` (with the reason) when it cannot.
    static func mountTmpfs(megabytes: Int) -> (path: String?, reason: String) {
        guard geteuid() == 0 else { return (nil, "needs root to mount a tmpfs") }
        let mountPoint = NSTemporaryDirectory() + "ticket-ledger-full-\(UUID().uuidString)"
        guard (try? FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)) != nil else {
            return (nil, "cannot create \(mountPoint)")
        }
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", mountPoint]
        mount.standardError = FileHandle.nullDevice
        guard (try? mount.run()) != nil else { return (nil, "cannot run mount") }
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else {
            try? FileManager.default.removeItem(atPath: mountPoint)
            return (nil, "mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?)")
        }
        return (mountPoint, "")
    }

    static func unmount(_ path: String) {
        let umount = Process()
        umount.executableURL = URL(fileURLWithPath: "/bin/umount")
        umount.arguments = [path]
        if (try? umount.run()) != nil { umount.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes zeros into `path` until the file system refuses; returns the bytes written.
    static func fill(_ path: String) -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 4096)
        var total = 0
        for _ in 0..<(1 << 16) {  // bounded: 256 MiB at most
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            total += n
        }
        fsync(fd)
        return total
    }

    @Test("on a full tmpfs writes fail with diskFull, nothing acknowledged is lost, and space returning makes it work again")
    func fullDisk() throws {
        let (mounted, reason) = Self.mountTmpfs(megabytes: 4)
        guard let mountPoint = mounted else {
            print("skipped the full-disk test: \(reason)")
            return
        }
        defer { Self.unmount(mountPoint) }
        let dir = mountPoint + "/store", filler = mountPoint + "/filler"
        let pool = PoolID.test("full")
        let clock = ManualClock(TempStore.epoch)
        // A small initial map: it has to grow on the small file system too.
        var options = Ledger.Options(durability: .durable, initialMapSize: 1 << 20)
        options.maxBatch = 64

        var ledger = try Ledger.open(at: dir, create: true, options: options, clock: clock)
        try ledger.configurePool(pool, policy: PoolPolicy(ticketLifetime: .seconds(86_400)), secret: secret)
        var issued: [IssuedTicket] = []
        for i in 0..<200 {
            issued.append(try ledger.issueTicket(IssueRequest(pool: pool, user: .test("u\(i % 20)"), ip: "10.0.0.1")))
        }
        var redeemed: [IssuedTicket] = []
        for ticket in issued.prefix(50) {
            #expect(try ledger.redeem(ticket: ticket.ticket.text, pool: pool, secret: secret).document != nil)
            redeemed.append(ticket)
        }
        #expect(Self.fill(filler) > 0)

        // Now write until the disk refuses: every failure is diskFull, every success is kept.
        var failures: [LedgerError] = []
        var pending = Array(issued.dropFirst(50))
        for i in 0..<20_000 where failures.count < 20 {
            if i % 2 == 0, let ticket = pending.first {
                do {
                    let outcome = try ledger.redeem(ticket: ticket.ticket.text, pool: pool, secret: secret)
                    #expect(outcome.document != nil, "\(outcome)")
                    redeemed.append(ticket)
                    pending.removeFirst()
                } catch {
                    failures.append(error)
                }
            } else {
                do {
                    let ticket = try ledger.issueTicket(IssueRequest(
                        pool: pool, user: .test("u\(i % 20)"), profile: UserProfile(metadata: String(repeating: "m", count: 2000)),
                        ip: "10.0.0.2"))
                    issued.append(ticket)
                    pending.append(ticket)
                } catch {
                    failures.append(error)
                }
            }
        }
        try #require(!failures.isEmpty, "the disk never filled up")
        for failure in failures {
            #expect(failure == .diskFull(path: dir), "\(failure)")
            #expect(failure.description.contains("full"))
        }
        // Reads still work, and see every acknowledged write.
        for ticket in redeemed { #expect(try ledger.ticketState(ticket.ticket.locator)?.status == .consumed) }

        // Space returns: the open ledger writes again, without a restart …
        #expect(unlink(filler) == 0)
        if let ticket = pending.first {
            #expect(try ledger.redeem(ticket: ticket.ticket.text, pool: pool, secret: secret).document != nil)
            redeemed.append(ticket)
            pending.removeFirst()
        }
        ledger.close()

        // … and after one: everything acknowledged is there.
        ledger = try Ledger.open(at: dir, options: options, clock: clock)
        defer { ledger.close() }
        for ticket in redeemed { #expect(try ledger.ticketState(ticket.ticket.locator)?.status == .consumed) }
        for ticket in issued { #expect(try ledger.ticketState(ticket.ticket.locator) != nil) }
        if let ticket = pending.first {
            #expect(try ledger.redeem(ticket: ticket.ticket.text, pool: pool, secret: secret).document != nil)
        }
        #expect(try ledger.redeem(ticket: redeemed[0].ticket.text, pool: pool, secret: secret).rejection?.reason == .alreadyConsumed)
        let fresh = try ledger.issueTicket(IssueRequest(pool: pool, user: .test("u1"), ip: "10.0.0.3"))
        #expect(try ledger.redeem(ticket: fresh.ticket.text, pool: pool, secret: secret).document != nil)
        let report = try ledger.audit()
        #expect(report.ok, "\(report.findings.prefix(5))")
    }
}
