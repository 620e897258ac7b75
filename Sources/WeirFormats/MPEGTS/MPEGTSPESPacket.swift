import NIOCore
import WeirCore

/// A complete PES packet split into its timestamps and payload (ISO/IEC 13818-1 2.4.3.6).
struct MPEGTSPESPacket: Sendable {
    var streamID: UInt8
    var pts: Int64?
    var dts: Int64?
    var payload: ByteBuffer

    /// Parses a PES packet.
    ///
    /// Only stream ids with the optional PES header (audio, video, private stream 1, extended)
    /// are accepted; padding, private stream 2 and the system streams carry nothing to package.
    ///
    /// - Parameters:
    ///   - buffer: The PES packet from its start code, cut to `PES_packet_length` when bounded.
    /// - Throws: ``MPEGTSError`` for a missing start code, a stream id without the optional
    ///   header, or a header longer than the packet.
    init(parsing buffer: ByteBuffer) throws(MPEGTSError) {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= 9, let prefix = buffer.getBytes(at: start, length: 9) else {
            throw .truncated("PES header")
        }
        guard prefix[0] == 0, prefix[1] == 0, prefix[2] == 1 else { throw .missingStartCode }
        streamID = prefix[3]
        guard Self.hasOptionalHeader(streamID: streamID) else { throw .invalidValue("stream_id \(streamID)") }
        guard prefix[6] & 0xC0 == 0x80 else { throw .invalidValue("PES header marker") }
        let flags = prefix[7] >> 6
        let headerLength = Int(prefix[8])
        let payloadStart = 9 + headerLength
        guard payloadStart <= buffer.readableBytes else { throw .truncated("PES header data") }
        switch flags {
        case 0b10:
            guard headerLength >= 5 else { throw .truncated("PTS") }
            pts = MPEGTSTimestamp.read(from: buffer, at: start + 9)
        case 0b11:
            guard headerLength >= 10 else { throw .truncated("PTS and DTS") }
            pts = MPEGTSTimestamp.read(from: buffer, at: start + 9)
            dts = MPEGTSTimestamp.read(from: buffer, at: start + 14)
        default:
            break
        }
        payload = buffer.getSlice(at: start + payloadStart, length: buffer.readableBytes - payloadStart) ?? ByteBuffer()
    }

    /// Whether PES packets of `streamID` carry the optional header with timestamps.
    static func hasOptionalHeader(streamID: UInt8) -> Bool {
        streamID == 0xBD || (0xC0...0xEF).contains(streamID) || streamID == 0xFD
    }

    /// The size of the whole PES packet from the first bytes collected, nil while fewer than six
    /// bytes are there or when `PES_packet_length` is 0 (unbounded, allowed for video).
    static func declaredSize(_ buffer: ByteBuffer) -> Int? {
        guard let length = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt16.self), length > 0 else {
            return nil
        }
        return 6 + Int(length)
    }

    /// Whether a video PES starting with `buffer` begins a new access unit, judged from its
    /// first packet: it carries a PTS, or its payload opens with an access unit delimiter.
    /// True when the header cannot be read, so that the unit before it is not held back.
    ///
    /// - Parameters:
    ///   - buffer: The first packet's payload.
    ///   - codec: The stream's codec, for the delimiter's NAL unit type.
    static func startsNewUnit(_ buffer: ByteBuffer, codec: Codec) -> Bool {
        let start = buffer.readerIndex
        guard let bytes = buffer.getBytes(at: start, length: 9),
            bytes[0] == 0, bytes[1] == 0, bytes[2] == 1, hasOptionalHeader(streamID: bytes[3])
        else { return true }
        if bytes[7] & 0x80 != 0 { return true }
        let payload = start + 9 + Int(bytes[8])
        guard let head = buffer.getBytes(at: payload, length: min(6, max(0, buffer.writerIndex - payload))) else {
            return false
        }
        let header: UInt8? =
            if head.starts(with: [0, 0, 1]), head.count > 3 { head[3] }
            else if head.starts(with: [0, 0, 0, 1]), head.count > 4 { head[4] }
            else { nil }
        guard let header else { return false }
        return codec == .h265 ? (header >> 1) & 0x3F == 35 : header & 0x1F == 9
    }
}
