public import WeirCore
import NIOCore

/// Turns the demuxer's access units into Weir's media model: track formats built from the
/// in-band parameter sets and ADTS headers, and samples on one normalised timeline.
///
/// Of the selected program, the first H.264 or H.265 stream and the first AAC stream become
/// the video and audio tracks; others are ignored and counted. All streams share one
/// ``TimestampNormalizer`` (33-bit, 90 kHz) per time base, so they stay in sync across the
/// 26.5-hour wrap. A new time base (signalled by the PCR PID's discontinuity indicator, or a
/// jump of more than ten seconds) continues the timeline 20 ms after the latest time handed
/// out; units of the old time base that complete after the first of the new one (a held
/// picture on another PID) stay on the old one.
///
/// Video samples are 4-byte length-prefixed NAL units. Parameter sets, access unit delimiters
/// and filler data are taken out of the samples: the sample entries Weir writes are `avc1` and
/// `hvc1`, whose records hold the parameter sets (for `hvc1` exclusively), and a change of
/// them starts a new format, so nothing is lost by removing them. SEI stays in the samples
/// (captions, HDR metadata, timecodes). A sample is a keyframe when it holds an IDR (H.264)
/// or IRAP (H.265) picture. Each ADTS frame becomes one sample without its header and CRC,
/// timed from its PES's PTS plus 1024 samples (the frame size) per frame before it and
/// counted in frames by an ``AudioFrameClock``.
///
/// Frames before their track's format, video frames before the first keyframe (and after lost
/// data, until the next keyframe), and units without a usable time are dropped and counted.
public struct MPEGTSMediaAdapter: Sendable {
    /// A step larger than this after a signalled discontinuity is a time base change; smaller
    /// ones (a muxer flagging a splice whose clock continues) keep the timeline.
    static let signalledTolerance: Int64 = 90_000
    /// A step larger than this between any two timestamps is a jump of the source's clock.
    static let jumpTolerance: Int64 = 10 * 90_000
    /// Where the timeline starts when the first timestamp is near zero, so that streams stamped
    /// slightly earlier (or just before a wrap) stay positive.
    static let earlyStart: Int64 = 10 * 90_000
    /// Largest backward step of video decode time repaired by nudging frames forward.
    static let maxDecodeTimeRepair: Int64 = 90_000
    /// Continue one 20 ms step after the last time handed out.
    static let rebaseStep: Int64 = 1_800

    /// What the adapter produced and dropped.
    public private(set) var counters = Counters()
    /// The stream that feeds the video track.
    public private(set) var videoStream: MPEGTSElementaryStream?
    /// The stream that feeds the audio track.
    public private(set) var audioStream: MPEGTSElementaryStream?
    /// The current video format.
    public private(set) var videoFormat: TrackFormat?
    /// The current audio format.
    public private(set) var audioFormat: TrackFormat?

    /// The time base now in use, and the one before it for units of the old clock that
    /// complete after the first units of the new one.
    private var timeline: MPEGTSTimeline?
    private var previousTimeline: MPEGTSTimeline?
    /// The demuxer's time base count of the current timeline.
    private var timeBase = 0
    /// The latest time handed out, in 90 kHz ticks.
    private var latest: Int64?

    private var parameterSets: MPEGTSParameterSets?
    private var awaitingKeyframe = true
    private var lastVideoDTS: Int64?

    private var splitter = MPEGTSADTSSplitter()
    private var audioHeaderKey: [UInt8]?
    private var audioClock: AudioFrameClock?
    private var nextAudioTime: Int64?

    /// Creates an adapter.
    public init() {}

    /// Adapts a batch of demuxer events.
    ///
    /// - Parameters:
    ///   - events: Events in the order the demuxer returned them.
    /// - Returns: Formats, samples and discontinuities in order.
    public mutating func consume(_ events: [MPEGTSDemuxer.Event]) -> [Output] {
        var outputs: [Output] = []
        for event in events {
            consume(event, into: &outputs)
        }
        return outputs
    }

    /// Adapts one demuxer event.
    ///
    /// - Parameters:
    ///   - event: The event.
    /// - Returns: Formats, samples and discontinuities in order.
    public mutating func consume(_ event: MPEGTSDemuxer.Event) -> [Output] {
        var outputs: [Output] = []
        consume(event, into: &outputs)
        return outputs
    }

