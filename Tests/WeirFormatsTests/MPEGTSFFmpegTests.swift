import Foundation
import NIOCore
import Testing
import WeirCore
import WeirFormats

/// Demuxes transport streams written by ffmpeg and checks what comes out of the adapter; remuxes
/// one with ``MPEGTSMuxer`` and has ffmpeg decode the result.
@Suite(.enabled(if: FFmpegTools.available, "ffmpeg and ffprobe are not on PATH; skipping real-file checks"))
struct MPEGTSFFmpegTests {
    typealias Support = MPEGTSTestSupport

    /// Two seconds of 320x240 at 30 fps and a sine, written by ffmpeg as MPEG-TS.
    static func makeTS(video: [String], audio: [String] = ["-c:a", "aac"], maps: [String] = []) throws -> [UInt8] {
        let directory = try FFmpegTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("x.ts")
        try FFmpegTools.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine",
        ] + maps + ["-t", "2"] + video + ["-g", "30"] + audio + ["-f", "mpegts", file.path])
        return Array(try Data(contentsOf: file))
    }

    /// Feeds the file in 1316-byte chunks, as UDP carries it, and adapts the events.
    static func adapt(_ bytes: [UInt8]) -> (outputs: [MPEGTSMediaAdapter.Output], demuxer: MPEGTSDemuxer, adapter: MPEGTSMediaAdapter) {
        var demuxer = MPEGTSDemuxer()
        var adapter = MPEGTSMediaAdapter()
        var outputs: [MPEGTSMediaAdapter.Output] = []
        for start in stride(from: 0, to: bytes.count, by: 1316) {
            outputs += adapter.consume(demuxer.feed(ByteBuffer(bytes: bytes[start..<min(start + 1316, bytes.count)])))
        }
        outputs += adapter.consume(demuxer.flush())
        return (outputs, demuxer, adapter)
    }

    static func checkAudio(_ outputs: [MPEGTSMediaAdapter.Output], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let formats = Support.formats(outputs, kind: .audio)
        let format = try #require(formats.first, sourceLocation: sourceLocation)
        #expect(formats.count == 1, sourceLocation: sourceLocation)
        #expect(format.codec == .aac, sourceLocation: sourceLocation)
        #expect(format.codecString == "mp4a.40.2", sourceLocation: sourceLocation)
        #expect([44_100, 48_000].contains(format.sampleRate), sourceLocation: sourceLocation)
        #expect(format.timescale == Int32(format.sampleRate), sourceLocation: sourceLocation)
        #expect(format.samplesPerFrame == 1024, sourceLocation: sourceLocation)
        let audio = Support.samples(outputs, kind: .audio)
        // Two seconds of sound, counted in whole 1024-sample frames.
        let expected = 2 * format.sampleRate / 1024
        #expect(abs(audio.count - expected) <= 3, "\(audio.count) frames", sourceLocation: sourceLocation)
        #expect(audio.allSatisfy { $0.duration == 1024 && $0.dts.timescale == format.timescale }, sourceLocation: sourceLocation)
        for (previous, next) in zip(audio, audio.dropFirst()) where next.dts.ticks - previous.dts.ticks != 1024 {
            Issue.record("audio frame at \(next.dts) follows \(previous.dts)", sourceLocation: sourceLocation)
            break
        }
    }

    static func checkVideo(
        _ outputs: [MPEGTSMediaAdapter.Output], codec: Codec, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> [MPEGTSMediaAdapter.Sample] {
        let formats = Support.formats(outputs, kind: .video)
        let format = try #require(formats.first, sourceLocation: sourceLocation)
        #expect(formats.count == 1, sourceLocation: sourceLocation)
        #expect(format.codec == codec, sourceLocation: sourceLocation)
        #expect(format.width == 320 && format.height == 240, sourceLocation: sourceLocation)
        let video = Support.samples(outputs, kind: .video)
        #expect(video.count == 60, sourceLocation: sourceLocation)
        // A keyframe every 30 pictures; with open GOPs (x265) the pictures shown before a CRA
        // are decoded after it, so count in presentation time.
        let keyframes = video.filter(\.isKeyframe).map(\.pts.ticks)
        #expect(video.first?.isKeyframe == true, sourceLocation: sourceLocation)
        #expect(keyframes.map { $0 - (keyframes.first ?? 0) } == [0, 30 * 3_000], sourceLocation: sourceLocation)
        for (previous, next) in zip(video, video.dropFirst()) where next.dts <= previous.dts {
            Issue.record("video frame at \(next.dts) follows \(previous.dts)", sourceLocation: sourceLocation)
            break
        }
        // Presentation times are the 30 fps grid.
        let times = video.map(\.pts.ticks).sorted()
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 == 3_000 }, sourceLocation: sourceLocation)
        // Every sample is length-prefixed NAL units without parameter sets or delimiters.
        for sample in video {
            let units = try NALUnit.lengthPrefixedUnits(in: sample.data, lengthSize: 4)
            let types = units.compactMap { $0.getInteger(at: $0.readerIndex, as: UInt8.self) }
                .map { codec == .h265 ? ($0 >> 1) & 0x3F : $0 & 0x1F }
            let outOfBand: Set<UInt8> = codec == .h265 ? [32, 33, 34, 35] : [7, 8, 9]
            #expect(!types.isEmpty && types.allSatisfy { !outOfBand.contains($0) }, sourceLocation: sourceLocation)
        }
        return video
    }

    @Test func adaptsAnH264AndAACStream() throws {
        let bytes = try Self.makeTS(video: ["-c:v", "libx264"])
        let (outputs, demuxer, adapter) = Self.adapt(bytes)
        let video = try Self.checkVideo(outputs, codec: .h264)
        let format = try #require(Support.formats(outputs, kind: .video).first)
        #expect(format.codecString.hasPrefix("avc1.64"))
        #expect(format.frameRate == FrameRate(frames: 30, per: 1))
        #expect(video.contains { $0.compositionOffset > 0 })  // B-frames
        try Self.checkAudio(outputs)
        #expect(!outputs.contains(.discontinuity))
        #expect(demuxer.counters.ccErrors == 0)
        #expect(demuxer.counters.crcErrors == 0)
        #expect(demuxer.counters.droppedPES == 0)
        #expect(demuxer.counters.resyncs == 0)
        #expect(demuxer.counters.packets * 188 == bytes.count)
        #expect(adapter.counters.droppedBeforeFormat == 0)
        #expect(adapter.counters.droppedMalformed == 0)
        // Any chunking gives the same result.
        var random = FixtureRandom(seed: 21)
        let sizes = (0..<64).map { _ in 1 + Int(random.next() % 5_000) }
        #expect(Support.chunked(bytes, sizes: sizes) == Support.demux(bytes).events)
    }

    @Test func adaptsAnH265Stream() throws {
        let bytes = try Self.makeTS(video: ["-c:v", "libx265", "-x265-params", "log-level=error"])
        let (outputs, demuxer, _) = Self.adapt(bytes)
        #expect(demuxer.streams.first?.streamType == .h265)
        _ = try Self.checkVideo(outputs, codec: .h265)
        let format = try #require(Support.formats(outputs, kind: .video).first)
        #expect(format.codecString.hasPrefix("hvc1.1."))
        let record = try HEVCDecoderConfigurationRecord(parsing: format.configuration)
        #expect(record.videoParameterSets.count == 1)
        #expect(record.sequenceParameterSets.count == 1)
        #expect(record.pictureParameterSets.count == 1)
        try Self.checkAudio(outputs)
    }

    @Test func skipsAndCountsAnMP2Stream() throws {
        let bytes = try Self.makeTS(
            video: ["-c:v", "libx264"], audio: ["-c:a", "aac", "-c:a:1", "mp2"], maps: ["-map", "0", "-map", "1", "-map", "1"])
        let (outputs, demuxer, adapter) = Self.adapt(bytes)
        #expect(demuxer.streams.map(\.codec) == [.h264, .aac, nil])
        let mp2 = (demuxer.counters.skippedPackets[.mpeg1Audio] ?? 0) + (demuxer.counters.skippedPackets[.mpeg2Audio] ?? 0)
        #expect(mp2 > 20)
        #expect(demuxer.counters.totalSkippedPackets == mp2)
        _ = try Self.checkVideo(outputs, codec: .h264)
        try Self.checkAudio(outputs)
        #expect(adapter.audioStream?.streamType == .aacADTS)
    }

    @Test func remuxedStreamDecodes() throws {
        let (outputs, _, _) = Self.adapt(try Self.makeTS(video: ["-c:v", "libx264"]))
        let videoFormat = try #require(Support.formats(outputs, kind: .video).first)
        let audioFormat = try #require(Support.formats(outputs, kind: .audio).first)
        let avcC = try AVCDecoderConfigurationRecord(parsing: videoFormat.configuration)
        let aac = try AudioSpecificConfig(parsing: audioFormat.configuration)
        var muxer = MPEGTSMuxer()
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        for output in outputs {
            switch output {
            case .packet(.video, let sample):
                if sample.isKeyframe { muxer.writeTables(into: &bytes) }
                try muxer.writeH264(
                    sample: sample.data, configuration: avcC, pts: sample.pts.ticks, dts: sample.dts.ticks,
                    isKeyframe: sample.isKeyframe, into: &bytes)
            case .packet(.audio, let sample):
                let time = MediaTime.rescale(sample.dts.ticks, from: sample.dts.timescale, to: 90_000)
                try muxer.writeAAC(frames: [sample.data], configuration: aac, pts: time, into: &bytes)
            default:
                break
            }
        }
        let directory = try FFmpegTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("remuxed.ts")
        try Data(bytes.readableBytesView).write(to: file)
        let probe = try FFmpegTools.run("ffprobe", [
            "-v", "error", "-count_frames", "-show_entries", "stream=codec_name,nb_read_frames,width,sample_rate",
            "-of", "csv=p=0", file.path,
        ])
        #expect(probe.errors == "")
        let lines = probe.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "h264,320,60")
        #expect(lines.last?.hasPrefix("aac,") == true)
        let decode = try FFmpegTools.run("ffmpeg", ["-v", "error", "-i", file.path, "-f", "null", "-"])
        #expect(decode.errors == "")
    }
}
