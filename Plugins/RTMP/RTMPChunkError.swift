/// Why a peer's chunk stream cannot be decoded; each one ends the connection.
public enum RTMPChunkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A Set Chunk Size of zero, with the reserved top bit set, or larger than a whole message may be.
    case invalidChunkSize(Int)
    /// A message header announced more bytes than the configured cap.
    case messageTooLarge(length: Int, limit: Int)
    /// The peer opened more chunk streams than the decoder keeps state for.
    case tooManyChunkStreams(limit: Int)
    /// A compressed header (type 1, 2 or 3) on a chunk stream that never had a full one.
    case missingPreviousHeader(chunkStreamID: UInt32)
    /// Partial messages across all chunk streams hold more bytes than the decoder allows.
    case tooMuchBufferedData(limit: Int)
    /// A protocol control message whose payload is too short.
    case malformedControlMessage(typeID: UInt8)

    public var description: String {
        switch self {
        case .invalidChunkSize(let size): "invalid chunk size \(size)"
        case .messageTooLarge(let length, let limit): "message of \(length) bytes exceeds the limit of \(limit)"
        case .tooManyChunkStreams(let limit): "more than \(limit) chunk streams"
        case .missingPreviousHeader(let id): "compressed chunk header on chunk stream \(id) without a previous full header"
        case .tooMuchBufferedData(let limit): "partial messages exceed \(limit) bytes in total"
        case .malformedControlMessage(let type): "malformed protocol control message of type \(type)"
        }
    }
}
