import NIOCore

/// The fields of a transport packet's adaptation field that the demuxer acts on.
struct MPEGTSAdaptationField: Sendable {
    /// `discontinuity_indicator`: a system time base change on the PCR PID, and a permitted
    /// continuity counter jump on any PID.
    var discontinuity = false
    /// `random_access_indicator`: the next PES starting here begins at a random access point.
    var randomAccess = false
    /// The program clock reference in 27 MHz ticks (`base × 300 + extension`).
    var pcr: Int64?

    /// Parses the field whose flags byte is at `index`.
    ///
    /// - Parameters:
    ///   - packet: The packet.
    ///   - index: The absolute index of the byte after `adaptation_field_length`.
    ///   - length: `adaptation_field_length`, already checked to fit the packet.
    init(parsing packet: ByteBuffer, at index: Int, length: Int) {
        guard length > 0, let flags = packet.getInteger(at: index, as: UInt8.self) else { return }
        discontinuity = flags & 0x80 != 0
        randomAccess = flags & 0x40 != 0
        if flags & 0x10 != 0, length >= 7, let bytes = packet.getBytes(at: index + 1, length: 6) {
            let base = Int64(bytes[0]) << 25 | Int64(bytes[1]) << 17 | Int64(bytes[2]) << 9
                | Int64(bytes[3]) << 1 | Int64(bytes[4] >> 7)
            let ext = Int64(bytes[4] & 0x01) << 8 | Int64(bytes[5])
            pcr = base * 300 + ext
        }
    }
}
