import LMDB

/// Keeps a scan of the map from growing this process's resident set with the file: drops the
/// resident copies of the map pages the scan has passed (``Environment/dropResidentPages(from:to:)``)
/// whenever it has moved through ``blocksPerTrim`` blocks of ``blockBytes`` (or read
/// ``pagesPerTrim`` pages), everything it has passed every ``trimsPerSweep`` trims, and
/// everything again at ``trim()``. The pages stay in the page cache; reading them again faults
/// them back in.
///
/// Why so: the records of one database are scattered over the file (LMDB reuses freed pages),
/// and a fault maps more than the page read — Linux maps the neighbours in the page cache
/// (fault-around, 64 KiB), and a large folio of the page cache whole, up to an aligned 2 MiB
/// block (`FilePmdMapped` in `smaps`). So a trim drops the whole blocks around the pages read
/// since the last one, and comes after a few blocks, not after so many records (every 16,384
/// records, the resident log pages reached 50 MB on a 3 M-event log). Blocks faulted in by the
/// scan's other reads (branch pages) can lie outside those windows; the sweeps drop them.
///
/// Only addresses between views the scan saw are advised, so every range lies inside the map.
/// The advice changes no byte read: if the kernel refuses it, the trimmer keeps the error in
/// ``failure`` and stops advising, and the scan goes on.
struct ResidentPageTrimmer {
    let environment: Environment
    /// The pages read since the last trim, as the lowest and highest byte seen.
    private var low: UnsafeRawPointer?
    private var high: UnsafeRawPointer?
    /// The same over the whole scan: everything between is inside the map.
    private var lowest: UnsafeRawPointer?
    private var highest: UnsafeRawPointer?
    private var lastPage = -1
    private var pages = 0
    private var lastBlock = -1
    private var blocks = 0
    private var trims = 0
    /// Why the kernel refused the advice, if it did (then no more is given).
    private(set) var failure: LMDBError?

    /// Pages read between trims, at most.
    static let pagesPerTrim = 256
    /// Blocks of ``blockBytes`` read between trims, at most: the resident set grows by at
    /// most about this many blocks (8 MiB) between trims.
    static let blocksPerTrim = 4
    /// The same for scans of databases whose pages lie in a different block nearly each (the
    /// stored users and tickets): each trim interrupts the other thread (the TLB flush), so
    /// they trim less often, the resident set growing by up to 32 MiB between trims.
    static let blocksPerScatteredTrim = 16
    /// Trims between sweeps over everything seen.
    static let trimsPerSweep = 64
    /// The most one fault maps: a 2 MiB block (a large folio of the page cache mapped whole,
    /// `FilePmdMapped` in `smaps`), aligned; without large folios, Linux's fault-around maps
    /// 64 KiB aligned blocks, inside it.
    static let blockBytes = 2 << 20

    /// How often this trimmer trims and sweeps (the defaults above; tests trim more often).
    let pagesPerWindow: Int
    let blocksPerWindow: Int
    let trimsBetweenSweeps: Int

    init(
        environment: Environment, pagesPerTrim: Int = Self.pagesPerTrim, blocksPerTrim: Int = Self.blocksPerTrim,
        trimsPerSweep: Int = Self.trimsPerSweep
    ) {
        self.environment = environment
        self.pagesPerWindow = pagesPerTrim
        self.blocksPerWindow = blocksPerTrim
        self.trimsBetweenSweeps = trimsPerSweep
    }

    /// The scan read `bytes` (a view into the map).
    @inline(__always)
    mutating func saw(_ bytes: UnsafeRawBufferPointer) {
        guard let start = bytes.baseAddress else { return }
        let end = start + bytes.count
        if low.map({ start < $0 }) ?? true { low = start }
        if high.map({ end > $0 }) ?? true { high = end }
        let page = Int(bitPattern: start) / Environment.systemPageSize
        if page != lastPage {
            lastPage = page
            pages += 1
            let block = Int(bitPattern: start) / Self.blockBytes
            if block != lastBlock {
                lastBlock = block
                blocks += 1
            }
            if pages >= pagesPerWindow || blocks > blocksPerWindow { trimWindow() }
        }
    }

    /// Drops everything the scan has passed (call at its end).
    mutating func trim() {
        widenSeen()
        if let lowest, let highest { advise(from: lowest, to: highest) }
        (low, high, pages, blocks, trims) = (nil, nil, 0, 1, 0)
    }

    private mutating func trimWindow() {
        widenSeen()
        trims += 1
        if trims >= trimsBetweenSweeps {
            trim()
            return
        }
        if let low, let high, let lowest, let highest {
            // The whole blocks around the pages read, as far as the map is known to reach.
            let block = Self.blockBytes
            let from = UnsafeRawPointer(bitPattern: Int(bitPattern: low) / block * block).map { max($0, lowest) } ?? lowest
            let to = UnsafeRawPointer(bitPattern: (Int(bitPattern: high) + block - 1) / block * block).map { min($0, highest) } ?? highest
            advise(from: from, to: to)
        }
        (low, high, pages, blocks) = (nil, nil, 0, 1)
    }

    private mutating func widenSeen() {
        if let low, lowest.map({ low < $0 }) ?? true { lowest = low }
        if let high, highest.map({ high > $0 }) ?? true { highest = high }
    }

    private mutating func advise(from start: UnsafeRawPointer, to end: UnsafeRawPointer) {
        guard failure == nil else { return }
        do {
            try environment.dropResidentPages(from: start, to: end)
        } catch {
            failure = error
        }
    }
}
