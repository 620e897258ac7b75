import NIOCore
import WeirCore

/// The H.264 or H.265 parameter sets a stream carries in band, by id, and the track format
/// they describe.
///
/// Sets are kept per id, as a decoder keeps them: an encoder may send several PPS, or send
/// them in different access units. Re-sent identical sets change nothing.
struct MPEGTSParameterSets: Sendable {
    let codec: Codec
    private var videoSets: [UInt32: [UInt8]] = [:]
    private var sequenceSets: [UInt32: [UInt8]] = [:]
    private var pictureSets: [UInt32: [UInt8]] = [:]
    /// A set was added or replaced since the last ``format()``.
    private(set) var changed = false

    init(codec: Codec) {
        self.codec = codec
    }

    /// Whether `header` (the first NAL header byte) marks a unit that belongs in the
    /// configuration record or is dropped from samples: parameter sets, access unit
    /// delimiters and filler data.
    func isOutOfBand(_ header: UInt8) -> Bool {
        if codec == .h265 {
            return [32, 33, 34, 35, 38].contains(HEVCNALUnitType(headerByte: header).rawValue)
        }
        return [7, 8, 9, 12].contains(H264NALUnitType(headerByte: header).rawValue)
    }

    /// Whether a unit with `header` makes its access unit a random access point: an IDR
    /// picture for H.264, an IRAP picture (types 16 through 23) for H.265.
    func isRandomAccess(_ header: UInt8) -> Bool {
        codec == .h265 ? HEVCNALUnitType(headerByte: header).isIRAP : H264NALUnitType(headerByte: header) == .idrSlice
    }

    /// Records the unit if it is a parameter set.
    ///
    /// - Parameters:
    ///   - unit: A NAL unit with its header, one that ``isOutOfBand(_:)``.
    /// - Returns: false when the unit is a parameter set that does not parse.
    mutating func take(_ unit: ByteBuffer) -> Bool {
        guard unit.readableBytes <= Int(UInt16.max) else { return false }
        let bytes = Array(unit.readableBytesView)
        guard let header = bytes.first else { return true }
        if codec == .h265 {
            switch HEVCNALUnitType(headerByte: header) {
            case .videoParameterSet:
                guard bytes.count >= 3 else { return false }
                store(bytes, id: UInt32(bytes[2] >> 4), in: \.videoSets)
            case .sequenceParameterSet:
                guard !sequenceSets.values.contains(bytes) else { return true }
                guard let sps = try? HEVCSequenceParameterSet(nalUnit: bytes) else { return false }
                store(bytes, id: sps.id, in: \.sequenceSets)
            case .pictureParameterSet:
                guard let id = Self.leadingExpGolomb(bytes.dropFirst(2)), id <= 63 else { return false }
                store(bytes, id: id, in: \.pictureSets)
            default:
                break
            }
            return true
        }
        switch H264NALUnitType(headerByte: header) {
        case .sequenceParameterSet:
            guard !sequenceSets.values.contains(bytes) else { return true }
            guard let sps = try? H264SequenceParameterSet(nalUnit: bytes) else { return false }
            store(bytes, id: sps.id, in: \.sequenceSets)
        case .pictureParameterSet:
            guard let id = Self.leadingExpGolomb(bytes.dropFirst()), id <= 255 else { return false }
            store(bytes, id: id, in: \.pictureSets)
        default:
            break
        }
        return true
    }

    /// The track format of the sets seen so far, nil until the needed ones arrived.
    ///
    /// - Throws: ``CodecError`` when the sets do not make a configuration record.
    mutating func format() throws(CodecError) -> TrackFormat? {
        changed = false
        let sps = sequenceSets.keys.sorted().compactMap { sequenceSets[$0] }
        let pps = pictureSets.keys.sorted().compactMap { pictureSets[$0] }
        guard !sps.isEmpty, !pps.isEmpty else { return nil }
        if codec == .h265 {
            let vps = videoSets.keys.sorted().compactMap { videoSets[$0] }
            guard !vps.isEmpty else { return nil }
            let record = try HEVCDecoderConfigurationRecord(
                videoParameterSets: vps, sequenceParameterSets: sps, pictureParameterSets: pps)
            let parsed = try record.sequenceParameterSet()
            return TrackFormat(
                kind: .video, codec: .h265, timescale: 90_000, configuration: record.bytes,
                codecString: record.codecString, width: parsed?.width ?? 0, height: parsed?.height ?? 0)
        }
        let record = try AVCDecoderConfigurationRecord(sequenceParameterSets: sps, pictureParameterSets: pps)
        let parsed = try record.sequenceParameterSet()
        var frameRate: FrameRate?
        if let timing = parsed?.timing, timing.numUnitsInTick > 0, timing.timeScale > 0 {
            frameRate = Self.reduced(frames: Int64(timing.timeScale), seconds: 2 * Int64(timing.numUnitsInTick))
        }
        return TrackFormat(
            kind: .video, codec: .h264, timescale: 90_000, configuration: record.bytes, codecString: record.codecString,
            width: parsed?.width ?? 0, height: parsed?.height ?? 0, frameRate: frameRate)
    }

    private mutating func store(_ bytes: [UInt8], id: UInt32, in sets: WritableKeyPath<Self, [UInt32: [UInt8]]>) {
        guard self[keyPath: sets][id] != bytes else { return }
        self[keyPath: sets][id] = bytes
        changed = true
    }

    /// The first `ue(v)` of a NAL unit payload: the PPS id.
    private static func leadingExpGolomb(_ payload: some Collection<UInt8>) -> UInt32? {
        var reader = BitReader(NALUnit.removingEmulationPrevention(payload.prefix(8)))
        return try? reader.readUE()
    }

    private static func reduced(frames: Int64, seconds: Int64) -> FrameRate {
        var a = frames
        var b = seconds
        while b != 0 { (a, b) = (b, a % b) }
        let divisor = max(a, 1)
        return FrameRate(frames: frames / divisor, per: seconds / divisor)
    }
}
