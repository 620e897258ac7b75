public import NIOCore

/// Writes an MPEG-2 transport stream: PAT and PMT with CRC_32, and PES packets split into
/// 188-byte packets with continuity counters, PCR on each program's PCR PID and stuffing in
/// the adaptation field.
///
/// The H.264 writer turns length-prefixed samples into Annex B with an access unit delimiter
/// and, before keyframes, the SPS and PPS; the AAC writer puts each raw frame behind an ADTS
/// header. Tables are not repeated by themselves: call ``writeTables(into:)`` before the first
/// PES and then periodically (before each keyframe is usual).
public struct MPEGTSMuxer: Sendable {
    /// The default PID of the program map.
    public static let defaultPMTPID: UInt16 = 0x1000
    /// The default video PID.
    public static let defaultVideoPID: UInt16 = 0x0100
    /// The default audio PID.
    public static let defaultAudioPID: UInt16 = 0x0101
    /// Video PES packets are written unbounded (`PES_packet_length` 0), as the standard allows for video.
    static let videoStreamID: UInt8 = 0xE0
    static let audioStreamID: UInt8 = 0xC0

    /// The programs of the PAT and their maps. Bump ``version`` after changing them.
    public var programs: [Program]
    /// `transport_stream_id` of the PAT.
    public var transportStreamID: UInt16
    /// `version_number` of the PAT and PMTs, 0 through 31.
    public var version: UInt8
    private var continuity: [UInt16: UInt8] = [:]

    /// Creates a muxer for the given programs.
    ///
    /// - Parameters:
    ///   - programs: The programs, in PAT order.
    ///   - transportStreamID: The transport stream id.
    public init(programs: [Program], transportStreamID: UInt16 = 1) {
        self.programs = programs
        self.transportStreamID = transportStreamID
        self.version = 0
    }

    /// Creates a muxer for one program (number 1) with a video and an audio stream, the PCR on the video PID.
    ///
    /// - Parameters:
    ///   - video: The video stream type, nil for none.
    ///   - audio: The audio stream type, nil for none.
    public init(video: MPEGTSStreamType? = .h264, audio: MPEGTSStreamType? = .aacADTS) {
        var streams: [MPEGTSElementaryStream] = []
        if let video { streams.append(MPEGTSElementaryStream(pid: Self.defaultVideoPID, streamType: video)) }
        if let audio { streams.append(MPEGTSElementaryStream(pid: Self.defaultAudioPID, streamType: audio)) }
        let pcrPID = video == nil ? Self.defaultAudioPID : Self.defaultVideoPID
        self.init(programs: [Program(number: 1, pmtPID: Self.defaultPMTPID, pcrPID: pcrPID, streams: streams)])
    }

    /// Appends the PAT and every program's PMT.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to append to.
    public mutating func writeTables(into buffer: inout ByteBuffer) {
        var association: [UInt8] = []
        for program in programs {
            association += [UInt8(program.number >> 8), UInt8(truncatingIfNeeded: program.number)]
            association += [0xE0 | UInt8(program.pmtPID >> 8), UInt8(truncatingIfNeeded: program.pmtPID)]
        }
        writeSection(
            Self.section(tableID: 0x00, tableIDExtension: transportStreamID, version: version, body: association),
            pid: 0x0000, into: &buffer)
        for program in programs {
            var map: [UInt8] = [0xE0 | UInt8(program.pcrPID >> 8), UInt8(truncatingIfNeeded: program.pcrPID), 0xF0, 0x00]
            for stream in program.streams {
                map += [stream.streamType.rawValue, 0xE0 | UInt8(stream.pid >> 8), UInt8(truncatingIfNeeded: stream.pid)]
                map += [0xF0, 0x00]
            }
            writeSection(
                Self.section(tableID: 0x02, tableIDExtension: program.number, version: version, body: map),
                pid: program.pmtPID, into: &buffer)
        }
    }

