import Testing
import WeirCore
import WeirTestSupport

/// Checks what ffmpeg's test pattern (see ``FFmpeg/encoder(seconds:realtime:)``) becomes on the bus.
func expectTestPattern(
    _ stream: RecordedStream, videoFrames: ClosedRange<Int>, sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
    #expect(stream.packetsBeforeFormat == 0, sourceLocation: sourceLocation)
    let video = stream.videoFormat
    #expect(video?.codec == .h264 && video?.timescale == 90_000, sourceLocation: sourceLocation)
    #expect(video?.width == 320 && video?.height == 240, sourceLocation: sourceLocation)
    #expect(video?.codecString.hasPrefix("avc1.") == true, sourceLocation: sourceLocation)
    let audio = stream.audioFormat
    #expect(audio?.codec == .aac && audio?.sampleRate == 48_000 && audio?.samplesPerFrame == 1024, sourceLocation: sourceLocation)

    #expect(videoFrames.contains(stream.video.count), "\(stream.video.count) video packets", sourceLocation: sourceLocation)
    #expect(stream.videoDTSIsMonotonic, sourceLocation: sourceLocation)
    #expect(stream.video.first?.isKeyframe == true, sourceLocation: sourceLocation)
    #expect(stream.video.contains { $0.compositionOffset > 0 }, "no B-frame composition offsets", sourceLocation: sourceLocation)
    #expect(stream.video.allSatisfy { $0.dts.timescale == 90_000 && $0.data.readableBytes > 4 }, sourceLocation: sourceLocation)
    // One keyframe a second, 30 frames apart in decode time.
    let keyframes = stream.video.filter(\.isKeyframe).map(\.dts.ticks)
    #expect(keyframes.count >= stream.video.count / 30, sourceLocation: sourceLocation)
    #expect(zip(keyframes, keyframes.dropFirst()).allSatisfy { $1 - $0 == 90_000 }, "keyframe spacing \(keyframes)", sourceLocation: sourceLocation)

    #expect(stream.audio.count > videoFrames.lowerBound, "\(stream.audio.count) audio packets", sourceLocation: sourceLocation)
    #expect(stream.audioDTSIsMonotonic, sourceLocation: sourceLocation)
    #expect(stream.audio.allSatisfy { $0.dts.timescale == 48_000 && $0.duration == 1024 }, sourceLocation: sourceLocation)
}
