import Logging
import NIOCore
import WeirCore
import WeirFormats

/// Turns one publisher's RTMP audio and video messages into formats and packets on its bus.
///
/// One timestamp normaliser serves both tracks so they stay in sync; audio time is counted in
/// AAC frames. Packets that arrive before their track's sequence header are dropped, since no
/// output could describe them.
struct RTMPMediaIngest {
    enum Outcome: Equatable {
        case accepted
        /// The stream cannot be ingested without garbling it; the session must refuse it.
        case unsupported(String)
    }

    static let videoTimescale: Int32 = 90_000
    /// 90 kHz ticks per RTMP millisecond.
    static let ticksPerMillisecond: Int64 = 90
    /// Largest backward step of video decode time repaired by nudging frames forward; larger
    /// steps are passed on as sent.
    static let maxDecodeTimeRepair: Int64 = 90_000
    static let unsupportedEnhancedVideo = "H.265/AV1 over Enhanced RTMP is not supported yet"

    let bus: StreamBus
    let videoTrack: TrackID?
    let audioTrack: TrackID?
    var metadata: RTMPStreamMetadata?
    var logger: Logger

    private var normalizer = TimestampNormalizer(wrapBits: 32, timescale: 1000)
    private(set) var videoFormat: TrackFormat?
    private(set) var audioFormat: TrackFormat?
    private var audioClock: AudioFrameClock?
    private var lastVideoDTS: Int64?
    private var warnedAudioCodec = false
    private var warnedMissingTrack: Set<MediaKind> = []

    init(bus: StreamBus, videoTrack: TrackID?, audioTrack: TrackID?, logger: Logger) {
        self.bus = bus
        self.videoTrack = videoTrack
        self.audioTrack = audioTrack
        self.logger = logger
    }

    init(publication: Publication, logger: Logger) {
        self.init(
            bus: publication.bus, videoTrack: publication.sourceTrack(.video), audioTrack: publication.sourceTrack(.audio),
            logger: logger)
    }

    // MARK: Video

    mutating func video(timestamp: UInt32, payload: ByteBuffer, counters: inout RTMPSessionCounters) -> Outcome {
        let tag: FLVVideoTag
        do {
            tag = try FLVVideoTag(parsing: payload)
        } catch {
            counters.dropped += 1
            logger.debug("dropping malformed video message", metadata: ["error": "\(error)"])
            return .accepted
        }
        if tag.frameType == .command { return .accepted }
        guard tag.codec == .avc else {
            if tag.isEnhanced {
                return .unsupported(Self.unsupportedEnhancedVideo)
            }
            return .unsupported("video codec \(tag.codec.name) is not supported (send H.264)")
        }
        guard let track = videoTrack else {
            dropForMissingTrack(.video, counters: &counters)
            return .accepted
        }
        switch tag.packetType {
        case .sequenceHeader:
            videoSequenceHeader(tag.payload, track: track, counters: &counters)
        case .codedFrames:
            guard videoFormat != nil else {
                counters.dropped += 1
                return .accepted
            }
            guard tag.payload.readableBytes > 0 else {
                counters.dropped += 1
                return .accepted
            }
            var dts = normalizedMilliseconds(timestamp, counters: &counters) * Self.ticksPerMillisecond
            var compositionOffset = Int64(tag.compositionTime) * Self.ticksPerMillisecond
            if let last = lastVideoDTS, dts <= last, last - dts <= Self.maxDecodeTimeRepair {
                // Muxers clamp the negative decode times of the first B-frame stream frames to
                // zero (GStreamer's flvmux sends two frames at 0). Decode times must increase, so
                // the frame moves one tick later and keeps its presentation time.
                compositionOffset -= last + 1 - dts
                dts = last + 1
                counters.adjustedTimestamps += 1
            }
            lastVideoDTS = dts
            let packet = MediaPacket(
                track: track,
                dts: MediaTime(ticks: dts, timescale: Self.videoTimescale),
                compositionOffset: Int32(clamping: compositionOffset),
                isKeyframe: tag.isKeyframe,
                data: Self.compacted(tag.payload))
            bus.publish(packet)
            counters.videoPackets += 1
        case .endOfSequence, .metadata, .other:
            break
        }
        return .accepted
    }

    private mutating func videoSequenceHeader(_ payload: ByteBuffer, track: TrackID, counters: inout RTMPSessionCounters) {
        let record: AVCDecoderConfigurationRecord
        do {
            record = try AVCDecoderConfigurationRecord(parsing: payload)
        } catch {
            counters.dropped += 1
            logger.warning("ignoring malformed AVC sequence header", metadata: ["error": "\(error)"])
            return
        }
        let sps = try? record.sequenceParameterSet()
        var frameRate: FrameRate?
        if let timing = sps?.timing, timing.numUnitsInTick > 0, timing.timeScale > 0 {
            frameRate = Self.reduced(frames: Int64(timing.timeScale), seconds: 2 * Int64(timing.numUnitsInTick))
        } else {
            frameRate = metadata?.exactFrameRate
        }
        let format = TrackFormat(
            kind: .video, codec: .h264, timescale: Self.videoTimescale, configuration: record.bytes,
            codecString: record.codecString,
            width: sps?.width ?? Int(metadata?.width ?? 0), height: sps?.height ?? Int(metadata?.height ?? 0),
            frameRate: frameRate)
        if format != videoFormat {
            logger.info("video format", metadata: [
                "codec": "\(format.codecString)", "size": "\(format.width)x\(format.height)",
                "nal_length_size": "\(record.nalLengthSize)",
            ])
        }
        videoFormat = format
        bus.publish(format: format, for: track)
    }