    /// Appends one PES packet, split into transport packets.
    ///
    /// On a program's PCR PID the first packet carries a PCR equal to the decode time.
    ///
    /// - Parameters:
    ///   - pid: The stream's PID.
    ///   - streamID: The PES `stream_id`: 0xE0 for video, 0xC0 for audio.
    ///   - payload: The elementary stream bytes.
    ///   - pts: The presentation time in 90 kHz ticks, wrapped to 33 bits; nil for none.
    ///   - dts: The decode time, written only when it differs from `pts`.
    ///   - randomAccess: Sets the `random_access_indicator` on the first packet.
    ///   - unbounded: Writes `PES_packet_length` 0 (video only); a PES too long for the
    ///     16-bit field is always unbounded.
    ///   - buffer: The buffer to append to.
    public mutating func writePES(
        pid: UInt16, streamID: UInt8, payload: ByteBuffer, pts: Int64?, dts: Int64? = nil, randomAccess: Bool = false,
        unbounded: Bool = false, into buffer: inout ByteBuffer
    ) {
        var pes = ByteBuffer()
        pes.reserveCapacity(payload.readableBytes + 19)
        pes.writeBytes([0x00, 0x00, 0x01, streamID])
        let timestamps: (flags: UInt8, length: Int) =
            switch (pts, dts) {
            case (nil, _): (0x00, 0)
            case (let pts?, let dts?) where MPEGTSTimestamp.wrapped(pts) != MPEGTSTimestamp.wrapped(dts): (0xC0, 10)
            default: (0x80, 5)
            }
        let length = 3 + timestamps.length + payload.readableBytes
        pes.writeInteger(unbounded || length > Int(UInt16.max) ? UInt16(0) : UInt16(length))
        pes.writeInteger(UInt8(0x84))  // '10' marker, data_alignment_indicator
        pes.writeInteger(timestamps.flags)
        pes.writeInteger(UInt8(timestamps.length))
        if let pts {
            MPEGTSTimestamp.write(pts, prefix: timestamps.flags == 0xC0 ? 0x03 : 0x02, to: &pes)
            if timestamps.flags == 0xC0, let dts {
                MPEGTSTimestamp.write(dts, prefix: 0x01, to: &pes)
            }
        }
        pes.writeImmutableBuffer(payload)

        let isPCRPID = programs.contains { $0.pcrPID == pid }
        let clock = dts ?? pts
        var first = true
        while pes.readableBytes > 0 {
            let pcr = first && isPCRPID ? clock.map { MPEGTSTimestamp.wrapped($0) * 300 } : nil
            writePacket(
                pid: pid, unitStart: first, pcr: pcr, randomAccess: first && randomAccess, payload: &pes, into: &buffer)
            first = false
        }
    }

    /// Appends one H.264 access unit as Annex B: an access unit delimiter, the SPS and PPS
    /// before a keyframe, then the sample's NAL units.
    ///
    /// - Parameters:
    ///   - pid: The video PID.
    ///   - sample: Length-prefixed NAL units, as in a ``MediaPacket``.
    ///   - configuration: The stream's avcC, for the length size and the parameter sets.
    ///   - pts: The presentation time in 90 kHz ticks.
    ///   - dts: The decode time in 90 kHz ticks.
    ///   - isKeyframe: Whether the sample starts a GOP.
    ///   - buffer: The buffer to append to.
    /// - Throws: ``CodecError`` when the sample's length prefixes do not fit it.
    public mutating func writeH264(
        pid: UInt16 = defaultVideoPID, sample: ByteBuffer, configuration: AVCDecoderConfigurationRecord, pts: Int64,
        dts: Int64, isKeyframe: Bool, into buffer: inout ByteBuffer
    ) throws(CodecError) {
        let units = try NALUnit.lengthPrefixedUnits(in: sample, lengthSize: configuration.nalLengthSize)
        var annexB = ByteBuffer()
        annexB.reserveCapacity(sample.readableBytes + 64)
        let startCode: [UInt8] = [0x00, 0x00, 0x00, 0x01]
        annexB.writeBytes(startCode + [0x09, 0xF0])
        if isKeyframe {
            for set in configuration.sequenceParameterSets + configuration.pictureParameterSets {
                annexB.writeBytes(startCode)
                annexB.writeBytes(set)
            }
        }
        for unit in units {
            annexB.writeBytes(startCode)
            annexB.writeImmutableBuffer(unit)
        }
        writePES(
            pid: pid, streamID: Self.videoStreamID, payload: annexB, pts: pts, dts: dts, randomAccess: isKeyframe,
            unbounded: true, into: &buffer)
    }

    /// Appends one PES of AAC frames, each behind an ADTS header.
    ///
    /// - Parameters:
    ///   - pid: The audio PID.
    ///   - frames: Raw AAC frames, as in a ``MediaPacket``.
    ///   - configuration: The stream's AudioSpecificConfig.
    ///   - pts: The presentation time of the first frame, in 90 kHz ticks.
    ///   - buffer: The buffer to append to.
    /// - Throws: ``CodecError`` for a configuration ADTS cannot express (object types above 4,
    ///   an explicit frequency, channel configuration 0) or a frame too long for it.
    public mutating func writeAAC(
        pid: UInt16 = defaultAudioPID, frames: [ByteBuffer], configuration: AudioSpecificConfig, pts: Int64,
        into buffer: inout ByteBuffer
    ) throws(CodecError) {
        guard (1...4).contains(configuration.objectType) else {
            throw .unsupported("ADTS for object type \(configuration.objectType)")
        }
        guard let frequencyIndex = configuration.samplingFrequencyIndex else {
            throw .unsupported("ADTS with an explicit sampling frequency")
        }
        guard (1...7).contains(configuration.channelConfiguration) else {
            throw .unsupported("ADTS channel configuration \(configuration.channelConfiguration)")
        }
        var payload = ByteBuffer()
        for frame in frames {
            guard frame.readableBytes + ADTSHeader.minimumSize <= MPEGTSADTSSplitter.maxFrameSize else {
                throw .invalidValue("AAC frame of \(frame.readableBytes) bytes")
            }
            let header = ADTSHeader(
                profile: configuration.objectType - 1, samplingFrequencyIndex: frequencyIndex,
                channelConfiguration: configuration.channelConfiguration, payloadLength: frame.readableBytes)
            header.write(to: &payload)
            payload.writeImmutableBuffer(frame)
        }
        writePES(pid: pid, streamID: Self.audioStreamID, payload: payload, pts: pts, into: &buffer)
    }

