/// The CRC-32 of MPEG-2 sections (ISO/IEC 13818-1 annex A).
///
/// Polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no reflection and no final XOR, so a
/// section including its CRC_32 field checks to zero.
enum MPEGTSCRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index) << 24
        for _ in 0..<8 {
            value = value & 0x8000_0000 != 0 ? (value << 1) ^ 0x04C1_1DB7 : value << 1
        }
        return value
    }

    /// The CRC of `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: The data.
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = (crc << 8) ^ table[Int((crc >> 24) ^ UInt32(byte))]
        }
        return crc
    }
}