    // MARK: Audio

    mutating func audio(timestamp: UInt32, payload: ByteBuffer, counters: inout RTMPSessionCounters) -> Outcome {
        let tag: FLVAudioTag
        do {
            tag = try FLVAudioTag(parsing: payload)
        } catch {
            counters.dropped += 1
            logger.debug("dropping malformed audio message", metadata: ["error": "\(error)"])
            return .accepted
        }
        guard tag.isAAC else {
            counters.dropped += 1
            if !warnedAudioCodec {
                warnedAudioCodec = true
                logger.warning("audio is not AAC; dropping audio", metadata: ["sound_format": "\(tag.soundFormat)"])
            }
            return .accepted
        }
        guard let track = audioTrack else {
            dropForMissingTrack(.audio, counters: &counters)
            return .accepted
        }
        switch tag.aacPacketType {
        case .sequenceHeader:
            audioSequenceHeader(tag.payload, track: track, counters: &counters)
        case .raw:
            guard let format = audioFormat, tag.payload.readableBytes > 0 else {
                counters.dropped += 1
                return .accepted
            }
            let milliseconds = normalizedMilliseconds(timestamp, counters: &counters)
            var clock = audioClock ?? AudioFrameClock(sampleRate: format.timescale, samplesPerFrame: format.samplesPerFrame)
            let dts = clock.time(for: MediaTime(ticks: milliseconds, timescale: 1000))
            audioClock = clock
            let packet = MediaPacket(
                track: track, dts: dts, duration: Int32(clamping: format.samplesPerFrame), isKeyframe: true,
                data: Self.compacted(tag.payload))
            bus.publish(packet)
            counters.audioPackets += 1
        case nil:
            break
        }
        return .accepted
    }

    private mutating func audioSequenceHeader(_ payload: ByteBuffer, track: TrackID, counters: inout RTMPSessionCounters) {
        let config: AudioSpecificConfig
        do {
            config = try AudioSpecificConfig(parsing: payload)
        } catch {
            counters.dropped += 1
            logger.warning("ignoring malformed AAC sequence header", metadata: ["error": "\(error)"])
            return
        }
        guard config.sampleRate > 0, config.sampleRate <= Int(Int32.max) else {
            counters.dropped += 1
            return
        }
        let format = TrackFormat(
            kind: .audio, codec: .aac, timescale: Int32(config.sampleRate), configuration: config.bytes,
            codecString: config.codecString, sampleRate: config.sampleRate, channelCount: config.channelCount,
            samplesPerFrame: config.samplesPerFrame)
        if format != audioFormat {
            logger.info("audio format", metadata: [
                "codec": "\(format.codecString)", "sample_rate": "\(format.sampleRate)", "channels": "\(format.channelCount)",
            ])
            // A new rate or frame size restarts frame counting from the wire clock.
            if format.timescale != audioFormat?.timescale || format.samplesPerFrame != audioFormat?.samplesPerFrame {
                audioClock = nil
            }
        }
        audioFormat = format
        bus.publish(format: format, for: track)
    }

    // MARK: Shared

    private mutating func normalizedMilliseconds(_ timestamp: UInt32, counters: inout RTMPSessionCounters) -> Int64 {
        let result = normalizer.normalize(Int64(timestamp))
        if result.discontinuity {
            counters.discontinuities += 1
            logger.info("timestamp jump; marking a discontinuity", metadata: ["rtmp_timestamp": "\(timestamp)"])
            bus.publishDiscontinuity()
        }
        return result.time.ticks
    }

    private mutating func dropForMissingTrack(_ kind: MediaKind, counters: inout RTMPSessionCounters) {
        counters.dropped += 1
        if warnedMissingTrack.insert(kind).inserted {
            logger.warning("the route declares no \(kind.rawValue) track; dropping \(kind.rawValue)")
        }
    }

    /// A payload that pins a much larger receive buffer is copied out, so that packets waiting
    /// in subscriber queues do not hold whole socket reads alive.
    static func compacted(_ payload: ByteBuffer) -> ByteBuffer {
        guard payload.storageCapacity > 2 * payload.readableBytes + 4096 else { return payload }
        var copy = ByteBufferAllocator().buffer(capacity: payload.readableBytes)
        var source = payload
        copy.writeBuffer(&source)
        return copy
    }

    static func reduced(frames: Int64, seconds: Int64) -> FrameRate {
        var a = frames
        var b = seconds
        while b != 0 { (a, b) = (b, a % b) }
        let divisor = max(a, 1)
        return FrameRate(frames: frames / divisor, per: seconds / divisor)
    }
}
