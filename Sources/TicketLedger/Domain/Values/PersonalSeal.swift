internal import Crypto

/// Seals and opens one personal field of one user under the user's ``PersonalKey``:
/// AES-256-GCM with a random 96-bit nonce. The additional authenticated data binds a box to its
/// pool, user, key generation and field, so a box copied into another user's record or
/// another field does not open.
///
/// A box is `format (1 byte, 1) ‖ generation (4, big-endian) ‖ nonce (12) ‖ ciphertext ‖
/// tag (16)`: ``overhead`` bytes more than the field. Sealing is for the caller's side; the
/// ledger's core and its replay move boxes as bytes and never open them.
enum PersonalSeal {
    /// Which field a box holds (part of the additional data).
    enum Field: UInt8, Sendable {
        /// The profile without its phone number.
        case profile = 1
        /// The phone number.
        case phone = 2
        /// The end user's IP address.
        case ip = 3
    }

    /// Why a box did not open.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// Not a box this build writes: too short, or an unknown format byte.
        case malformed(String)
        /// Sealed under another of the user's keys than the one given.
        case otherGeneration(sealed: UInt32, key: UInt32)
        /// The tag did not verify: the bytes were changed, or they belong to another user or field.
        case notAuthentic
        /// The cipher refused to seal (it says why).
        case sealingFailed(String)

        var description: String {
            switch self {
            case .malformed(let why): "the sealed field is malformed: \(why)"
            case .otherGeneration(let sealed, let key): "the field was sealed under key generation \(sealed), not \(key)"
            case .notAuthentic: "the sealed field does not authenticate under its user's key"
            case .sealingFailed(let why): "AES-GCM could not seal the field: \(why)"
            }
        }
    }

    static let format: UInt8 = 1
    static let nonceLength = 12
    static let tagLength = 16
    /// Bytes a box adds to its field.
    static let overhead = 1 + 4 + nonceLength + tagLength

    /// `plaintext` sealed for `field` of `user` under `key`, with a fresh random nonce.
    /// (AES-GCM refuses only keys and nonces of the wrong size, which cannot happen here; the
    /// error is passed on rather than trapped.)
    static func seal(_ plaintext: [UInt8], field: Field, of user: UserKey, under key: PersonalKey) throws(Failure) -> [UInt8] {
        let header = [format] + generationBytes(key.generation)
        do {
            let box = try AES.GCM.seal(
                plaintext, using: key.symmetric, nonce: AES.GCM.Nonce(),
                authenticating: additionalData(field, user, key.generation))
            return header + Array(box.nonce) + Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw .sealingFailed(String(describing: error))
        }
    }

    /// The key generation a box was sealed under, or `nil` when it is not a box.
    static func generation(of box: some Collection<UInt8>) -> UInt32? {
        guard box.count >= overhead, box.first == format else { return nil }
        return box.dropFirst().prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// What `box` sealed for `field` of `user`, opened with `key`.
    static func open(_ box: [UInt8], field: Field, of user: UserKey, under key: PersonalKey) throws(Failure) -> [UInt8] {
        guard box.count >= overhead else { throw .malformed("\(box.count) bytes, fewer than the \(overhead) every box has") }
        guard box[0] == format else { throw .malformed("format \(box[0]); this build knows \(format)") }
        guard let sealedGeneration = generation(of: box) else { throw .malformed("no generation") }
        guard sealedGeneration == key.generation else { throw .otherGeneration(sealed: sealedGeneration, key: key.generation) }
        do {
            // After the 5-byte header a box is AES-GCM's combined form: nonce ‖ ciphertext ‖ tag.
            let sealed = try AES.GCM.SealedBox(combined: box[5...])
            return Array(try AES.GCM.open(sealed, using: key.symmetric, authenticating: additionalData(field, user, key.generation)))
        } catch {
            throw .notAuthentic
        }
    }

    /// `"TicketLedger personal v1" ‖ 0 ‖ pool ‖ 0 ‖ user ‖ 0 ‖ field ‖ generation (4)`.
    private static func additionalData(_ field: Field, _ user: UserKey, _ generation: UInt32) -> [UInt8] {
        var aad = Array("TicketLedger personal v1".utf8)
        aad.append(0)
        aad += user.pool.rawValue.utf8
        aad.append(0)
        aad += user.user.rawValue.utf8
        aad.append(0)
        aad.append(field.rawValue)
        aad += generationBytes(generation)
        return aad
    }

    private static func generationBytes(_ g: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: g >> 24), UInt8(truncatingIfNeeded: g >> 16), UInt8(truncatingIfNeeded: g >> 8), UInt8(truncatingIfNeeded: g)]
    }
}
