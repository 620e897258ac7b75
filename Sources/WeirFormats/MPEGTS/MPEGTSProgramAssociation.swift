/// The programs a program association section lists (ISO/IEC 13818-1 2.4.4.3).
struct MPEGTSProgramAssociation: Hashable, Sendable {
    static let tableID: UInt8 = 0x00
    static let pid: UInt16 = 0x0000

    /// A program and the PID of its program map.
    struct Entry: Hashable, Sendable {
        var programNumber: UInt16
        var pmtPID: UInt16
    }

    var transportStreamID: UInt16
    var version: UInt8
    var sectionNumber: UInt8
    var lastSectionNumber: UInt8
    /// The programs in section order; program 0 (the network PID) is left out.
    var entries: [Entry]

    /// Parses the body of a checked section.
    ///
    /// - Parameters:
    ///   - section: A section with `table_id` 0x00.
    /// - Throws: ``MPEGTSError`` for a wrong table or a body that is not whole entries.
    init(section: MPEGTSSection) throws(MPEGTSError) {
        guard section.tableID == Self.tableID else { throw .unexpectedTableID(section.tableID) }
        let body = Array(section.body)
        guard body.count % 4 == 0 else { throw .truncated("program association entry") }
        transportStreamID = section.tableIDExtension
        version = section.version
        sectionNumber = section.sectionNumber
        lastSectionNumber = section.lastSectionNumber
        var entries: [Entry] = []
        for index in stride(from: 0, to: body.count, by: 4) {
            let number = UInt16(body[index]) << 8 | UInt16(body[index + 1])
            let pid = UInt16(body[index + 2] & 0x1F) << 8 | UInt16(body[index + 3])
            guard number != 0, pid >= 0x0010, pid != MPEGTSPacketHeader.nullPID else { continue }
            guard !entries.contains(where: { $0.programNumber == number }) else { continue }
            entries.append(Entry(programNumber: number, pmtPID: pid))
        }
        self.entries = entries
    }
}
