/// Why a box or descriptor could not be written: its size does not fit its size field.
public enum BoxWriterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A box other than `mdat` grew past the 32-bit size field.
    case boxTooLarge(BoxType, size: Int)
    /// An MPEG-4 descriptor grew past the 28 bits of its four-byte expandable size.
    case descriptorTooLarge(tag: UInt8, size: Int)

    public var description: String {
        switch self {
        case .boxTooLarge(let type, let size): "box '\(type)' of \(size) bytes does not fit a 32-bit size"
        case .descriptorTooLarge(let tag, let size): "descriptor 0x\(String(tag, radix: 16)) of \(size) bytes does not fit a 28-bit size"
        }
    }
}
