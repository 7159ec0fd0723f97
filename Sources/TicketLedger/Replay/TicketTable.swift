/// Tickets by locator, without hashing: a locator is the sequence of its issue, so the live
/// tickets sit in a window of recent sequences. A directory of pages (4,096 sequences each)
/// maps a locator to a slot holding the index of its record; records live back to back and are
/// reused through a free list. A page is freed when its last ticket goes; a page left with a
/// few stragglers (tickets never swept) hands them to a small dictionary and is freed too, so
/// memory follows the live tickets, not the length of the log.
struct TicketTable: Sendable {
    static let pageShift = 12
    static let pageSize = 1 << pageShift
    /// A page holding at most this many tickets, not the newest, moves them to ``sparse``.
    static let sparseLimit = 16
    /// The most pages the directory grows by at once.
    static let maxJump = 1024
    private static let noPage: Int32 = -1
    private static let sparsePage: Int32 = -2

    /// The records; `records[i].live` is `false` for a free one.
    private(set) var records: [CompactTicket] = []
    private var freeRecords: [UInt32] = []
    /// Slot pages back to back: a slot holds its record's index + 1, or 0.
    private var slots: [UInt32] = []
    /// Live tickets per slot page.
    private var pageCounts: [Int32] = []
    private var freeSlotPages: [Int32] = []
    /// Page number − `firstPage` → slot page, ``noPage`` or ``sparsePage``.
    private var directory: [Int32] = []
    private var firstPage: UInt64 = 0
    /// Locator → record index, for the tickets of pages made sparse.
    private var sparse: [UInt64: UInt32] = [:]
    /// Live tickets.
    private(set) var count = 0
    /// Whether ``sparse`` holds a far locator (see ``set(_:_:)``): then any page may have some.
    private var hasFar = false

    init() {}

    @inline(__always)
    private func directoryEntry(_ page: UInt64) -> Int32 {
        guard page >= firstPage else { return Self.sparsePage }
        let d = page - firstPage
        return d < UInt64(directory.count) ? directory[Int(d)] : Self.noPage
    }

    /// The index in ``records`` of the ticket at `locator`.
    @inline(__always)
    func find(_ locator: UInt64) -> Int? {
        let page = locator >> Self.pageShift
        let entry = directoryEntry(page)
        if entry >= 0 {
            let slot = slots[Int(entry) << Self.pageShift | Int(locator & UInt64(Self.pageSize - 1))]
            if slot != 0 { return Int(slot - 1) }
            if !hasFar { return nil }
        } else if entry == Self.noPage && !hasFar {
            return nil
        }
        return sparse[locator].map(Int.init)
    }

    subscript(locator: UInt64) -> CompactTicket? { find(locator).map { records[$0] } }

    /// Mutable access to record `index` (from ``find(_:)``).
    @inline(__always)
    mutating func update<R>(_ index: Int, _ body: (inout CompactTicket) -> R) -> R { body(&records[index]) }

    /// Makes room for `count` records.
    mutating func reserve(_ count: Int) { records.reserveCapacity(count) }

    /// Sets the ticket at `locator`, replacing any; returns the record replaced.
    @discardableResult
    mutating func set(_ locator: UInt64, _ ticket: CompactTicket) -> CompactTicket? {
        var ticket = ticket
        ticket.locator = locator
        ticket.live = true
        if let i = find(locator) {
            let old = records[i]
            records[i] = ticket
            return old
        }
        let index: UInt32
        if let free = freeRecords.popLast() {
            index = free
            records[Int(free)] = ticket
        } else {
            index = UInt32(records.count)
            records.append(ticket)
        }
        count += 1
        let page = locator >> Self.pageShift
        var entry = directoryEntry(page)
        // A locator far past the newest page (only a damaged log has one): kept sparse, so
        // the directory cannot balloon.
        if entry == Self.noPage, !directory.isEmpty, page - firstPage > UInt64(directory.count + Self.maxJump) {
            entry = Self.sparsePage
            hasFar = true
        }
        if entry == Self.noPage {
            entry = newSlotPage()
            if directory.isEmpty { firstPage = page }
            let d = Int(page - firstPage)
            if d >= directory.count { directory.append(contentsOf: repeatElement(Self.noPage, count: d - directory.count + 1)) }
            directory[d] = entry
        }
        if entry == Self.sparsePage {
            sparse[locator] = index
        } else {
            slots[Int(entry) << Self.pageShift | Int(locator & UInt64(Self.pageSize - 1))] = index + 1
            pageCounts[Int(entry)] += 1
        }
        return nil
    }

    private mutating func newSlotPage() -> Int32 {
        if let page = freeSlotPages.popLast() { return page }
        let page = Int32(pageCounts.count)
        pageCounts.append(0)
        slots.append(contentsOf: repeatElement(0, count: Self.pageSize))
        return page
    }

    /// Drops the ticket at `locator`; returns it.
    @discardableResult
    mutating func remove(_ locator: UInt64) -> CompactTicket? {
        let page = locator >> Self.pageShift
        let entry = directoryEntry(page)
        let index: Int
        let s = entry >= 0 ? Int(entry) << Self.pageShift | Int(locator & UInt64(Self.pageSize - 1)) : 0
        if entry >= 0 && slots[s] != 0 {
            index = Int(slots[s] - 1)
            slots[s] = 0
            pageCounts[Int(entry)] -= 1
            let left = pageCounts[Int(entry)]
            if left == 0 {
                freePage(page, entry)
            } else if left <= Self.sparseLimit && page - firstPage + 1 < UInt64(directory.count) {
                makeSparse(page, entry)
            }
        } else if entry == Self.sparsePage || hasFar, let i = sparse.removeValue(forKey: locator) {
            index = Int(i)
        } else {
            return nil
        }
        let old = records[index]
        records[index].live = false
        freeRecords.append(UInt32(index))
        count -= 1
        return old
    }

    private mutating func freePage(_ page: UInt64, _ entry: Int32) {
        directory[Int(page - firstPage)] = Self.noPage
        freeSlotPages.append(entry)
        // Forget leading pages that hold nothing dense: pages before `firstPage` read as
        // sparse (a lookup there asks `sparse`), and `firstPage` only moves forward.
        var lead = 0
        while lead < directory.count, directory[lead] < 0 { lead += 1 }
        if lead >= 64 || (lead > 0 && lead * 2 >= directory.count) {
            directory.removeFirst(lead)
            firstPage += UInt64(lead)
        }
    }

    private mutating func makeSparse(_ page: UInt64, _ entry: Int32) {
        let base = Int(entry) << Self.pageShift
        for i in 0..<Self.pageSize where slots[base + i] != 0 {
            sparse[page << Self.pageShift | UInt64(i)] = slots[base + i] - 1
            slots[base + i] = 0
        }
        pageCounts[Int(entry)] = 0
        directory[Int(page - firstPage)] = Self.sparsePage
        freeSlotPages.append(entry)
    }

    /// Calls `body` with each live ticket (in no particular order).
    func forEach(_ body: (CompactTicket) throws -> Void) rethrows {
        for t in records where t.live { try body(t) }
    }
}
