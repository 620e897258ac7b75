public import NIOCore

/// Reassembles RTMP messages from the chunk stream a peer sends.
///
/// A pure value over `ByteBuffer`: feed it the bytes received so far and take messages out
/// until it asks for more. A message that fits in one chunk is returned as a slice of the input
/// (no copy); a message spread over chunks is assembled in one buffer that grows as its chunks
/// arrive, so memory follows the bytes actually received, not the lengths a peer announces.
///
/// Set Chunk Size and Abort messages are applied here, before the next chunk is parsed, and are
/// still returned so the caller can log them.
public struct RTMPChunkDecoder: Sendable {
    public static let defaultChunkSize = 128
    public static let maximumChunkSize = 0x7FFF_FFFF
    /// Largest buffer reserved up front for a multi-chunk message; larger ones grow as data arrives.
    static let initialReservation = 256 * 1024

    /// Largest message the peer may send.
    public let maxMessageSize: Int
    /// Most chunk streams the decoder keeps state for.
    public let maxChunkStreams: Int
    /// The peer's current chunk size.
    public private(set) var chunkSize = RTMPChunkDecoder.defaultChunkSize
    /// Partial messages dropped because a new header interrupted them or the peer aborted them.
    public private(set) var discardedMessages = 0

    private var streams: [RTMPChunkStreamState] = []
    /// Bytes held in partial multi-chunk messages across all chunk streams.
    private var bufferedBytes = 0
    private var maxBufferedBytes: Int { maxMessageSize * 2 }
    private let allocator = ByteBufferAllocator()

    /// - Parameters:
    ///   - maxMessageSize: the cap for one reassembled message, in bytes.
    ///   - maxChunkStreams: how many distinct chunk stream ids a peer may use.
    public init(maxMessageSize: Int = 8 * 1024 * 1024, maxChunkStreams: Int = 64) {
        self.maxMessageSize = max(1, maxMessageSize)
        self.maxChunkStreams = max(1, maxChunkStreams)
    }

    /// Applies a chunk size the peer announced.
    ///
    /// - Parameters:
    ///   - size: the new size; 1 through 0x7FFFFFFF and no larger than a message may be.
    public mutating func setChunkSize(_ size: Int) throws(RTMPChunkError) {
        guard size >= 1, size <= Self.maximumChunkSize, size <= maxMessageSize else { throw .invalidChunkSize(size) }
        chunkSize = size
    }

    /// Drops the partial message of a chunk stream, as an Abort message asks.
    public mutating func abort(chunkStreamID: UInt32) {
        guard let index = streams.firstIndex(where: { $0.id == chunkStreamID }) else { return }
        dropPartial(at: index)
    }

    /// Decodes the next complete message.
    ///
    /// - Parameters:
    ///   - buffer: the bytes received and not yet decoded; the reader index moves past every
    ///     complete chunk consumed.
    /// - Returns: a message, or nil when the buffer ends before the next message completes.
    public mutating func nextMessage(from buffer: inout ByteBuffer) throws(RTMPChunkError) -> RTMPMessage? {
        while true {
            switch try nextChunk(from: &buffer) {
            case .needMoreData:
                return nil
            case .partial:
                continue
            case .message(let message):
                try applyControl(message)
                return message
            }
        }
    }

    private enum ChunkResult {
        case needMoreData
        case partial
        case message(RTMPMessage)
    }

    private mutating func applyControl(_ message: RTMPMessage) throws(RTMPChunkError) {
        switch message.typeID {
        case RTMPMessageType.setChunkSize:
            guard let value = message.payload.getInteger(at: message.payload.readerIndex, as: UInt32.self) else {
                throw .malformedControlMessage(typeID: message.typeID)
            }
            try setChunkSize(Int(value))
        case RTMPMessageType.abort:
            guard let id = message.payload.getInteger(at: message.payload.readerIndex, as: UInt32.self) else {
                throw .malformedControlMessage(typeID: message.typeID)
            }
            abort(chunkStreamID: id)
        default:
            break
        }
    }

    private mutating func dropPartial(at index: Int) {
        if streams[index].received != nil { discardedMessages += 1 }
        bufferedBytes -= streams[index].payload?.readableBytes ?? 0
        streams[index].received = nil
        streams[index].payload = nil
    }

