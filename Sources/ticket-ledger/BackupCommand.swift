import ArgumentParser
import Foundation
import TicketLedger

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent, compacted copy of a store while it stays in use.",
        discussion: """
            Copies one read transaction's snapshot (mdb_env_copy2 with compaction) into DEST, which \
            must not exist or be an empty directory: a backup never overwrites anything. Opens the \
            store read-only, so servers and other commands may keep writing meanwhile. Prints the \
            copy's head (SEQ:HEX): every event up to it is in the copy. Missing parent \
            directories of DEST are made. Restore by stopping the writers and putting DEST's \
            data.mdb in place of the store's (delete its lock.mdb). For a postgres:// store the \
            copy is an LMDB store holding the log as of one snapshot, checked as `copy` checks it.

            Example:
              ticket-ledger backup ./store ./backups/store-$(date +%F)
              ticket-ledger audit ./backups/store-$(date +%F)
            """
    )

    @OptionGroup var store: StoreOptions
    @Argument(help: "An empty or missing directory to write the copy into.") var destination: String

    func validate() throws {
        guard !destination.isEmpty else { throw ValidationError("DESTINATION must not be empty") }
        guard !PostgresLocation.isURL(destination) else {
            throw ValidationError("DESTINATION is a directory; to copy into PostgreSQL use `ticket-ledger copy`")
        }
        let source = URL(fileURLWithPath: store.dir).standardizedFileURL.path
        let target = URL(fileURLWithPath: destination).standardizedFileURL.path
        guard source != target else { throw ValidationError("DESTINATION must be another directory than the store") }
    }

    func run() throws {
        try runIsolated(store: store.dir)
        let reader = try openReader(store.dir)
        defer { reader.close() }
        let report = try reader.backup(to: destination)
        if store.json {
            printJSON(report)
        } else {
            print("backed up \(store.dir) to \(report.destination): head \(report.head), \(report.bytes) bytes")
        }
    }
}
