import NIOCore

/// A fuzzer input read front to back: option bytes first, then the data to parse.
///
/// Options are taken from the input rather than from randomness so that an input always
/// replays the same way; a missing option byte reads as zero.
struct FuzzInput {
    private var bytes: UnsafeRawBufferPointer.SubSequence

    init(_ data: UnsafeRawBufferPointer) {
        bytes = data[...]
    }

    /// Takes the next byte, or 0 at the end.
    mutating func byte() -> UInt8 {
        guard let first = bytes.first else { return 0 }
        bytes = bytes.dropFirst()
        return first
    }

    /// What is left, copied.
    var rest: [UInt8] {
        Array(bytes)
    }

    /// What is left, as a buffer.
    var buffer: ByteBuffer {
        ByteBuffer(bytes: bytes)
    }

    /// Sizes for splitting a stream into the pieces a socket might deliver; chosen by an option byte.
    static let pieceSizes = [1, 2, 7, 100, 188 * 7, 1_500, 4_096, Int.max]

    /// Splits `bytes` into pieces of `size` (the last one shorter).
    static func pieces(of bytes: [UInt8], size: Int) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            let end = bytes.count - start > size ? start + size : bytes.count
            pieces.append(bytes[start..<end])
            start = end
        }
        return pieces
    }
}