    private mutating func consume(_ event: MPEGTSDemuxer.Event, into outputs: inout [Output]) {
        switch event {
        case .program(let streams):
            choose(streams)
        case .discontinuity:
            // Units carry their time base; the change is handled at the first unit of the new one.
            break
        case .accessUnit(let unit):
            if unit.pid == videoStream?.pid, unit.codec == videoStream?.codec {
                video(unit, into: &outputs)
            } else if unit.pid == audioStream?.pid, unit.codec == .aac {
                audio(unit, into: &outputs)
            } else {
                counters.ignoredUnits += 1
            }
        }
    }

    private mutating func choose(_ streams: [MPEGTSElementaryStream]) {
        let video = streams.first { $0.streamType.isPackagedVideo }
        if video != videoStream {
            videoStream = video
            parameterSets = video?.codec.map { MPEGTSParameterSets(codec: $0) }
            videoFormat = nil
            awaitingKeyframe = true
        }
        let audio = streams.first { $0.codec == .aac }
        if audio != audioStream {
            audioStream = audio
            splitter = MPEGTSADTSSplitter()
            audioHeaderKey = nil
            audioFormat = nil
            audioClock = nil
            nextAudioTime = nil
        }
    }

    // MARK: Timeline

    /// Maps a 33-bit timestamp of `unit` onto the stream's timeline, in 90 kHz ticks.
    ///
    /// A unit of a newer time base than the current one, or a timestamp far from both the
    /// current and the previous time base, starts a new time base that continues 20 ms after
    /// the latest time handed out.
    private mutating func time(_ raw: Int64, of unit: MPEGTSAccessUnit, into outputs: inout [Output]) -> Int64 {
        guard var current = timeline, let latest else {
            // The first timestamp: keep the source's clock, unless it is so close to zero that
            // a stream stamped slightly earlier (or just before a wrap) would go negative.
            let start = MPEGTSTimestamp.wrapped(raw) < Self.earlyStart ? Self.earlyStart : MPEGTSTimestamp.wrapped(raw)
            timeline = MPEGTSTimeline(raw: raw, at: start)
            timeBase = unit.timeBase
            latest = start
            return start
        }
        if unit.timeBase > timeBase {
            timeBase = unit.timeBase
            if !current.isNear(raw, tolerance: Self.signalledTolerance) {
                return rebase(raw, latest: latest, into: &outputs)
            }
        } else if unit.timeBase < timeBase || !current.isNear(raw, tolerance: Self.jumpTolerance) {
            if var previous = previousTimeline, previous.isNear(raw, tolerance: Self.jumpTolerance) {
                let mapped = previous.map(raw)
                previousTimeline = previous
                self.latest = max(latest, mapped.time)
                return mapped.time
            }
            if unit.timeBase == timeBase {
                return rebase(raw, latest: latest, into: &outputs)
            }
        }
        let mapped = current.map(raw)
        timeline = current
        if mapped.jumped {
            counters.discontinuities += 1
            outputs.append(.discontinuity)
        }
        self.latest = max(latest, mapped.time)
        return mapped.time
    }

    private mutating func rebase(_ raw: Int64, latest: Int64, into outputs: inout [Output]) -> Int64 {
        let start = latest + Self.rebaseStep
        previousTimeline = timeline
        timeline = MPEGTSTimeline(raw: raw, at: start)
        self.latest = start
        counters.discontinuities += 1
        outputs.append(.discontinuity)
        return start
    }

    // MARK: Video

