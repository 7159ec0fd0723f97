import ArgumentParser
import Foundation

/// The lines of a file, a FIFO or standard input (`-`), read as a stream through one buffer:
/// memory stays bounded however long the input, and a line is answered as soon as it has
/// arrived. Lines are numbered as in the file (blank lines count); a line end is `\n`, and a
/// `\r` before it is dropped. A line over `maxLength` bytes is reported as ``Line/tooLong``
/// without being kept.
final class LineReader {
    /// One line of the input.
    enum Line: Equatable {
        case text(String, number: Int)
        case tooLong(number: Int)
    }

    private let fd: Int32
    private let path: String
    private let ownsDescriptor: Bool
    private let maxLength: Int
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var start = 0
    private var end = 0
    private var atEnd = false
    private var number = 0

    /// Opens `path` (`-` is standard input); a usage error says why it cannot be read.
    init(path: String, maxLength: Int) throws {
        self.path = path
        self.maxLength = maxLength
        if path == "-" {
            fd = STDIN_FILENO
            ownsDescriptor = false
        } else {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else {
                throw ValidationError("cannot open '\(path)': \(String(cString: strerror(errno)))")
            }
            fd = opened
            ownsDescriptor = true
        }
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// The next line, or `nil` at the end of the input.
    func next() throws -> Line? {
        var line: [UInt8] = []
        var tooLong = false
        while true {
            if start == end {
                guard !atEnd else { break }
                try fill()
                continue
            }
            let newline = buffer[start..<end].firstIndex(of: UInt8(ascii: "\n"))
            let stop = newline ?? end
            if !tooLong {
                if line.count + (stop - start) > maxLength + 1 {
                    tooLong = true
                    line = []
                } else {
                    line.append(contentsOf: buffer[start..<stop])
                }
            }
            start = stop
            if newline != nil {
                start += 1
                return finish(line, tooLong: tooLong)
            }
        }
        guard !line.isEmpty || tooLong else { return nil }
        return finish(line, tooLong: tooLong)
    }

    private func finish(_ line: [UInt8], tooLong: Bool) -> Line {
        number += 1
        var bytes = line[...]
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        if tooLong || bytes.count > maxLength { return .tooLong(number: number) }
        return .text(String(decoding: bytes, as: UTF8.self), number: number)
    }

    /// Reads more input into the buffer; at the end of the input sets `atEnd`. A signal
    /// while it waits ends the command (``Interruption/whileWaitingForInput(_:)``).
    private func fill() throws {
        start = 0
        end = 0
        while true {
            let n = try Interruption.whileWaitingForInput {
                buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            }
            if n > 0 {
                end = n
                return
            }
            if n == 0 {
                atEnd = true
                return
            }
            if errno == EINTR { continue }
            throw ValidationError("cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
    }
}
