import NIOCore
@testable import RTMP

/// A small deterministic generator, so a failing random case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SplitMix64 {
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// Writes chunk headers by hand, to produce exactly the header forms a test needs.
struct ChunkWriter {
    var buffer = ByteBuffer()

    mutating func basicHeader(format: UInt8, chunkStreamID: UInt32) {
        RTMPChunkEncoder.writeBasicHeader(format: format, chunkStreamID: chunkStreamID, into: &buffer)
    }

    mutating func type0(chunkStreamID: UInt32, timestamp: UInt32, length: Int, typeID: UInt8, streamID: UInt32) {
        basicHeader(format: 0, chunkStreamID: chunkStreamID)
        RTMPChunkEncoder.writeUInt24(min(timestamp, 0xFF_FFFF), into: &buffer)
        RTMPChunkEncoder.writeUInt24(UInt32(length), into: &buffer)
        buffer.writeInteger(typeID)
        buffer.writeInteger(streamID, endianness: .little)
        if timestamp >= 0xFF_FFFF { buffer.writeInteger(timestamp) }
    }

    mutating func type1(chunkStreamID: UInt32, delta: UInt32, length: Int, typeID: UInt8) {
        basicHeader(format: 1, chunkStreamID: chunkStreamID)
        RTMPChunkEncoder.writeUInt24(min(delta, 0xFF_FFFF), into: &buffer)
        RTMPChunkEncoder.writeUInt24(UInt32(length), into: &buffer)
        buffer.writeInteger(typeID)
        if delta >= 0xFF_FFFF { buffer.writeInteger(delta) }
    }

    mutating func type2(chunkStreamID: UInt32, delta: UInt32) {
        basicHeader(format: 2, chunkStreamID: chunkStreamID)
        RTMPChunkEncoder.writeUInt24(min(delta, 0xFF_FFFF), into: &buffer)
        if delta >= 0xFF_FFFF { buffer.writeInteger(delta) }
    }

    /// - Parameters:
    ///   - extendedTimestamp: written after the basic header when given.
    mutating func type3(chunkStreamID: UInt32, extendedTimestamp: UInt32? = nil) {
        basicHeader(format: 3, chunkStreamID: chunkStreamID)
        if let extendedTimestamp { buffer.writeInteger(extendedTimestamp) }
    }

    mutating func payload(_ bytes: some Sequence<UInt8>) {
        buffer.writeBytes(Array(bytes))
    }
}

/// Feeds `input` to a decoder in pieces of the given sizes (cycled) and collects every message.
func decodeAll(_ input: ByteBuffer, decoder: inout RTMPChunkDecoder, pieces: [Int] = [Int.max]) throws -> [RTMPMessage] {
    var messages: [RTMPMessage] = []
    var pending = ByteBuffer()
    var source = input
    var pieceIndex = 0
    while source.readableBytes > 0 {
        let size = min(max(1, pieces[pieceIndex % pieces.count]), source.readableBytes)
        pieceIndex += 1
        guard var piece = source.readSlice(length: size) else { break }
        pending.writeBuffer(&piece)
        while let message = try decoder.nextMessage(from: &pending) {
            messages.append(message)
        }
    }
    return messages
}
