internal import CLMDB

/// A named database (`MDB_dbi`) inside an environment.
package struct Database: Sendable, Hashable {
    let dbi: MDB_dbi
    /// The name it was opened with.
    package let name: String
}

/// A transaction, valid only inside the `read` or `write` closure that handed it out.
///
/// Byte views it returns point into the memory map and are valid only until the
/// transaction ends or the next write in it: copy what must outlive that.
package struct Transaction {
    let handle: OpaquePointer

    /// The id of the snapshot it reads (`mdb_txn_id`): read transactions with the same id see the same data.
    package var snapshotID: Int { Int(mdb_txn_id(handle)) }

    /// Opens the named database; with `create`, creates it (write transactions only).
    package func openDatabase(_ name: String, create: Bool) throws(LMDBError) -> Database {
        var dbi: MDB_dbi = 0
        try check(mdb_dbi_open(handle, name, create ? UInt32(MDB_CREATE) : 0, &dbi), "mdb_dbi_open(\(name))")
        return Database(dbi: dbi, name: name)
    }

    /// The main (unnamed) database, which lists the named ones.
    package func openMainDatabase() throws(LMDBError) -> Database {
        var dbi: MDB_dbi = 0
        try check(mdb_dbi_open(handle, nil, 0, &dbi), "mdb_dbi_open(main)")
        return Database(dbi: dbi, name: "main")
    }

    /// Calls `body` with the value stored under `key`, or `nil` when there is none.
    package func withValue<R>(
        _ db: Database, key: some ByteBuffer, _ body: (UnsafeRawBufferPointer?) throws -> R
    ) throws -> R {
        var found: UnsafeRawBufferPointer?
        try key.withLMDBBytes { (keyBytes) throws(LMDBError) in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val()
            let rc = mdb_get(handle, db.dbi, &k, &v)
            if rc == MDB_NOTFOUND { return }
            try check(rc, "mdb_get(\(db.name))")
            found = UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
        }
        return try body(found)
    }

    /// A copy of the value stored under `key`, or `nil`.
    package func value(_ db: Database, key: some ByteBuffer) throws -> [UInt8]? {
        try withValue(db, key: key) { $0.map { Array($0) } }
    }

    /// Stores `value` under `key`, replacing what was there. With `append`, the key must sort
    /// after every key in the database (`MDB_APPEND`, for rising sequence numbers).
    package func put(
        _ db: Database, key: some ByteBuffer, value: some ByteBuffer, append: Bool = false
    ) throws(LMDBError) {
        let flags = append ? UInt32(MDB_APPEND) : 0
        try key.withLMDBBytes { (keyBytes) throws(LMDBError) in
            try value.withLMDBBytes { (valueBytes) throws(LMDBError) in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                try check(mdb_put(handle, db.dbi, &k, &v, flags), "mdb_put(\(db.name))")
            }
        }
    }

    /// Deletes `key`; returns whether it was there.
    @discardableResult
    package func delete(_ db: Database, key: some ByteBuffer) throws(LMDBError) -> Bool {
        try key.withLMDBBytes { (keyBytes) throws(LMDBError) -> Bool in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            let rc = mdb_del(handle, db.dbi, &k, nil)
            if rc == MDB_NOTFOUND { return false }
            try check(rc, "mdb_del(\(db.name))")
            return true
        }
    }

    /// Removes every entry of `db`, keeping the database itself.
    package func clear(_ db: Database) throws(LMDBError) {
        try check(mdb_drop(handle, db.dbi, 0), "mdb_drop(\(db.name))")
    }

    /// The number of entries in `db`.
    package func count(_ db: Database) throws(LMDBError) -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(handle, db.dbi, &stat), "mdb_stat(\(db.name))")
        return stat.ms_entries
    }

    /// Entries and pages of `db`, as `mdb_stat` reports them.
    package func statistics(_ db: Database) throws(LMDBError) -> DatabaseStatistics {
        var stat = MDB_stat()
        try check(mdb_stat(handle, db.dbi, &stat), "mdb_stat(\(db.name))")
        return DatabaseStatistics(
            entries: stat.ms_entries, pages: stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages,
            pageSize: Int(stat.ms_psize), depth: Int(stat.ms_depth))
    }

    /// Calls `body` with a cursor over `db`, closed when `body` returns.
    package func withCursor<R>(_ db: Database, _ body: (inout Cursor) throws -> R) throws -> R {
        var raw: OpaquePointer?
        try check(mdb_cursor_open(handle, db.dbi, &raw), "mdb_cursor_open(\(db.name))")
        guard let raw else { throw LMDBError(code: .invalid, operation: "mdb_cursor_open(\(db.name))") }
        defer { mdb_cursor_close(raw) }
        var cursor = Cursor(handle: raw, name: db.name)
        return try body(&cursor)
    }
}

