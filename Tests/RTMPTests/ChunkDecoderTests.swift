import NIOCore
import Testing
@testable import RTMP

@Suite struct ChunkDecoderTests {
    struct Sent: Equatable {
        var chunkStreamID: UInt32
        var streamID: UInt32
        var typeID: UInt8
        var timestamp: UInt32
        var payload: [UInt8]

        init(_ message: RTMPMessage) {
            chunkStreamID = message.chunkStreamID
            streamID = message.messageStreamID
            typeID = message.typeID
            timestamp = message.timestamp
            payload = Array(message.payload.readableBytesView)
        }

        init(chunkStreamID: UInt32, streamID: UInt32, typeID: UInt8, timestamp: UInt32, payload: [UInt8]) {
            self.chunkStreamID = chunkStreamID
            self.streamID = streamID
            self.typeID = typeID
            self.timestamp = timestamp
            self.payload = payload
        }

        var message: RTMPMessage {
            RTMPMessage(chunkStreamID: chunkStreamID, messageStreamID: streamID, typeID: typeID, timestamp: timestamp, payload: ByteBuffer(bytes: payload))
        }
    }

    /// Messages of many sizes on several chunk streams, including an empty one, one of exactly
    /// 128 bytes, a large one and ids that need the 2- and 3-byte basic headers.
    static func sampleMessages() -> [Sent] {
        var random = SplitMix64(seed: 42)
        let sizes = [0, 1, 127, 128, 129, 4095, 4096, 4097, 59_999, 60_000, 60_001, 150_000, 300]
        let chunkStreams: [UInt32] = [3, 4, 6, 63, 64, 319, 320, 65599]
        var timestamp: UInt32 = 0
        return sizes.enumerated().map { index, size in
            timestamp &+= UInt32.random(in: 0...40, using: &random)
            return Sent(
                chunkStreamID: chunkStreams[index % chunkStreams.count], streamID: index % 3 == 0 ? 0 : 1,
                typeID: [8, 9, 18, 20][index % 4], timestamp: index == 7 ? 0x0123_4567 : timestamp,
                payload: random.bytes(size))
        }
    }

    @Test(arguments: [128, 4096, 60000])
    func reassemblesTheSameMessagesAtEveryChunkSize(chunkSize: Int) throws {
        let sent = Self.sampleMessages()
        var stream = ByteBuffer()
        var encoder = RTMPChunkEncoder()
        encoder.write(.setChunkSize(chunkSize), into: &stream)
        encoder.chunkSize = chunkSize
        for message in sent { encoder.write(message.message, into: &stream) }

        for pieces in [[Int.max], [1], [7, 1000, 3, 65536], [1460]] {
            var decoder = RTMPChunkDecoder()
            let received = try decodeAll(stream, decoder: &decoder, pieces: pieces)
            #expect(decoder.chunkSize == chunkSize)
            #expect(received.first?.typeID == RTMPMessageType.setChunkSize)
            #expect(received.dropFirst().map(Sent.init) == sent, "pieces \(pieces)")
        }
    }

