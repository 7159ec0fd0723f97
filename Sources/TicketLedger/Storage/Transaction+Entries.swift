import LMDB

extension Transaction {
    /// Calls `body` with each entry of `db` in key order until it returns `false`.
    func forEachEntry(_ db: Database, _ body: (Entry) throws -> Bool) throws {
        try withCursor(db) { cursor in
            var entry = try cursor.first()
            while let e = entry {
                guard try body(e) else { return }
                entry = try cursor.next()
            }
        }
    }
}
