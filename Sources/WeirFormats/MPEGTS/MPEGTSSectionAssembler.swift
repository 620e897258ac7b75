import NIOCore

/// Collects the PSI sections carried on one PID, which may span packets or share one.
///
/// A packet with `payload_unit_start_indicator` starts with a `pointer_field` giving the
/// number of bytes that still belong to the section in progress; the next section starts
/// after them. Sections never start in other packets, so bytes after a section completed
/// there are stuffing.
struct MPEGTSSectionAssembler: Sendable {
    /// The largest section accepted: 3 header bytes plus the 1021 bytes PSI tables may use.
    static let maxSectionSize = 1024

    private var partial: [UInt8] = []
    private var collecting = false

    /// Adds one packet's payload.
    ///
    /// - Parameters:
    ///   - payload: The packet payload.
    ///   - unitStart: The packet's `payload_unit_start_indicator`.
    /// - Returns: The sections completed by this payload, each from `table_id` through CRC_32.
    mutating func push(_ payload: ByteBuffer, unitStart: Bool) -> [[UInt8]] {
        var bytes = payload.readableBytesView[...]
        var sections: [[UInt8]] = []
        if unitStart {
            guard let pointer = bytes.first else {
                reset()
                return []
            }
            bytes = bytes.dropFirst()
            let tail = bytes.prefix(Int(pointer))
            if collecting, tail.count == Int(pointer) {
                partial.append(contentsOf: tail)
                if let section = completedSection() { sections.append(section) }
            }
            reset()
            guard bytes.count >= Int(pointer) else { return sections }
            bytes = bytes.dropFirst(Int(pointer))
            // Several sections may follow one another; 0xFF starts the stuffing.
            while let tableID = bytes.first, tableID != 0xFF {
                partial = []
                collecting = true
                guard let size = Self.sectionSize(bytes) else {
                    partial.append(contentsOf: bytes)
                    return sections
                }
                guard size <= Self.maxSectionSize else {
                    reset()
                    return sections
                }
                guard bytes.count >= size else {
                    partial.append(contentsOf: bytes)
                    return sections
                }
                sections.append(Array(bytes.prefix(size)))
                bytes = bytes.dropFirst(size)
                collecting = false
            }
            return sections
        }
        guard collecting else { return [] }
        let room = Self.maxSectionSize - partial.count
        partial.append(contentsOf: bytes.prefix(room))
        if let section = completedSection() {
            sections.append(section)
            reset()
        } else if partial.count >= Self.maxSectionSize {
            reset()
        }
        return sections
    }

    /// Forgets the section in progress, after a continuity error.
    mutating func reset() {
        partial = []
        collecting = false
    }

    private func completedSection() -> [UInt8]? {
        guard let size = Self.sectionSize(partial[...]), size <= Self.maxSectionSize, partial.count >= size else {
            return nil
        }
        return Array(partial.prefix(size))
    }

    /// The total size of the section starting at `bytes`, once its length field is present.
    private static func sectionSize(_ bytes: some Collection<UInt8>) -> Int? {
        guard bytes.count >= 3 else { return nil }
        let index = bytes.startIndex
        let high = Int(bytes[bytes.index(index, offsetBy: 1)] & 0x0F)
        let low = Int(bytes[bytes.index(index, offsetBy: 2)])
        return 3 + (high << 8 | low)
    }
}
