import NIOCore
import WeirFormats

/// Fuzzes the MPEG-TS demuxer and the media adapter behind it, as the TS, SRT and HTTP ingests
/// run them.
///
/// Input: one option byte, then the transport stream. Option bits: 0–2 choose the size of the
/// pieces the stream arrives in, 3 uses small limits (64 KiB PES, two streams, two programs,
/// a short selection timeout), 4 asks for program 1 instead of automatic selection, 5 rewrites
/// the CRC of every PAT and PMT section that fits in its packet, so that mutated tables get past
/// the CRC check and reach the table parsers. The stream
/// is demuxed twice, whole and in pieces, and both must give the same events and counters:
/// how UDP datagrams or TCP segments split a stream must not change what it means.
///
/// - Parameters:
///   - data: The fuzzer input.
public func fuzzMPEGTS(_ data: UnsafeRawBufferPointer) {
    var input = FuzzInput(data)
    let options = input.byte()
    let pieceSize = FuzzInput.pieceSizes[Int(options) & 0x07]
    let program: UInt16? = options & 0x10 != 0 ? 1 : nil
    let configuration =
        options & 0x08 != 0
        ? MPEGTSDemuxer.Configuration(
            programNumber: program, maxPESSize: 1 << 16, maxStreams: 2, maxPrograms: 2, selectionTimeoutPackets: 8)
        : MPEGTSDemuxer.Configuration(programNumber: program)
    let stream = options & 0x20 != 0 ? repairingSectionCRCs(input.rest) : input.rest

    let whole = demux([stream[...]], configuration: configuration)
    let pieces = demux(FuzzInput.pieces(of: stream, size: pieceSize), configuration: configuration)
    precondition(whole.events == pieces.events, "the demuxer's events depend on how the input is split")
    precondition(
        whole.counters == pieces.counters,
        "the demuxer's counters depend on how the input is split: \(whole.counters) whole, \(pieces.counters) in pieces")
    let counters = whole.counters
    precondition(counters.bytes == stream.count, "demuxer byte count")
    precondition(counters.packets * 188 + counters.discardedBytes <= stream.count, "demuxer used more bytes than fed")

    var adapter = MPEGTSMediaAdapter()
    for output in adapter.consume(whole.events) {
        guard case .packet(let kind, let sample) = output else { continue }
        precondition(sample.data.readableBytes > 0, "empty \(kind) sample")
        precondition(kind != .audio || sample.duration > 0, "audio sample without duration")
    }
}

private func demux(
    _ pieces: [ArraySlice<UInt8>], configuration: MPEGTSDemuxer.Configuration
) -> (events: [MPEGTSDemuxer.Event], counters: MPEGTSDemuxer.Counters) {
    var demuxer = MPEGTSDemuxer(configuration: configuration)
    var events: [MPEGTSDemuxer.Event] = []
    for piece in pieces {
        events += demuxer.feed(ByteBuffer(bytes: piece))
    }
    events += demuxer.flush()
    return (events, demuxer.counters)
}

/// The stream with the CRC of each PAT or PMT section that starts and ends in one packet
/// recomputed.
private func repairingSectionCRCs(_ stream: [UInt8]) -> [UInt8] {
    var bytes = stream
    var packet = 0
    while packet + 188 <= bytes.count {
        defer { packet += 188 }
        let end = packet + 188
        guard bytes[packet] == 0x47, bytes[packet + 1] & 0x40 != 0 else { continue }
        let adaptation = bytes[packet + 3] & 0x20 != 0
        let pointerIndex = adaptation ? packet + 5 + Int(bytes[packet + 4]) : packet + 4
        guard pointerIndex < end else { continue }
        let start = pointerIndex + 1 + Int(bytes[pointerIndex])
        guard start + 3 <= end, bytes[start] == 0x00 || bytes[start] == 0x02 else { continue }
        let size = 3 + (Int(bytes[start + 1] & 0x0F) << 8 | Int(bytes[start + 2]))
        guard size >= 12, start + size <= end else { continue }
        let crc = mpeg2CRC32(bytes[start..<(start + size - 4)])
        for index in 0..<4 {
            bytes[start + size - 4 + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * index))
        }
    }
    return bytes
}

/// CRC-32/MPEG-2: polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no reflection, no final XOR.
private func mpeg2CRC32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte) << 24
        for _ in 0..<8 {
            crc = crc & 0x8000_0000 != 0 ? crc << 1 ^ 0x04C1_1DB7 : crc << 1
        }
    }
    return crc
}
