import Logging
import NIOCore
import WeirCore
import WeirFormats

/// Turns one publisher's RTMP audio and video messages into formats and packets on its bus.
///
/// One timestamp normaliser serves both tracks so they stay in sync; audio time is counted in
/// AAC frames. Packets that arrive before their track's sequence header are dropped, since no
/// output could describe them.
///
/// Video is H.264 in the legacy header, or H.264, H.265 (`hvc1`) and AV1 (`av01`) in the
/// Enhanced RTMP `ExVideoTagHeader`; anything else refuses the stream rather than publishing
/// a track no output can describe.
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

    let bus: StreamBus
    let videoTrack: TrackID?
    let audioTrack: TrackID?
    var metadata: RTMPStreamMetadata?
    var logger: Logger

    private var normalizer = TimestampNormalizer(wrapBits: 32, timescale: 1000)
    var videoFormat: TrackFormat?
    /// The Enhanced RTMP track id of the video, once a video message named one.
    private var videoTrackID: UInt8?
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
        let tags: [FLVVideoTag]
        do {
            tags = try FLVVideoTag.tracks(parsing: payload)
        } catch {
            counters.dropped += 1
            logger.debug("dropping malformed video message", metadata: ["error": "\(error)"])
            return .accepted
        }
        guard tags.count == 1, let tag = tags.first else {
            return .unsupported("Enhanced RTMP video multitrack with \(tags.count) tracks in one message is not supported (send one video track)")
        }
        if tag.packetType == .metadata {
            logger.debug("ignoring Enhanced RTMP video metadata", metadata: ["fourcc": "\(tag.codec.name)"])
            return .accepted
        }
        if tag.frameType == .command { return .accepted }
        if let refusal = refusal(for: tag) { return refusal }
        videoTrackID = tag.trackID
        guard let track = videoTrack else {
            dropForMissingTrack(.video, counters: &counters)
            return .accepted
        }
        switch tag.packetType {
        case .sequenceHeader:
            videoSequenceHeader(tag, track: track, counters: &counters)
        case .codedFrames:
            codedFrame(tag, timestamp: timestamp, track: track, counters: &counters)
        case .endOfSequence:
            logger.debug("video sequence end", metadata: ["fourcc": "\(tag.codec.name)"])
        case .metadata:
            break
        case .other(let raw):
            counters.dropped += 1
            logger.debug("dropping video packet of unknown type", metadata: ["packet_type": "\(raw)", "fourcc": "\(tag.codec.name)"])
        }
        return .accepted
    }

    /// The refusal for a codec or track layout this ingest cannot package, nil when supported.
    private func refusal(for tag: FLVVideoTag) -> Outcome? {
        switch tag.codec {
        case .avc, .hevc, .av1:
            break
        case .vp9, .other:
            if tag.isEnhanced {
                return .unsupported("video codec \(tag.codec.name) over Enhanced RTMP is not supported (send hvc1, av01 or avc1)")
            }
            return .unsupported("video codec \(tag.codec.name) is not supported (send H.264, or H.265/AV1 over Enhanced RTMP)")
        }
        // Multitrack messages may carry one track each; a second video track has nowhere to go
        // on the bus, so only the first track id seen is accepted.
        if let known = videoTrackID, known != tag.trackID {
            return .unsupported("Enhanced RTMP video multitrack (tracks \(known) and \(tag.trackID)) is not supported (send one video track)")
        }
        return nil
    }

    private mutating func codedFrame(_ tag: FLVVideoTag, timestamp: UInt32, track: TrackID, counters: inout RTMPSessionCounters) {
        guard let format = videoFormat, format.codec == Self.codec(of: tag.codec), tag.payload.readableBytes > 0 else {
            counters.dropped += 1
            return
        }
        var dts = normalizedMilliseconds(timestamp, counters: &counters) * Self.ticksPerMillisecond
        // TimestampOffsetNano refines the millisecond timestamp by less than a millisecond.
        dts += Int64(min(tag.timestampOffsetNanoseconds, 999_999)) * Self.ticksPerMillisecond / 1_000_000
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
        let data = format.codec == .av1 ? AV1OBU.removingTemporalDelimiters(tag.payload) : tag.payload
        let packet = MediaPacket(
            track: track,
            dts: MediaTime(ticks: dts, timescale: Self.videoTimescale),
            compositionOffset: Int32(clamping: compositionOffset),
            isKeyframe: tag.isKeyframe,
            data: data)
        bus.publish(packet)
        counters.videoPackets += 1
    }

    // MARK: Audio

    mutating func audio(timestamp: UInt32, payload: ByteBuffer, counters: inout RTMPSessionCounters) -> Outcome {
        let tag: FLVAudioTag
        do {
            tag = try FLVAudioTag(parsing: payload)
        } catch .unsupportedAudioMultitrack {
            return .unsupported("Enhanced RTMP audio multitrack is not supported (send one audio track)")
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
                data: tag.payload)
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
        do {
            try bus.publish(format: format, for: track)
        } catch {
            counters.dropped += 1
            logger.warning("ignoring unusable AAC sequence header", metadata: ["error": "\(error)"])
            return
        }
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
    }

    // MARK: Shared

    mutating func normalizedMilliseconds(_ timestamp: UInt32, counters: inout RTMPSessionCounters) -> Int64 {
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

    static func reduced(frames: Int64, seconds: Int64) -> FrameRate {
        var a = frames
        var b = seconds
        while b != 0 { (a, b) = (b, a % b) }
        let divisor = max(a, 1)
        return FrameRate(frames: frames / divisor, per: seconds / divisor)
    }
}
