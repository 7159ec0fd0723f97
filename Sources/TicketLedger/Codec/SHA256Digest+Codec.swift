/// How a `SHA256Digest` is stored: its binary record (see `BinaryWriter`, `BinaryReader`).
extension SHA256Digest {
    func write(into writer: inout BinaryWriter) {
        writer.u64(w0)
        writer.u64(w1)
        writer.u64(w2)
        writer.u64(w3)
    }
}
