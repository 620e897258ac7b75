public import NIOCore

/// Reads ISO-BMFF bytes into a tree of boxes, descending into known container boxes.
///
/// Safe on untrusted input: sizes are checked against the enclosing box, nesting depth and
/// the number of boxes are bounded, and every failure is a thrown `BoxReaderError`.
/// Payloads are slices of the input, not copies.
public struct BoxReader: Sendable {
    /// The container boxes whose payload is a sequence of boxes.
    public static let defaultContainers: Set<BoxType> = [
        "moov", "trak", "mdia", "minf", "stbl", "mvex", "moof", "traf", "dinf", "edts",
    ]

    /// The box types whose payload is read as child boxes.
    public var containers: Set<BoxType>
    /// The deepest nesting accepted; top-level boxes are at depth 0.
    public var maxDepth: Int
    /// The most boxes accepted in one call, children included.
    public var maxBoxCount: Int

    /// Creates a reader.
    ///
    /// - Parameters:
    ///   - containers: The box types to descend into.
    ///   - maxDepth: The deepest nesting accepted.
    ///   - maxBoxCount: The most boxes accepted in one call.
    public init(containers: Set<BoxType> = BoxReader.defaultContainers, maxDepth: Int = 16, maxBoxCount: Int = 100_000) {
        self.containers = containers
        self.maxDepth = maxDepth
        self.maxBoxCount = maxBoxCount
    }

    /// Reads every box in the readable bytes of `buffer`.
    ///
    /// - Parameters:
    ///   - buffer: The bytes; offsets in the result count from its reader index.
    /// - Returns: The top-level boxes with their children.
    /// - Throws: `BoxReaderError` on truncated or inconsistent sizes, or when a limit is exceeded.
    public func parse(_ buffer: ByteBuffer) throws(BoxReaderError) -> [ParsedBox] {
        var count = 0
        return try parseBoxes(in: buffer, baseOffset: 0, depth: 0, count: &count)
    }

    /// Reads the boxes that follow `skipping` bytes of a box's payload.
    ///
    /// Sample descriptions hold boxes after fixed fields: `stsd` after 8 bytes, a visual sample
    /// entry after 78, an audio sample entry after 28.
    ///
    /// - Parameters:
    ///   - box: The box whose payload holds the boxes.
    ///   - skipping: How many payload bytes come before the first box.
    /// - Returns: The boxes, with offsets counted like the parent's.
    /// - Throws: `BoxReaderError` when the payload is too short or the boxes are malformed.
    public func parseChildren(of box: ParsedBox, skipping: Int) throws(BoxReaderError) -> [ParsedBox] {
        guard skipping >= 0, let rest = box.payload.getSlice(
            at: box.payload.readerIndex + skipping,
            length: box.payload.readableBytes - skipping
        ) else {
            throw .truncatedPayload(type: box.type)
        }
        var count = 0
        return try parseBoxes(in: rest, baseOffset: box.payloadOffset + skipping, depth: 0, count: &count)
    }

    private func parseBoxes(
        in buffer: ByteBuffer,
        baseOffset: Int,
        depth: Int,
        count: inout Int
    ) throws(BoxReaderError) -> [ParsedBox] {
        var boxes: [ParsedBox] = []
        let start = buffer.readerIndex
        let end = buffer.writerIndex
        var index = start
        while index < end {
            let offset = baseOffset + (index - start)
            let available = end - index
            guard available >= 8,
                let size32 = buffer.getInteger(at: index, as: UInt32.self),
                let rawType = buffer.getInteger(at: index + 4, as: UInt32.self)
            else {
                throw .truncatedHeader(offset: offset)
            }
            let type = BoxType(rawValue: rawType)
            var headerSize = 8
            var size: UInt64
            switch size32 {
            case 0:
                // The box extends to the end of its container.
                size = UInt64(available)
            case 1:
                guard available >= 16, let large = buffer.getInteger(at: index + 8, as: UInt64.self) else {
                    throw .truncatedHeader(offset: offset)
                }
                headerSize = 16
                size = large
            default:
                size = UInt64(size32)
            }
            if type == "uuid" {
                headerSize += 16
            }
            guard size >= UInt64(headerSize) else {
                throw .invalidSize(offset: offset, size: size)
            }
            guard size <= UInt64(available) else {
                throw .sizeExceedsParent(offset: offset, size: size, available: available)
            }
            count += 1
            guard count <= maxBoxCount else {
                throw .tooManyBoxes(limit: maxBoxCount)
            }
            let boxSize = Int(size)
            guard let payload = buffer.getSlice(at: index + headerSize, length: boxSize - headerSize) else {
                throw .truncatedHeader(offset: offset)
            }
            var children: [ParsedBox] = []
            if containers.contains(type), payload.readableBytes > 0 {
                guard depth < maxDepth else {
                    throw .nestingTooDeep(offset: offset, limit: maxDepth)
                }
                children = try parseBoxes(in: payload, baseOffset: offset + headerSize, depth: depth + 1, count: &count)
            }
            boxes.append(
                ParsedBox(type: type, offset: offset, size: boxSize, headerSize: headerSize, payload: payload, children: children)
            )
            index += boxSize
        }
        return boxes
    }
}
