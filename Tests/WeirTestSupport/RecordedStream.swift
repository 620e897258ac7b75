public import WeirCore

/// What a bus subscriber saw, sorted by track.
public struct RecordedStream {
    public var formats: [TrackID: TrackFormat] = [:]
    public var video: [MediaPacket] = []
    public var audio: [MediaPacket] = []
    /// Packets delivered before their track's format.
    public var packetsBeforeFormat = 0
    public var discontinuityBoundaries = 0

    public init(_ events: [StreamEvent]) {
        for event in events {
            switch event {
            case .format(let track, let format):
                formats[track] = format
            case .packet(let packet):
                if formats[packet.track] == nil { packetsBeforeFormat += 1 }
                if packet.track == TestRouter.videoTrack { video.append(packet) } else { audio.append(packet) }
            case .boundary(let boundary):
                if boundary.discontinuity { discontinuityBoundaries += 1 }
            default:
                break
            }
        }
    }

    public var videoFormat: TrackFormat? { formats[TestRouter.videoTrack] }
    public var audioFormat: TrackFormat? { formats[TestRouter.audioTrack] }

    public var videoDTSIsMonotonic: Bool {
        zip(video, video.dropFirst()).allSatisfy { $0.dts.ticks < $1.dts.ticks }
    }

    public var audioDTSIsMonotonic: Bool {
        zip(audio, audio.dropFirst()).allSatisfy { $0.dts.ticks < $1.dts.ticks }
    }

    /// Audio counted in whole AAC frames: each step is exactly the previous frame's 1024 samples.
    public var audioStepsAreOneFrame: Bool {
        zip(audio, audio.dropFirst()).allSatisfy { $1.dts.ticks - $0.dts.ticks == Int64($0.duration) && $0.duration == 1024 }
    }

    /// Checks what the test publishers send: H.264 320x240 at 30 fps with a keyframe every
    /// `keyframeInterval` frames, and AAC.
    ///
    /// - Returns: what is wrong, empty when nothing is.
    public func problems(frames: ClosedRange<Int> = 85...92, keyframeInterval: Int = 30) -> [String] {
        // AAC frames (1024 samples at 44.1 kHz) per video frame at 30 fps, with a margin.
        let minimumAudio = frames.lowerBound * 4 / 3
        var problems: [String] = []
        if packetsBeforeFormat != 0 { problems.append("\(packetsBeforeFormat) packets before their format") }
        guard let videoFormat else { return problems + ["no video format"] }
        if videoFormat.codec != .h264 || videoFormat.timescale != 90_000 || !videoFormat.codecString.hasPrefix("avc1.") {
            problems.append("video format \(videoFormat.codecString) / \(videoFormat.timescale)")
        }
        if videoFormat.width != 320 || videoFormat.height != 240 { problems.append("video size \(videoFormat.width)x\(videoFormat.height)") }
        guard let audioFormat else { return problems + ["no audio format"] }
        if audioFormat.codec != .aac || audioFormat.samplesPerFrame != 1024 || audioFormat.sampleRate == 0 {
            problems.append("audio format \(audioFormat.codecString) \(audioFormat.sampleRate) Hz")
        }
        if !frames.contains(video.count) { problems.append("\(video.count) video packets") }
        if !videoDTSIsMonotonic { problems.append("video decode times not increasing") }
        if !audioDTSIsMonotonic { problems.append("audio decode times not increasing") }
        if video.first?.isKeyframe != true { problems.append("first video packet is not a keyframe") }
        let keyframes = video.indices.filter { video[$0].isKeyframe }
        if keyframes != Array(stride(from: 0, to: video.count, by: keyframeInterval)) {
            problems.append("keyframes at \(keyframes)")
        }
        if !video.allSatisfy({ $0.dts.timescale == 90_000 && $0.data.readableBytes > 4 }) { problems.append("bad video packet") }
        if audio.count < minimumAudio { problems.append("\(audio.count) audio packets") }
        if !audio.allSatisfy({ $0.isKeyframe && $0.duration == 1024 && $0.dts.timescale == Int32(audioFormat.sampleRate) }) {
            problems.append("bad audio packet")
        }
        return problems
    }
}
