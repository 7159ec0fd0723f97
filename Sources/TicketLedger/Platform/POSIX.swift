#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one file of `TicketLedger` that calls the C library: files and directories, clocks,
/// threads, a lock with a condition, byte comparison. (LMDB's own calls live in the `LMDB`
/// module.) Every function answers with a Swift value or a ``POSIX/Errno``; the callers say
/// what it means for the store (see `StoreOpener`, `LedgerError+Storage.swift`).
enum POSIX {
    /// A C library error number, with its text.
    struct Errno: Error, Hashable, CustomStringConvertible {
        var code: Int32

        /// The error the last failed call left.
        static var current: Errno { Errno(code: errno) }
        static let noEntry = Errno(code: ENOENT)
        static let accessDenied = Errno(code: EACCES)
        static let exists = Errno(code: EEXIST)

        /// `strerror`'s text.
        var description: String { String(cString: strerror(code)) }
    }

    /// What a path names.
    enum FileKind: Hashable {
        case directory
        case regularFile(bytes: Int64)
        /// A symbolic link (only when links are not followed).
        case symbolicLink
        case other
    }

    // MARK: - Files and directories

    /// What `path` names, or why that cannot be told. With `followingLinks` (the default) a
    /// link is what it points to (`stat`); without, a link is ``FileKind/symbolicLink`` (`lstat`).
    static func fileKind(_ path: String, followingLinks: Bool = true) -> Result<FileKind, Errno> {
        var st = stat()
        guard (followingLinks ? stat(path, &st) : lstat(path, &st)) == 0 else { return .failure(.current) }
        switch st.st_mode & S_IFMT {
        case S_IFDIR: return .success(.directory)
        case S_IFREG: return .success(.regularFile(bytes: Int64(st.st_size)))
        case S_IFLNK: return .success(.symbolicLink)
        default: return .success(.other)
        }
    }

    /// Creates the directory `path` (its parent must exist), private to its owner: mode 0700
    /// whatever the umask (`mkdir` applies the umask, so the mode is set again after).
    static func makeDirectory(_ path: String) -> Result<Void, Errno> {
        guard mkdir(path, 0o700) == 0 else { return .failure(.current) }
        guard chmod(path, 0o700) == 0 else { return .failure(.current) }
        return .success(())
    }

    /// Removes a file; errors are ignored (for cleaning up after a failure).
    static func removeFile(_ path: String) { _ = unlink(path) }

    /// Removes an empty directory; errors are ignored (for cleaning up after a failure).
    static func removeDirectory(_ path: String) { _ = rmdir(path) }

    /// The absolute path with every link resolved, or `nil` when it cannot be resolved.
    static func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether this process may read, write and search the directory `path`.
    static func canReadWriteAndSearch(_ path: String) -> Bool {
        access(path, R_OK | W_OK | X_OK) == 0
    }

