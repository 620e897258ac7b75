/// A program map section: one program's PCR PID and elementary streams (ISO/IEC 13818-1 2.4.4.8).
struct MPEGTSProgramMap: Hashable, Sendable {
    static let tableID: UInt8 = 0x02

    var programNumber: UInt16
    /// The PID the map arrived on, set by the demuxer; a PAT change that moves it voids the map.
    var pmtPID: UInt16 = 0
    var version: UInt8
    var pcrPID: UInt16
    /// The streams in map order; repeated or reserved PIDs are left out.
    var streams: [MPEGTSElementaryStream]

    /// Parses the body of a checked section.
    ///
    /// - Parameters:
    ///   - section: A section with `table_id` 0x02.
    /// - Throws: ``MPEGTSError`` when a descriptor loop runs past the section.
    init(section: MPEGTSSection) throws(MPEGTSError) {
        guard section.tableID == Self.tableID else { throw .unexpectedTableID(section.tableID) }
        let body = Array(section.body)
        guard body.count >= 4 else { throw .truncated("program map") }
        programNumber = section.tableIDExtension
        version = section.version
        pcrPID = UInt16(body[0] & 0x1F) << 8 | UInt16(body[1])
        let programInfoLength = Int(body[2] & 0x0F) << 8 | Int(body[3])
        var index = 4 + programInfoLength
        guard index <= body.count else { throw .truncated("program_info descriptors") }
        var streams: [MPEGTSElementaryStream] = []
        var seen: Set<UInt16> = []
        while index < body.count {
            guard index + 5 <= body.count else { throw .truncated("program map entry") }
            let type = MPEGTSStreamType(rawValue: body[index])
            let pid = UInt16(body[index + 1] & 0x1F) << 8 | UInt16(body[index + 2])
            let infoLength = Int(body[index + 3] & 0x0F) << 8 | Int(body[index + 4])
            index += 5 + infoLength
            guard index <= body.count else { throw .truncated("ES_info descriptors") }
            // PIDs 0 through 0x000F are reserved for tables and 0x1FFF is the null PID.
            guard pid >= 0x0010, pid != MPEGTSPacketHeader.nullPID, seen.insert(pid).inserted else { continue }
            streams.append(MPEGTSElementaryStream(pid: pid, streamType: type))
        }
        self.streams = streams
    }

    /// Whether the program carries video Weir packages.
    var hasPackagedVideo: Bool {
        streams.contains { $0.streamType.isPackagedVideo }
    }

    /// Whether the program carries anything Weir packages.
    var hasPackagedStream: Bool {
        streams.contains { $0.codec != nil }
    }
}