    private mutating func nextChunk(from buffer: inout ByteBuffer) throws(RTMPChunkError) -> ChunkResult {
        let end = buffer.writerIndex
        var index = buffer.readerIndex
        guard let first = buffer.getInteger(at: index, as: UInt8.self) else { return .needMoreData }
        index += 1
        let format = first >> 6
        var chunkStreamID = UInt32(first & 0x3F)
        if chunkStreamID == 0 {
            guard let byte = buffer.getInteger(at: index, as: UInt8.self) else { return .needMoreData }
            chunkStreamID = 64 + UInt32(byte)
            index += 1
        } else if chunkStreamID == 1 {
            guard let low = buffer.getInteger(at: index, as: UInt8.self),
                  let high = buffer.getInteger(at: index + 1, as: UInt8.self)
            else { return .needMoreData }
            chunkStreamID = 64 + UInt32(low) + UInt32(high) << 8
            index += 2
        }

        let headerSize = [11, 7, 3, 0][Int(format)]
        guard index + headerSize <= end else { return .needMoreData }
        var timestampField: UInt32 = 0
        var length: Int?
        var typeID: UInt8?
        var messageStreamID: UInt32?
        if format <= 2 {
            timestampField = Self.uint24(buffer, at: index)
        }
        if format <= 1 {
            length = Int(Self.uint24(buffer, at: index + 3))
            typeID = buffer.getInteger(at: index + 6, as: UInt8.self)
        }
        if format == 0 {
            messageStreamID = buffer.getInteger(at: index + 7, endianness: .little, as: UInt32.self)
        }
        index += headerSize

        let stateIndex = streams.firstIndex { $0.id == chunkStreamID }
        if stateIndex == nil, format >= 2 {
            throw .missingPreviousHeader(chunkStreamID: chunkStreamID)
        }
        // Only the scalar fields: copying the whole state would share the partial payload's
        // storage and make the next write into it copy the buffer.
        let previous = stateIndex.map { streams[$0].header } ?? RTMPChunkStreamState.Header()
        let inProgress = previous.received != nil
        let continuing = format == 3 && inProgress

        var extended: Bool
        if format <= 2 {
            extended = timestampField == 0xFF_FFFF
        } else {
            extended = previous.hasExtendedTimestamp
            timestampField = previous.timestampField
        }
        if extended {
            guard let value = buffer.getInteger(at: index, as: UInt32.self) else { return .needMoreData }
            if continuing {
                // Some peers omit the extended timestamp on continuation chunks; the value repeats
                // the first chunk's when present, which tells it apart from payload.
                if value == previous.timestampField { index += 4 }
            } else {
                timestampField = value
                index += 4
            }
        }

        let remaining: Int
        if continuing {
            remaining = previous.length - (previous.received ?? 0)
        } else {
            let messageLength = length ?? previous.length
            guard messageLength <= maxMessageSize else {
                throw .messageTooLarge(length: messageLength, limit: maxMessageSize)
            }
            remaining = messageLength
        }
        let chunkPayload = min(chunkSize, remaining)
        guard index + chunkPayload <= end else { return .needMoreData }

        // The whole chunk is here: commit.
        let slot: Int
        if let stateIndex {
            slot = stateIndex
        } else {
            guard streams.count < maxChunkStreams else { throw .tooManyChunkStreams(limit: maxChunkStreams) }
            streams.append(RTMPChunkStreamState(id: chunkStreamID))
            slot = streams.count - 1
        }
        buffer.moveReaderIndex(to: index)
        guard var slice = buffer.readSlice(length: chunkPayload) else { return .needMoreData }

        if !continuing {
            if inProgress { dropPartial(at: slot) }
            let timestamp = format == 0 ? timestampField : previous.timestamp &+ timestampField
            streams[slot].timestamp = timestamp
            streams[slot].timestampField = timestampField
            streams[slot].hasExtendedTimestamp = extended
            streams[slot].length = remaining
            if let typeID { streams[slot].typeID = typeID }
            if let messageStreamID { streams[slot].messageStreamID = messageStreamID }
            if chunkPayload == remaining {
                return .message(message(from: streams[slot], payload: slice))
            }
            guard bufferedBytes + chunkPayload <= maxBufferedBytes else { throw .tooMuchBufferedData(limit: maxBufferedBytes) }
            var payload = allocator.buffer(capacity: min(remaining, Self.initialReservation))
            payload.writeBuffer(&slice)
            bufferedBytes += chunkPayload
            streams[slot].payload = payload
            streams[slot].received = chunkPayload
            return .partial
        }

        guard bufferedBytes + chunkPayload <= maxBufferedBytes else { throw .tooMuchBufferedData(limit: maxBufferedBytes) }
        // Moved out while writing so the array does not hold a second reference (copy on write).
        var payload = streams[slot].payload ?? allocator.buffer(capacity: 0)
        streams[slot].payload = nil
        payload.writeBuffer(&slice)
        bufferedBytes += chunkPayload
        let received = (streams[slot].received ?? 0) + chunkPayload
        if received < streams[slot].length {
            streams[slot].payload = payload
            streams[slot].received = received
            return .partial
        }
        bufferedBytes -= payload.readableBytes
        streams[slot].received = nil
        return .message(message(from: streams[slot], payload: payload))
    }

    private func message(from state: RTMPChunkStreamState, payload: ByteBuffer) -> RTMPMessage {
        RTMPMessage(
            chunkStreamID: state.id, messageStreamID: state.messageStreamID, typeID: state.typeID,
            timestamp: state.timestamp, payload: payload)
    }

    private static func uint24(_ buffer: ByteBuffer, at index: Int) -> UInt32 {
        guard let high = buffer.getInteger(at: index, as: UInt8.self),
              let low = buffer.getInteger(at: index + 1, as: UInt16.self)
        else { return 0 }
        return UInt32(high) << 16 | UInt32(low)
    }
}