    /// The bytes this user may still write on the file system holding `path`.
    static func availableBytes(onFileSystemOf path: String) -> UInt64? {
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return nil }
        return UInt64(fs.f_bavail) * UInt64(fs.f_frsize)
    }

    /// The names in directory `path` other than `.` and `..`, or `nil` when it cannot be read.
    static func directoryEntries(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The text of a small file (at most `limit` bytes), or `nil` when it cannot be read.
    static func readSmallFile(_ path: String, limit: Int) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return nil
    }

    /// `fsync`s the file or directory at `path`; the error names the call that failed.
    static func sync(_ path: String) -> Result<Void, SyncFailure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(SyncFailure(call: "open(\(path))", errno: .current)) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { return .failure(SyncFailure(call: "fsync(\(path))", errno: .current)) }
        return .success(())
    }

    /// Which call of ``sync(_:)`` failed, and how.
    struct SyncFailure: Error {
        var call: String
        var errno: Errno
    }

    // MARK: - Files written in place

    /// An open file that is read and written at given offsets (`pread`, `pwrite`), for the
    /// one file the store overwrites in place (`KeyVault`'s key slots). Closed on `deinit`.
    final class PositionalFile: Sendable {
        /// The file descriptor.
        let descriptor: Int32

        /// Opens `path` for reading, and writing when `writable`, creating it (mode 0600) with `create`.
        static func open(_ path: String, writable: Bool = true, create: Bool) -> Result<PositionalFile, Errno> {
            let fd = openFile(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | (create ? O_CREAT : 0), 0o600)
            guard fd >= 0 else { return .failure(.current) }
            return .success(PositionalFile(descriptor: fd))
        }

        private init(descriptor: Int32) { self.descriptor = descriptor }

        deinit { close(descriptor) }

        /// The file's size in bytes.
        func size() -> Result<Int64, Errno> {
            var st = stat()
            guard fstat(descriptor, &st) == 0 else { return .failure(.current) }
            return .success(Int64(st.st_size))
        }

        /// Reads exactly `buffer.count` bytes at `offset`; fails with `EIO` on a short read.
        func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> Result<Void, Errno> {
            var done = 0
            while done < buffer.count {
                let n = pread(descriptor, buffer.baseAddress.map { $0 + done }, buffer.count - done, off_t(offset) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { return .failure(.current) }
                guard n > 0 else { return .failure(Errno(code: EIO)) }
                done += n
            }
            return .success(())
        }

        /// Writes all of `bytes` at `offset`.
        func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Result<Void, Errno> {
            var done = 0
            while done < bytes.count {
                let n = pwrite(descriptor, bytes.baseAddress.map { $0 + done }, bytes.count - done, off_t(offset) + off_t(done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return .failure(n < 0 ? .current : Errno(code: EIO)) }
                done += n
            }
            return .success(())
        }

        /// `fsync`: what was written is on the disk when this returns.
        func sync() -> Result<Void, Errno> {
            fsync(descriptor) == 0 ? .success(()) : .failure(.current)
        }
    }

    // MARK: - Clocks

    /// Monotonic nanoseconds, for durations.
    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Milliseconds since the Unix epoch, from the real-time clock.
    static func realTimeMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    // MARK: - Memory

    /// `memcmp`: the order of `count` bytes at `a` and at `b` (negative, zero or positive).
    @inline(__always)
    static func compareBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Int32 {
        memcmp(a, b, count)
    }

    // MARK: - Threads

    /// Starts a detached thread running `body` (the writer; Foundation's `Thread` is not needed).
    /// Returns the `pthread_create` error, or 0.
    static func startThread(named name: String, _ body: @escaping @Sendable () -> Void) -> Int32 {
        final class Box: @unchecked Sendable {
            // @unchecked Sendable: handed to the new thread once, never shared after.
            let body: @Sendable () -> Void
            let name: String
            init(_ body: @escaping @Sendable () -> Void, _ name: String) {
                self.body = body
                self.name = name
            }
        }
        let box = Unmanaged.passRetained(Box(body, name)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if rc == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Box>.fromOpaque(box).release()
        }
        return rc
    }

    /// A mutex and a condition variable (what a blocking queue needs; `Mutex` has no wait).
    final class ConditionLock: @unchecked Sendable {
        // @unchecked Sendable: pthread mutexes and conditions are made to be shared between
        // threads; the pointers never change after `init`.
        private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

        init() {
            pthread_mutex_init(mutex, nil)
            pthread_cond_init(condition, nil)
        }

        deinit {
            pthread_cond_destroy(condition)
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
            condition.deallocate()
        }

        /// Takes the mutex.
        func lock() { pthread_mutex_lock(mutex) }
        /// Releases the mutex.
        func unlock() { pthread_mutex_unlock(mutex) }
        /// Waits for a signal, releasing the mutex meanwhile (call it holding the mutex, in a loop).
        func wait() { pthread_cond_wait(condition, mutex) }
        /// Wakes one waiter.
        func signal() { pthread_cond_signal(condition) }
        /// Wakes every waiter.
        func broadcast() { pthread_cond_broadcast(condition) }
    }
}

/// `open(2)` under a name that ``POSIX/PositionalFile/open(_:writable:create:)`` does not hide.
private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }

/// Monotonic nanoseconds, for latency figures (``POSIX/monotonicNanoseconds()``).
@inline(__always)
func monotonicNanoseconds() -> UInt64 { POSIX.monotonicNanoseconds() }