    private mutating func video(_ unit: MPEGTSAccessUnit, into outputs: inout [Output]) {
        guard var sets = parameterSets else { return }
        var data = ByteBuffer()
        data.reserveCapacity(unit.data.readableBytes + 16)
        var isKeyframe = false
        for nal in NALUnit.annexBUnits(in: unit.data) {
            guard let header = nal.getInteger(at: nal.readerIndex, as: UInt8.self) else { continue }
            if sets.isOutOfBand(header) {
                if !sets.take(nal) { counters.droppedMalformed += 1 }
                continue
            }
            if sets.isRandomAccess(header) { isKeyframe = true }
            data.writeInteger(UInt32(truncatingIfNeeded: nal.readableBytes))
            data.writeImmutableBuffer(nal)
        }
        if sets.changed {
            do {
                if let format = try sets.format(), format != videoFormat {
                    videoFormat = format
                    outputs.append(.format(.video, format))
                }
            } catch {
                counters.droppedMalformed += 1
            }
        }
        parameterSets = sets
        guard data.readableBytes > 0 else { return }
        guard videoFormat != nil else {
            counters.droppedBeforeFormat += 1
            return
        }
        if unit.followsLoss { awaitingKeyframe = true }
        if awaitingKeyframe {
            guard isKeyframe else {
                counters.droppedUntilKeyframe += 1
                return
            }
            awaitingKeyframe = false
        }
        guard let ptsRaw = unit.pts, let dtsRaw = unit.dts else {
            counters.droppedUntimed += 1
            return
        }
        var dts = time(dtsRaw, of: unit, into: &outputs)
        var compositionOffset = MPEGTSTimestamp.difference(ptsRaw, dtsRaw)
        if let last = lastVideoDTS, dts <= last, last - dts <= Self.maxDecodeTimeRepair {
            // Decode times must increase; the frame moves one tick later and keeps its presentation time.
            compositionOffset -= last + 1 - dts
            dts = last + 1
            counters.adjustedTimestamps += 1
        }
        lastVideoDTS = dts
        let sample = Sample(
            dts: MediaTime(ticks: dts, timescale: 90_000), compositionOffset: Int32(clamping: compositionOffset),
            isKeyframe: isKeyframe, data: data)
        counters.videoPackets += 1
        outputs.append(.packet(.video, sample))
    }

    // MARK: Audio

    private mutating func audio(_ unit: MPEGTSAccessUnit, into outputs: inout [Output]) {
        if unit.followsLoss {
            // A frame carried over from before the loss would be spliced with unrelated bytes.
            splitter = MPEGTSADTSSplitter()
        }
        let frames = splitter.frames(in: unit.data, skippedBytes: &counters.skippedAudioBytes)
        var anchor: Int64?
        var index: Int64 = 0
        for frame in frames {
            guard frame.header.rawDataBlocks == 1 else {
                counters.droppedMalformed += 1
                continue
            }
            guard let format = audioFormat(for: frame.header, into: &outputs) else { continue }
            let rate = format.timescale
            let samplesPerFrame = Int64(format.samplesPerFrame)
            var wire: Int64
            if frame.startedEarlier || unit.pts == nil {
                guard let next = nextAudioTime else {
                    counters.droppedUntimed += 1
                    continue
                }
                wire = next
            } else {
                if anchor == nil, let pts = unit.pts {
                    anchor = MediaTime.rescale(time(pts, of: unit, into: &outputs), from: 90_000, to: rate)
                }
                wire = (anchor ?? 0) + index * samplesPerFrame
                index += 1
            }
            var clock = audioClock ?? AudioFrameClock(sampleRate: rate, samplesPerFrame: format.samplesPerFrame)
            let dts = clock.time(for: MediaTime(ticks: wire, timescale: rate))
            audioClock = clock
            nextAudioTime = dts.ticks + samplesPerFrame
            // A new time base must start after this frame ends, not just after its PES time.
            let end = MediaTime.rescale(dts.ticks + samplesPerFrame, from: rate, to: 90_000)
            latest = max(latest ?? end, end)
            let sample = Sample(
                dts: dts, duration: Int32(clamping: samplesPerFrame), isKeyframe: true, data: frame.payload)
            counters.audioPackets += 1
            outputs.append(.packet(.audio, sample))
        }
    }

    /// The format for frames with `header`, announcing it when it changes.
    private mutating func audioFormat(for header: ADTSHeader, into outputs: inout [Output]) -> TrackFormat? {
        let key = [header.profile, header.samplingFrequencyIndex, header.channelConfiguration]
        if key == audioHeaderKey, let audioFormat { return audioFormat }
        let config: AudioSpecificConfig
        do {
            config = try header.audioSpecificConfig()
        } catch {
            counters.droppedMalformed += 1
            return nil
        }
        let format = TrackFormat(
            kind: .audio, codec: .aac, timescale: Int32(config.sampleRate), configuration: config.bytes,
            codecString: config.codecString, sampleRate: config.sampleRate, channelCount: config.channelCount,
            samplesPerFrame: config.samplesPerFrame)
        if format.timescale != audioFormat?.timescale || format.samplesPerFrame != audioFormat?.samplesPerFrame {
            // A new rate or frame size restarts frame counting from the PES times.
            audioClock = nil
            nextAudioTime = nil
        }
        audioHeaderKey = key
        if format != audioFormat {
            audioFormat = format
            outputs.append(.format(.audio, format))
        }
        return format
    }
}
