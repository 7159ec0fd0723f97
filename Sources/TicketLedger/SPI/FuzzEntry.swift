/// Entry points for the libFuzzer target in `Fuzz/` and the randomized tests: each hands
/// arbitrary bytes to the decoders that read what is on disk or what callers send, and
/// returns whatever the bytes are — a decoder that traps on some input is the bug they hunt.
@_spi(Fuzzing)
public enum FuzzEntry {
    /// Decodes `bytes` as a stored event record (payload ‖ chain hash), and the payload alone;
    /// returns the event when the record decoded.
    public static func eventRecord(_ bytes: UnsafeRawBufferPointer) -> LedgerEvent? {
        _ = try? EventCodec.decode(payload: bytes)
        guard let (payload, _) = try? EventCodec.split(bytes) else { return nil }
        return try? EventCodec.decode(payload: payload)
    }

    /// Whether a decoded event survives re-encoding (see ``eventRecord(_:)``); `true` when the
    /// bytes do not decode at all.
    public static func eventRoundTrips(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let (payload, _) = try? EventCodec.split(bytes), let event = try? EventCodec.decode(payload: payload) else {
            return true
        }
        return EventCodec.payload(of: event).withUnsafeBytes { try? EventCodec.decode(payload: $0) } == event
    }

    /// Parses `bytes` (as UTF-8, invalid sequences replaced) as a ticket's text; returns the
    /// parsed ticket's text form, which must equal the input whenever it parses.
    public static func ticketText(_ bytes: UnsafeRawBufferPointer) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = TicketLocator(text)
        return Ticket(text)?.text
    }

    /// Decodes `bytes` as each projection record and the metadata record; returns how many
    /// accepted them.
    public static func projectionRecords(_ bytes: UnsafeRawBufferPointer) -> Int {
        var accepted = 0
        if (try? TicketState(decoding: bytes)) != nil { accepted += 1 }
        if (try? UserState(decoding: bytes)) != nil { accepted += 1 }
        if (try? PoolState(decoding: bytes)) != nil { accepted += 1 }
        if (try? StoreMeta(decoding: bytes)) != nil { accepted += 1 }
        return accepted
    }

    /// Validates `bytes` (as UTF-8) as each kind of caller-supplied text: pool and user ids, an
    /// IP address, a profile field; returns how many accepted it.
    public static func callerText(_ bytes: UnsafeRawBufferPointer) -> Int {
        let text = String(decoding: bytes, as: UTF8.self)
        var accepted = 0
        if (try? PoolID(text)) != nil { accepted += 1 }
        if (try? UserID(text)) != nil { accepted += 1 }
        if (try? IPAddress(text)) != nil { accepted += 1 }
        if (try? UserProfile(nickname: text, phone: text).validate()) != nil { accepted += 1 }
        if ChainHead(parsing: text) != nil { accepted += 1 }
        return accepted
    }
}
