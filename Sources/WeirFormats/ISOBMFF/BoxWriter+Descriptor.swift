extension BoxWriter {
    /// Writes an MPEG-4 systems descriptor (ISO/IEC 14496-1) with a tag and an expandable size.
    ///
    /// The size is written in the four-byte expandable form and patched afterwards, so
    /// nested descriptors need not be measured first. Four bytes hold sizes below 2^28.
    ///
    /// - Parameters:
    ///   - tag: The descriptor tag, such as 0x03 for ES_Descriptor.
    ///   - body: Writes the descriptor's contents.
    mutating func descriptor(tag: UInt8, _ body: (inout BoxWriter) -> Void) {
        buffer.writeInteger(tag)
        let sizeIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        body(&self)
        let size = buffer.writerIndex - sizeIndex - 4
        guard size < 1 << 28 else {
            failure = failure ?? .descriptorTooLarge(tag: tag, size: size)
            return
        }
        let encoded =
            UInt32(0x80 | (size >> 21) & 0x7F) << 24 | UInt32(0x80 | (size >> 14) & 0x7F) << 16
            | UInt32(0x80 | (size >> 7) & 0x7F) << 8 | UInt32(size & 0x7F)
        buffer.setInteger(encoded, at: sizeIndex)
    }
}