/// Entries and pages of one database.
package struct DatabaseStatistics: Sendable, Hashable {
    package var entries: Int
    /// Branch, leaf and overflow pages.
    package var pages: Int
    package var pageSize: Int
    package var depth: Int
    /// Bytes of the map the database's pages take (`Int.max` when a damaged page count would
    /// overflow: statistics of a damaged store must not trap).
    package var bytes: Int {
        let (product, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? .max : product
    }
}

@available(*, unavailable, message: "a transaction belongs to the thread running its closure")
extension Transaction: Sendable {}

/// A key and value seen by a cursor; views into the map, valid until the cursor moves.
package struct Entry {
    package let key: UnsafeRawBufferPointer
    package let value: UnsafeRawBufferPointer
}

/// A position in a database, valid only inside `withCursor`.
package struct Cursor {
    let handle: OpaquePointer
    let name: String

    /// The first entry.
    package mutating func first() throws(LMDBError) -> Entry? { try move(MDB_FIRST) }
    /// The last entry.
    package mutating func last() throws(LMDBError) -> Entry? { try move(MDB_LAST) }
    /// The entry after the current one.
    package mutating func next() throws(LMDBError) -> Entry? { try move(MDB_NEXT) }
    /// The entry before the current one.
    package mutating func previous() throws(LMDBError) -> Entry? { try move(MDB_PREV) }

    /// The first entry whose key is at least `key`.
    package mutating func seek(atLeast key: some ByteBuffer) throws(LMDBError) -> Entry? {
        try key.withLMDBBytes { (keyBytes) throws(LMDBError) -> Entry? in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var v = MDB_val()
            let rc = mdb_cursor_get(handle, &k, &v, MDB_SET_RANGE)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "mdb_cursor_get(\(name))")
            return Entry(key: UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                         value: UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    /// Sets `key` to `value` (`mdb_cursor_put`). Puts in key order are cheapest: LMDB
    /// skips the search from the root while the key falls on the cursor's current page.
    package mutating func put(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_cursor_put(handle, &k, &v, 0), "mdb_cursor_put(\(name))")
    }

    /// Deletes the entry the cursor is on.
    package mutating func deleteCurrent() throws(LMDBError) {
        try check(mdb_cursor_del(handle, 0), "mdb_cursor_del(\(name))")
    }

    private mutating func move(_ op: MDB_cursor_op) throws(LMDBError) -> Entry? {
        var k = MDB_val()
        var v = MDB_val()
        let rc = mdb_cursor_get(handle, &k, &v, op)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_cursor_get(\(name))")
        return Entry(key: UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                     value: UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }
}

@available(*, unavailable, message: "a cursor belongs to the thread running its transaction")
extension Cursor: Sendable {}

/// Bytes that can be lent to LMDB as a key or value without copying.
package protocol ByteBuffer {
    /// Calls `body` with the bytes.
    func withLMDBBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R
}

extension Array: ByteBuffer where Element == UInt8 {
    package func withLMDBBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        // `Array.withUnsafeBytes` is `rethrows`; carry the typed error out through `Result`.
        let result: Result<R, E> = withUnsafeBytes { buffer in Result { () throws(E) -> R in try body(buffer) } }
        return try result.get()
    }
}

extension UnsafeRawBufferPointer: ByteBuffer {
    package func withLMDBBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(self)
    }
}

/// A key of one or two big-endian 64-bit integers, lent to LMDB without a heap allocation
/// (sequence numbers, locators, `expiresAt ‖ locator`).
package struct IntegerKey: ByteBuffer {
    fileprivate let words: (UInt64, UInt64)
    fileprivate let count: Int

    /// The 8 big-endian bytes of `value`.
    package init(_ value: UInt64) {
        words = (value.bigEndian, 0)
        count = 8
    }

    /// The 16 big-endian bytes of `first` then `second`.
    package init(_ first: UInt64, _ second: UInt64) {
        words = (first.bigEndian, second.bigEndian)
        count = 16
    }

    package func withLMDBBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var words = words
        let count = count
        let result: Result<R, E> = withUnsafeBytes(of: &words) { raw in
            Result { () throws(E) -> R in try body(UnsafeRawBufferPointer(rebasing: raw[0..<count])) }
        }
        return try result.get()
    }
}

// MARK: - The writer's hot path

// Concrete overloads for integer keys: the same as the generic ones, without generic dispatch
// across the module boundary (measured: the generic wrappers and their metadata were about a
// tenth of the writer thread's time per redemption).
extension Transaction {
    /// Calls `body` with the value stored under `key`, or `nil` when there is none.
    package func withValue<R>(_ db: Database, key: IntegerKey, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        var words = key.words
        var v = MDB_val()
        let rc = withUnsafeMutableBytes(of: &words) { k in
            var kv = MDB_val(mv_size: key.count, mv_data: k.baseAddress)
            return mdb_get(handle, db.dbi, &kv, &v)
        }
        if rc == MDB_NOTFOUND { return try body(nil) }
        try check(rc, "mdb_get(\(db.name))")
        return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// Stores `value` under `key`; see the generic `put`.
    package func put(_ db: Database, key: IntegerKey, value: [UInt8], append: Bool = false) throws(LMDBError) {
        var words = key.words
        let rc = withUnsafeMutableBytes(of: &words) { k in
            value.withUnsafeBytes { bytes in
                var kv = MDB_val(mv_size: key.count, mv_data: k.baseAddress)
                var vv = MDB_val(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                return mdb_put(handle, db.dbi, &kv, &vv, append ? UInt32(MDB_APPEND) : 0)
            }
        }
        try check(rc, "mdb_put(\(db.name))")
    }

    /// Deletes `key`; returns whether it was there.
    @discardableResult
    package func delete(_ db: Database, key: IntegerKey) throws(LMDBError) -> Bool {
        var words = key.words
        let rc = withUnsafeMutableBytes(of: &words) { k in
            var kv = MDB_val(mv_size: key.count, mv_data: k.baseAddress)
            return mdb_del(handle, db.dbi, &kv, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "mdb_del(\(db.name))")
        return true
    }
}