    // MARK: Packets

    private mutating func writeSection(_ section: [UInt8], pid: UInt16, into buffer: inout ByteBuffer) {
        var payload = ByteBuffer()
        payload.writeInteger(UInt8(0))  // pointer_field
        payload.writeBytes(section)
        var first = true
        while payload.readableBytes > 0 {
            // Sections end in 0xFF stuffing rather than an adaptation field.
            let room = MPEGTSPacketHeader.size - 4
            if payload.readableBytes < room {
                payload.writeRepeatingByte(0xFF, count: room - payload.readableBytes)
            }
            writePacket(pid: pid, unitStart: first, pcr: nil, randomAccess: false, payload: &payload, into: &buffer)
            first = false
        }
    }

    /// Appends one packet carrying as much of `payload` as fits, stuffing the adaptation field
    /// when less than a packet's worth is left.
    private mutating func writePacket(
        pid: UInt16, unitStart: Bool, pcr: Int64?, randomAccess: Bool, payload: inout ByteBuffer,
        into buffer: inout ByteBuffer
    ) {
        var adaptation: [UInt8] = []
        if pcr != nil || randomAccess {
            adaptation.append((randomAccess ? 0x40 : 0) | (pcr != nil ? 0x10 : 0))
            if let pcr {
                let base = UInt64(pcr / 300) & 0x1_FFFF_FFFF
                let ext = UInt64(pcr % 300)
                adaptation += [
                    UInt8(truncatingIfNeeded: base >> 25), UInt8(truncatingIfNeeded: base >> 17),
                    UInt8(truncatingIfNeeded: base >> 9), UInt8(truncatingIfNeeded: base >> 1),
                    UInt8(truncatingIfNeeded: (base & 1) << 7 | 0x7E | ext >> 8), UInt8(truncatingIfNeeded: ext),
                ]
            }
        }
        var hasAdaptation = !adaptation.isEmpty
        let room = MPEGTSPacketHeader.size - 4 - (hasAdaptation ? 1 + adaptation.count : 0)
        let count = min(room, payload.readableBytes)
        var stuffing = room - count
        if stuffing > 0, !hasAdaptation {
            hasAdaptation = true
            stuffing -= 1  // the length byte
            if stuffing > 0 {
                adaptation.append(0x00)  // flags
                stuffing -= 1
            }
        }
        adaptation += [UInt8](repeating: 0xFF, count: stuffing)

        let counter = (continuity[pid, default: 0x0F] &+ 1) & 0x0F
        continuity[pid] = counter
        buffer.writeInteger(MPEGTSPacketHeader.syncByte)
        buffer.writeInteger(UInt16(unitStart ? 0x4000 : 0) | pid & 0x1FFF)
        buffer.writeInteger((hasAdaptation ? 0x30 : 0x10) | counter)
        if hasAdaptation {
            buffer.writeInteger(UInt8(adaptation.count))
            buffer.writeBytes(adaptation)
        }
        if let chunk = payload.readSlice(length: count) {
            buffer.writeImmutableBuffer(chunk)
        }
    }

    /// A section with the long syntax: header, body and CRC_32.
    static func section(tableID: UInt8, tableIDExtension: UInt16, version: UInt8, body: [UInt8]) -> [UInt8] {
        let length = 5 + body.count + 4
        var section: [UInt8] = [
            tableID, 0xB0 | UInt8((length >> 8) & 0x0F), UInt8(truncatingIfNeeded: length),
            UInt8(tableIDExtension >> 8), UInt8(truncatingIfNeeded: tableIDExtension),
            0xC1 | (version & 0x1F) << 1, 0x00, 0x00,
        ]
        section += body
        let crc = MPEGTSCRC32.checksum(section)
        section += [UInt8(crc >> 24), UInt8(truncatingIfNeeded: crc >> 16), UInt8(truncatingIfNeeded: crc >> 8), UInt8(truncatingIfNeeded: crc)]
        return section
    }
}
