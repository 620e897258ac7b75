import NIOCore

/// Splits the ADTS frames out of the PES payloads of one AAC stream.
///
/// A PES usually holds whole frames, often several; when a muxer lets a frame straddle two
/// PES packets, its start is carried over to the next payload. Bytes that are not a valid
/// header are skipped until the next syncword.
struct MPEGTSADTSSplitter: Sendable {
    /// One frame with its header parsed and removed.
    struct Frame: Sendable {
        var header: ADTSHeader
        /// The raw data block(s), without header or CRC.
        var payload: ByteBuffer
        /// The frame began in an earlier PES, so the current PES time is not its time.
        var startedEarlier: Bool
    }

    /// The largest frame `aac_frame_length` can describe.
    static let maxFrameSize = 0x1FFF

    private var carried = ByteBuffer()

    /// Splits a payload.
    ///
    /// - Parameters:
    ///   - data: One PES payload.
    ///   - skippedBytes: Incremented by the bytes skipped while looking for a syncword.
    /// - Returns: The frames completed by this payload.
    mutating func frames(in data: ByteBuffer, skippedBytes: inout Int) -> [Frame] {
        let carriedCount = carried.readableBytes
        var input: ByteBuffer
        if carriedCount > 0 {
            input = carried
            var incoming = data
            input.writeBuffer(&incoming)
        } else {
            input = data
        }
        carried = ByteBuffer()
        let start = input.readerIndex
        var frames: [Frame] = []
        while input.readableBytes >= ADTSHeader.minimumSize {
            let header: ADTSHeader
            do {
                header = try ADTSHeader(parsing: input)
            } catch {
                input.moveReaderIndex(forwardBy: 1)
                skippedBytes += 1
                continue
            }
            guard input.readableBytes >= header.frameLength else { break }
            let position = input.readerIndex - start
            if let payload = input.getSlice(
                at: input.readerIndex + header.headerSize, length: header.frameLength - header.headerSize)
            {
                frames.append(Frame(header: header, payload: payload, startedEarlier: position < carriedCount))
            }
            input.moveReaderIndex(forwardBy: header.frameLength)
        }
        if input.readableBytes > 0, input.readableBytes < Self.maxFrameSize {
            carried.writeImmutableBuffer(input)
        } else {
            skippedBytes += input.readableBytes
        }
        return frames
    }
}
