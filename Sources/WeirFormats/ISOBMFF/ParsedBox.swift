public import NIOCore

/// One box read by `BoxReader`: its header, its payload, and its children when it is a container.
public struct ParsedBox: Sendable, Hashable {
    /// The box type.
    public var type: BoxType
    /// Where the box starts, counted from the start of the bytes handed to the reader.
    public var offset: Int
    /// The box's total size, header included.
    public var size: Int
    /// The header's size: 8, 16 with a largesize, plus 16 for a `uuid` box's user type.
    public var headerSize: Int
    /// The bytes after the header; for a full box this starts with the version and flags.
    public var payload: ByteBuffer
    /// The boxes inside, for the container types the reader knows; empty otherwise.
    public var children: [ParsedBox]

    /// Creates a parsed box.
    ///
    /// - Parameters:
    ///   - type: The box type.
    ///   - offset: Where the box starts.
    ///   - size: The total size.
    ///   - headerSize: The header size.
    ///   - payload: The bytes after the header.
    ///   - children: The child boxes.
    public init(type: BoxType, offset: Int, size: Int, headerSize: Int, payload: ByteBuffer, children: [ParsedBox] = []) {
        self.type = type
        self.offset = offset
        self.size = size
        self.headerSize = headerSize
        self.payload = payload
        self.children = children
    }

    /// Where the payload starts, counted like `offset`.
    public var payloadOffset: Int {
        offset + headerSize
    }

    /// The first child of `type`, if any.
    ///
    /// - Parameters:
    ///   - type: The child's type.
    public func child(_ type: BoxType) -> ParsedBox? {
        children.first { $0.type == type }
    }

    /// Every child of `type`, in order.
    ///
    /// - Parameters:
    ///   - type: The children's type.
    public func children(_ type: BoxType) -> [ParsedBox] {
        children.filter { $0.type == type }
    }

    /// The first box reached by following `path` down from this box's children.
    ///
    /// - Parameters:
    ///   - path: Types of the boxes to descend through, for example `"mdia", "minf", "stbl"`.
    public func find(_ path: BoxType...) -> ParsedBox? {
        children.find(path)
    }
}