    @Test func interleavedChunkStreamsReassembleIndependently() throws {
        var random = SplitMix64(seed: 7)
        let audio = random.bytes(300)
        let video = random.bytes(300)
        var writer = ChunkWriter()
        writer.type0(chunkStreamID: 4, timestamp: 10, length: 300, typeID: 8, streamID: 1)
        writer.payload(audio[0..<128])
        writer.type0(chunkStreamID: 6, timestamp: 20, length: 300, typeID: 9, streamID: 1)
        writer.payload(video[0..<128])
        writer.type3(chunkStreamID: 4)
        writer.payload(audio[128..<256])
        writer.type3(chunkStreamID: 6)
        writer.payload(video[128..<256])
        writer.type3(chunkStreamID: 6)
        writer.payload(video[256...])
        writer.type3(chunkStreamID: 4)
        writer.payload(audio[256...])

        var decoder = RTMPChunkDecoder()
        let received = try decodeAll(writer.buffer, decoder: &decoder).map(Sent.init)
        #expect(received == [
            Sent(chunkStreamID: 6, streamID: 1, typeID: 9, timestamp: 20, payload: video),
            Sent(chunkStreamID: 4, streamID: 1, typeID: 8, timestamp: 10, payload: audio),
        ])
    }

    @Test func compressedHeadersAccumulateDeltasAndTypeThreeReusesThePreviousDelta() throws {
        var writer = ChunkWriter()
        writer.type0(chunkStreamID: 4, timestamp: 1000, length: 2, typeID: 8, streamID: 1)
        writer.payload([1, 1])
        writer.type2(chunkStreamID: 4, delta: 23)
        writer.payload([2, 2])
        // A type-3 chunk starting a new message: same length, type, stream and delta.
        writer.type3(chunkStreamID: 4)
        writer.payload([3, 3])
        writer.type3(chunkStreamID: 4)
        writer.payload([4, 4])
        writer.type1(chunkStreamID: 4, delta: 21, length: 3, typeID: 9)
        writer.payload([5, 5, 5])
        writer.type3(chunkStreamID: 4)
        writer.payload([6, 6, 6])

        var decoder = RTMPChunkDecoder()
        let received = try decodeAll(writer.buffer, decoder: &decoder, pieces: [1])
        #expect(received.map(\.timestamp) == [1000, 1023, 1046, 1069, 1090, 1111])
        #expect(received.map(\.typeID) == [8, 8, 8, 8, 9, 9])
        #expect(received.map(\.messageStreamID) == [1, 1, 1, 1, 1, 1])
        #expect(received.map { Array($0.payload.readableBytesView) } == [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5, 5], [6, 6, 6]])
    }

    @Test func extendedTimestampsInTypeZeroAndContinuationChunks() throws {
        var random = SplitMix64(seed: 3)
        let payload = random.bytes(300)
        let timestamp: UInt32 = 0x0100_0000
        var writer = ChunkWriter()
        writer.type0(chunkStreamID: 6, timestamp: timestamp, length: 300, typeID: 9, streamID: 1)
        writer.payload(payload[0..<128])
        writer.type3(chunkStreamID: 6, extendedTimestamp: timestamp)
        writer.payload(payload[128..<256])
        writer.type3(chunkStreamID: 6, extendedTimestamp: timestamp)
        writer.payload(payload[256...])

        var decoder = RTMPChunkDecoder()
        let received = try decodeAll(writer.buffer, decoder: &decoder, pieces: [5])
        #expect(received.count == 1)
        #expect(received.first?.timestamp == timestamp)
        #expect(received.first.map { Array($0.payload.readableBytesView) } == payload)
    }

    @Test func continuationChunksWithoutTheExtendedTimestampAreAccepted() throws {
        var random = SplitMix64(seed: 4)
        let payload = random.bytes(200)
        var writer = ChunkWriter()
        writer.type0(chunkStreamID: 6, timestamp: 0xFF_FFFF, length: 200, typeID: 9, streamID: 1)
        writer.payload(payload[0..<128])
        writer.type3(chunkStreamID: 6)
        writer.payload(payload[128...])

        var decoder = RTMPChunkDecoder()
        let received = try decodeAll(writer.buffer, decoder: &decoder)
        #expect(received.first?.timestamp == 0xFF_FFFF)
        #expect(received.first.map { Array($0.payload.readableBytesView) } == payload)
    }

    @Test func typeThreeStartingAMessageCarriesTheExtendedDelta() throws {
        let delta: UInt32 = 0x0100_0000
        var writer = ChunkWriter()
        writer.type0(chunkStreamID: 4, timestamp: 5, length: 1, typeID: 8, streamID: 1)
        writer.payload([1])
        writer.type2(chunkStreamID: 4, delta: delta)
        writer.payload([2])
        writer.type3(chunkStreamID: 4, extendedTimestamp: delta)
        writer.payload([3])

        var decoder = RTMPChunkDecoder()
        let received = try decodeAll(writer.buffer, decoder: &decoder)
        #expect(received.map(\.timestamp) == [5, 5 + delta, 5 + 2 * delta])
    }

    @Test func timestampsWrapAt32Bits() throws {
        var writer = ChunkWriter()
        writer.type0(chunkStreamID: 4, timestamp: 0xFFFF_FFF0, length: 1, typeID: 8, streamID: 1)
        writer.payload([1])
        writer.type2(chunkStreamID: 4, delta: 0x20)
        writer.payload([2])

        var decoder = RTMPChunkDecoder()
        #expect(try decodeAll(writer.buffer, decoder: &decoder).map(\.timestamp) == [0xFFFF_FFF0, 0x10])
    }

    @Test(arguments: [0, 0x7FFF_FFFF, 0x8000_0000, 8 * 1024 * 1024 + 1])
    func absurdChunkSizesAreRejected(size: Int) {
        var writer = ChunkWriter()
        writer.type0(chunkStreamID: 2, timestamp: 0, length: 4, typeID: RTMPMessageType.setChunkSize, streamID: 0)
        writer.buffer.writeInteger(UInt32(truncatingIfNeeded: size))
        var decoder = RTMPChunkDecoder()
        #expect(throws: RTMPChunkError.self) { try decodeAll(writer.buffer, decoder: &decoder) }
    }

    @Test func theLargestSensibleChunkSizeIsAccepted() throws {
        var decoder = RTMPChunkDecoder(maxMessageSize: 1 << 20)
        try decoder.setChunkSize(1 << 20)
        #expect(decoder.chunkSize == 1 << 20)
        try decoder.setChunkSize(1)
        #expect(decoder.chunkSize == 1)
    }

    @Test func tooLargeMessagesAreRejected() {
        var writer = ChunkWriter()
        writer.type0(chunkStreamID: 6, timestamp: 0, length: 0xFF_FFFF, typeID: 9, streamID: 1)
        var decoder = RTMPChunkDecoder(maxMessageSize: 1 << 20)
        #expect(throws: RTMPChunkError.messageTooLarge(length: 0xFF_FFFF, limit: 1 << 20)) {
            try decodeAll(writer.buffer, decoder: &decoder)
        }
    }

    @Test func theNumberOfChunkStreamsIsBounded() {
        var writer = ChunkWriter()
        for id in 3..<20 {
            writer.type0(chunkStreamID: UInt32(id), timestamp: 0, length: 1, typeID: 8, streamID: 1)
            writer.payload([0])
        }
        var decoder = RTMPChunkDecoder(maxChunkStreams: 8)
        #expect(throws: RTMPChunkError.tooManyChunkStreams(limit: 8)) { try decodeAll(writer.buffer, decoder: &decoder) }
    }

    @Test func compressedHeaderOnAnUnknownChunkStreamIsAnError() {
        var writer = ChunkWriter()
        writer.type3(chunkStreamID: 5)
        writer.payload([0])
        var decoder = RTMPChunkDecoder()
        #expect(throws: RTMPChunkError.missingPreviousHeader(chunkStreamID: 5)) { try decodeAll(writer.buffer, decoder: &decoder) }
    }

    @Test func abortDropsThePartialMessage() throws {
        var writer = ChunkWriter()
        writer.type0(chunkStreamID: 6, timestamp: 0, length: 200, typeID: 9, streamID: 1)
        writer.payload([UInt8](repeating: 9, count: 128))
        writer.type0(chunkStreamID: 2, timestamp: 0, length: 4, typeID: RTMPMessageType.abort, streamID: 0)
        writer.buffer.writeInteger(UInt32(6))
        writer.type0(chunkStreamID: 6, timestamp: 40, length: 3, typeID: 9, streamID: 1)
        writer.payload([1, 2, 3])

        var decoder = RTMPChunkDecoder()
        let received = try decodeAll(writer.buffer, decoder: &decoder)
        #expect(received.map(\.typeID) == [RTMPMessageType.abort, 9])
        #expect(received.last.map { Array($0.payload.readableBytesView) } == [1, 2, 3])
        #expect(decoder.discardedMessages == 1)
    }

    @Test func randomGarbageNeverTraps() {
        var random = SplitMix64(seed: 0xBAD5EED)
        var valid = ByteBuffer()
        let encoder = RTMPChunkEncoder()
        for message in Self.sampleMessages().prefix(6) { encoder.write(message.message, into: &valid) }
        let validBytes = Array(valid.readableBytesView)

        var outcomes = (messages: 0, errors: 0)
        for round in 0..<4000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = random.bytes(Int.random(in: 0...2048, using: &random))
            } else {
                // A valid stream with a few bytes changed reaches the deeper states.
                bytes = Array(validBytes.prefix(Int.random(in: 1...validBytes.count, using: &random)))
                for _ in 0..<Int.random(in: 1...8, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            var decoder = RTMPChunkDecoder(maxMessageSize: 64 * 1024, maxChunkStreams: 16)
            var buffer = ByteBuffer(bytes: bytes)
            do {
                while let _ = try decoder.nextMessage(from: &buffer) { outcomes.messages += 1 }
            } catch {
                outcomes.errors += 1
            }
        }
        // Both paths were exercised: some garbage decodes, most is refused.
        #expect(outcomes.messages > 0)
        #expect(outcomes.errors > 0)
    }

    @Test func encoderUsesExtendedTimestampsOnEveryChunk() throws {
        var encoder = RTMPChunkEncoder()
        encoder.chunkSize = 128
        let message = RTMPMessage(chunkStreamID: 5, messageStreamID: 1, typeID: 20, timestamp: 0x1234_5678, payload: ByteBuffer(bytes: [UInt8](repeating: 7, count: 300)))
        var buffer = ByteBuffer()
        encoder.write(message, into: &buffer)
        // 12-byte header + 4 extended, then two continuation chunks of 1 + 4 header bytes.
        #expect(buffer.readableBytes == 12 + 4 + 300 + 2 * 5)
        var decoder = RTMPChunkDecoder()
        let received = try decodeAll(buffer, decoder: &decoder)
        #expect(received.map(Sent.init) == [Sent(message)])
    }
}
