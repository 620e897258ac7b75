/// The four-character type of an ISO-BMFF box, such as `moov` or `trak`.
///
/// Stored as the big-endian 32-bit value that appears in the file, so comparing
/// and writing a type costs one integer operation.
public struct BoxType: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The type as it is stored in a box header.
    public var rawValue: UInt32

    /// Creates a box type from its stored 32-bit value.
    ///
    /// - Parameters:
    ///   - rawValue: The four bytes of the type, big-endian.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Creates a box type from a four-character literal such as `"moov"`.
    ///
    /// Types are four bytes; a shorter literal is padded with spaces (as `"url "` is written)
    /// and a longer one cut to its first four bytes, so no literal can stop the process.
    ///
    /// - Parameters:
    ///   - value: Four ASCII characters.
    public init(stringLiteral value: StaticString) {
        var raw: UInt32 = 0
        value.withUTF8Buffer { bytes in
            for i in 0..<4 {
                raw = raw << 8 | UInt32(i < bytes.count ? bytes[i] : UInt8(ascii: " "))
            }
        }
        self.rawValue = raw
    }

    /// Creates a box type from a string, or returns nil unless it is exactly four bytes of UTF-8.
    ///
    /// - Parameters:
    ///   - string: The type, for example `"avc1"`.
    public init?(_ string: String) {
        let bytes = Array(string.utf8)
        guard bytes.count == 4 else { return nil }
        self.rawValue = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
    }

    /// The four characters, or a hexadecimal form when a byte is not printable ASCII.
    public var description: String {
        let bytes = [
            UInt8(truncatingIfNeeded: rawValue >> 24), UInt8(truncatingIfNeeded: rawValue >> 16),
            UInt8(truncatingIfNeeded: rawValue >> 8), UInt8(truncatingIfNeeded: rawValue),
        ]
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        let hex = String(rawValue, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
