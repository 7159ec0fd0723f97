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

    func write<R>(readingAhead ahead: ReadAhead?, _ body: (PostgresBatch) throws -> R) throws(LedgerError) -> R {
        writeLock.lock()
        defer { writeLock.unlock() }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try writeOnce(readingAhead: ahead, body)
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

    /// One attempt at a batch, in two round trips when nothing else is needed: begin, lock the
    /// head and read ahead, sent together; then the batch's writes and the commit, sent together
    /// (postgres-nio queues them on the connection, so the writer waits once for each pair).
    private func writeOnce<R>(readingAhead ahead: ReadAhead?, _ body: (PostgresBatch) throws -> R) throws -> R {
        let open = try writer.connected()
        let logger = writer.logger
        let begin = open.query("BEGIN", logger: logger)
        let head = open.query(PostgresBatch.metaQuery(forUpdate: true), logger: logger)
        let ask = ahead.flatMap { $0.isEmpty ? nil : $0 }
        let readAhead = ask.map { open.query(PostgresBatch.readAheadQuery($0), logger: logger) }
        let result: R
        let batch: PostgresBatch
        do {
            _ = try writer.wait(begin, during: "begin a batch", on: open)
            let meta = try PostgresBatch.decodeMeta(try writer.wait(head, during: "read the head", on: open), path: path)
            batch = PostgresBatch(session: writer, meta: meta)
            if let ask, let readAhead {
                try batch.absorb(try writer.wait(readAhead, during: "read ahead", on: open), asked: ask)
            }
            result = try body(batch)
        } catch {
            _ = try? writer.run("ROLLBACK", "roll back a batch")
            throw error
        }
        let written = open.query(batch.flushQuery(), logger: logger)
        let commit = open.query("COMMIT", logger: logger)
        do {
            _ = try written.wait()
        } catch {
            // Refused by the server: the transaction is aborted, and the COMMIT queued behind
            // the statement only ends it (PostgreSQL answers it with ROLLBACK).
            if let state = PostgresSession.sqlState(error) {
                _ = try? commit.wait()
                if state == "40001" || state == "40P01" { throw RetryableConflict(state: state) }
                throw writer.failure(error, during: "write the batch", on: open)
            }
            // The connection went away with the COMMIT already sent: the server may have committed.
            writer.drop(open)
            throw LedgerError.commitOutcomeUnknown(path: path)
        }
        do {
            _ = try commit.wait()
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

    /// Runs `body` in one transaction on the writer's connection, holding the head's row lock
    /// (so every writer on every host waits), with the transaction read as a ``StoreScan``:
    /// the bulk operations (`rebuild`, `copy` into this store). Commits when `body` returns,
    /// rolls back when it throws; never retried.
    func exclusive<R>(_ body: (PostgresBatch) throws -> R) throws(LedgerError) -> R {
        writeLock.lock()
        defer { writeLock.unlock() }
        do {
            try writer.run("BEGIN", "begin")
            let result: R
            do {
                result = try body(PostgresBatch(session: writer, meta: try PostgresBatch.readMeta(writer, forUpdate: true)))
            } catch {
                _ = try? writer.run("ROLLBACK", "roll back")
                throw error
            }
            let open = try writer.connected()
            do {
                _ = try open.query("COMMIT", logger: writer.logger).wait()
            } catch {
                if PostgresSession.sqlState(error) != nil { throw writer.failure(error, during: "commit", on: open) }
                writer.drop(open)
                throw LedgerError.commitOutcomeUnknown(path: path)
            }
            return result
        } catch let error as LedgerError {
            throw error
        } catch {
            throw ledgerError(error, path: path)
        }
    }

    func close() {
        writer.close()
        reader.close()
    }
}
