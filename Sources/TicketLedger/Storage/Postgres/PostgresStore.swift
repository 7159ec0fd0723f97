import Logging
import NIOCore
import PostgresNIO

/// A store in a PostgreSQL database, shared by every host that opens it (``LedgerStore``).
///
/// Each batch is one transaction: lock the meta row (the head) first, so writers on every host
/// take turns and the sequence stays gap-free; read the batch's pools and tickets at once;
/// decide with the same ``Decider``; send the events, projections and new head; commit
/// (`synchronous_commit` as the server has it: on by default, so a commit is durable).
/// A unique index refuses a second consume event of a ticket whatever a writer does.
///
/// The writer's connection and the readers' connection are separate: a read never sees a
/// batch that has not committed.
struct PostgresStore: LedgerStore {
    let location: PostgresLocation
    let writer: PostgresSession
    let reader: PostgresSession
    /// The key of the store's ticket texts (``PostgresSchema/locatorKey(_:)``).
    let locatorCipher: LocatorCipher
    /// One reader transaction at a time on the readers' connection.
    let readLock = POSIX.ConditionLock()
    /// One write transaction at a time on the writer's connection (the writer thread is alone
    /// with group commit; without it, callers' threads write, and take turns here).
    let writeLock = POSIX.ConditionLock()

    var path: String { location.description }
    var commitsWaitForDisk: Bool { true }
    var readsAhead: Bool { true }

    /// Connects, creates the schema when `create` allows and the database has none, and
    /// refuses a newer schema.
    static func open(_ location: PostgresLocation, create: Bool, logger: Logger) throws(LedgerError) -> PostgresStore {
        let writer = PostgresSession(location: location, logger: logger)
        let cipher: LocatorCipher
        do {
            if create {
                try PostgresSchema.migrate(writer)
            } else {
                guard let found = try PostgresSchema.installedVersion(writer) else {
                    throw LedgerError.notAStore(
                        path: location.description, reason: "the database holds no TicketLedger schema: run `ticket-ledger migrate` first")
                }
                guard found <= PostgresSchema.version else {
                    throw LedgerError.newerFormat(
                        path: location.description, found: UInt16(clamping: found), supported: UInt16(PostgresSchema.version))
                }
                if found < PostgresSchema.version { try PostgresSchema.migrate(writer) }
            }
            cipher = try PostgresSchema.locatorKey(writer)
        } catch let error as LedgerError {
            writer.close()
            throw error
        } catch {
            writer.close()
            throw ledgerError(error, path: location.description)
        }
        return PostgresStore(
            location: location, writer: writer, reader: PostgresSession(location: location, logger: logger), locatorCipher: cipher)
    }

    func write<R>(_ body: (PostgresBatch) throws -> R) throws(LedgerError) -> R {
        writeLock.lock()
        defer { writeLock.unlock() }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try writeOnce(body)
            } catch let error as RetryableConflict where attempt < 8 {
                _ = error  // a serialization failure or deadlock: the transaction was rolled back; run it again
            } catch let error as RetryableConflict {
                throw .storage(path: path, operation: "commit", message: "gave up after \(attempt) conflicts (SQLSTATE \(error.state))")
            } catch let error as LedgerError {
                throw error
            } catch {
                throw ledgerError(error, path: path)
            }
        }
    }

    /// A serialization failure or deadlock: the batch may run again.
    struct RetryableConflict: Error {
        var state: String
    }

    private func writeOnce<R>(_ body: (PostgresBatch) throws -> R) throws -> R {
        try writer.run("BEGIN", "begin a batch")
        let result: R
        do {
            let batch = PostgresBatch(session: writer, meta: try PostgresBatch.readMeta(writer, forUpdate: true))
            result = try body(batch)
            try batch.flush()
        } catch {
            _ = try? writer.run("ROLLBACK", "roll back a batch")
            throw error
        }
        let open = try writer.connected()
        do {
            _ = try open.query("COMMIT", logger: writer.logger).wait()
        } catch {
            if let state = PostgresSession.sqlState(error) {
                if state == "40001" || state == "40P01" { throw RetryableConflict(state: state) }
                throw writer.failure(error, during: "commit", on: open)
            }
            // The connection went away during COMMIT: the server may have committed.
            writer.drop(open)
            throw LedgerError.commitOutcomeUnknown(path: path)
        }
        return result
    }

    func read<R>(_ body: (PostgresBatch) throws -> R) throws(LedgerError) -> R {
        readLock.lock()
        defer { readLock.unlock() }
        do {
            try reader.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin a read")
            defer { _ = try? reader.run("COMMIT", "end a read") }
            return try body(PostgresBatch(session: reader, meta: try PostgresBatch.readMeta(reader, forUpdate: false)))
        } catch let error as LedgerError {
            throw error
        } catch {
            throw ledgerError(error, path: path)
        }
    }

    var readAccess: LedgerReadAccess { LedgerReadAccess(kind: .postgres(self)) }

    func close() {
        writer.close()
        reader.close()
    }
}
