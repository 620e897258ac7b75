/// A PSI section with the long syntax, checked against its CRC_32 (ISO/IEC 13818-1 2.4.4).
struct MPEGTSSection: Sendable {
    var tableID: UInt8
    /// `transport_stream_id` in a PAT, `program_number` in a PMT.
    var tableIDExtension: UInt16
    var version: UInt8
    var currentNext: Bool
    var sectionNumber: UInt8
    var lastSectionNumber: UInt8
    /// The bytes after `last_section_number`, without the CRC_32.
    var body: ArraySlice<UInt8>

    /// Parses a complete section.
    ///
    /// - Parameters:
    ///   - bytes: From `table_id` through CRC_32, as the section assembler returns it.
    /// - Throws: ``MPEGTSError/crcMismatch`` and ``MPEGTSError`` for truncation or the short syntax.
    init(parsing bytes: [UInt8]) throws(MPEGTSError) {
        // 8 header bytes after the length field's end, plus the CRC.
        guard bytes.count >= 12 else { throw .truncated("section") }
        guard MPEGTSCRC32.checksum(bytes) == 0 else { throw .crcMismatch }
        guard bytes[1] & 0x80 != 0 else { throw .invalidValue("section_syntax_indicator 0") }
        tableID = bytes[0]
        tableIDExtension = UInt16(bytes[3]) << 8 | UInt16(bytes[4])
        version = (bytes[5] >> 1) & 0x1F
        currentNext = bytes[5] & 0x01 != 0
        sectionNumber = bytes[6]
        lastSectionNumber = bytes[7]
        body = bytes[8..<(bytes.count - 4)]
    }
}
