import Logging
import NIOCore
import WeirCore
import WeirFormats

/// Video sequence headers: the avcC, hvcC or av1C record that starts a video sequence.
extension RTMPMediaIngest {
    /// The packaged codec of an FLV video codec, nil for codecs this ingest does not take.
    static func codec(of codec: FLVVideoCodec) -> Codec? {
        switch codec {
        case .avc: .h264
        case .hevc: .h265
        case .av1: .av1
        case .vp9, .other: nil
        }
    }

    /// Publishes the track format a sequence header describes; a malformed one is dropped and
    /// leaves the current format in place.
    mutating func videoSequenceHeader(_ tag: FLVVideoTag, track: TrackID, counters: inout RTMPSessionCounters) {
        let format: TrackFormat
        do {
            switch tag.codec {
            case .avc: format = try avcFormat(tag.payload)
            case .hevc: format = try hevcFormat(tag.payload)
            case .av1: format = try av1Format(tag.payload)
            case .vp9, .other: return
            }
        } catch {
            counters.dropped += 1
            logger.warning("ignoring malformed \(tag.codec.name) sequence header", metadata: ["error": "\(error)"])
            return
        }
        do {
            try bus.publish(format: format, for: track)
        } catch {
            counters.dropped += 1
            logger.warning("ignoring unusable video sequence header", metadata: ["error": "\(error)"])
            return
        }
        if format != videoFormat {
            logger.info("video format", metadata: [
                "codec": "\(format.codecString)", "size": "\(format.width)x\(format.height)",
                "enhanced_rtmp": "\(tag.isEnhanced)",
            ])
        }
        videoFormat = format
    }

    private func avcFormat(_ payload: ByteBuffer) throws(CodecError) -> TrackFormat {
        let record = try AVCDecoderConfigurationRecord(parsing: payload)
        let sps = try? record.sequenceParameterSet()
        var frameRate: FrameRate?
        if let timing = sps?.timing, timing.numUnitsInTick > 0, timing.timeScale > 0 {
            frameRate = Self.reduced(frames: Int64(timing.timeScale), seconds: 2 * Int64(timing.numUnitsInTick))
        } else {
            frameRate = metadata?.exactFrameRate
        }
        return TrackFormat(
            kind: .video, codec: .h264, timescale: Self.videoTimescale, configuration: record.bytes,
            codecString: record.codecString,
            width: sps?.width ?? metadataWidth, height: sps?.height ?? metadataHeight,
            frameRate: frameRate)
    }

    private func hevcFormat(_ payload: ByteBuffer) throws(CodecError) -> TrackFormat {
        let record = try HEVCDecoderConfigurationRecord(parsing: payload)
        // A record without parameter sets would leave every sample undecodable: the sample
        // entry is hvc1, which keeps them out of the samples.
        guard !record.sequenceParameterSets.isEmpty, !record.pictureParameterSets.isEmpty else {
            throw .invalidValue("hvcC without SPS or PPS")
        }
        let sps = try? record.sequenceParameterSet()
        var frameRate = metadata?.exactFrameRate
        if frameRate == nil, record.averageFrameRate > 0 {
            frameRate = Self.reduced(frames: Int64(record.averageFrameRate), seconds: 256)
        }
        return TrackFormat(
            kind: .video, codec: .h265, timescale: Self.videoTimescale, configuration: record.bytes,
            codecString: record.codecString,
            width: sps?.width ?? metadataWidth, height: sps?.height ?? metadataHeight,
            frameRate: frameRate)
    }

    private func av1Format(_ payload: ByteBuffer) throws(CodecError) -> TrackFormat {
        let record = try AV1ConfigurationRecord(parsing: payload)
        return TrackFormat(
            kind: .video, codec: .av1, timescale: Self.videoTimescale, configuration: record.bytes,
            codecString: record.codecString,
            width: record.maxFrameWidth ?? metadataWidth, height: record.maxFrameHeight ?? metadataHeight,
            frameRate: metadata?.exactFrameRate)
    }

    private var metadataWidth: Int { Self.dimension(metadata?.width) }
    private var metadataHeight: Int { Self.dimension(metadata?.height) }

    /// A metadata picture dimension as an integer; absurd values count as unknown.
    private static func dimension(_ value: Double?) -> Int {
        guard let value, value >= 1, value <= 65_536 else { return 0 }
        return Int(value)
    }
}
