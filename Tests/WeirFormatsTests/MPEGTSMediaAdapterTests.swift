import NIOCore
import Testing
import WeirCore
import WeirFormats

@Suite struct MPEGTSMediaAdapterTests {
    typealias Support = MPEGTSTestSupport

    static func adapt(_ bytes: ByteBuffer) -> (outputs: [MPEGTSMediaAdapter.Output], adapter: MPEGTSMediaAdapter) {
        var adapter = MPEGTSMediaAdapter()
        let outputs = adapter.consume(Support.demux(bytes).events)
        return (outputs, adapter)
    }

    /// A packet on the PCR PID with only an adaptation field: PCR and discontinuity_indicator.
    static func discontinuityPacket(pid: UInt16, pcrBase: Int64) -> [UInt8] {
        var packet: [UInt8] = [0x47, UInt8(pid >> 8), UInt8(truncatingIfNeeded: pid), 0x20, 183, 0x90]
        let base = UInt64(pcrBase)
        packet += [
            UInt8(truncatingIfNeeded: base >> 25), UInt8(truncatingIfNeeded: base >> 17), UInt8(truncatingIfNeeded: base >> 9),
            UInt8(truncatingIfNeeded: base >> 1), UInt8(truncatingIfNeeded: (base & 1) << 7 | 0x7E), 0x00,
        ]
        return packet + [UInt8](repeating: 0xFF, count: 188 - packet.count)
    }

    static func expectIncreasing(_ samples: [MPEGTSMediaAdapter.Sample], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for (previous, next) in zip(samples, samples.dropFirst()) where next.dts.ticks <= previous.dts.ticks {
            Issue.record("decode time \(next.dts) follows \(previous.dts)", sourceLocation: sourceLocation)
            return
        }
    }

    @Test func producesFormatsAndSamplesOfTheMuxedStream() throws {
        let stream = MPEGTSSyntheticStream(frames: 90)
        let (outputs, adapter) = Self.adapt(stream.bytes)

        let videoFormats = Support.formats(outputs, kind: .video)
        try #require(videoFormats.count == 1)
        let video = videoFormats[0]
        #expect(video.codec == .h264)
        #expect(video.codecString == "avc1.64000d")
        #expect(video.width == 320 && video.height == 240)
        #expect(video.timescale == 90_000)
        #expect(video.frameRate == FrameRate(frames: 30, per: 1))
        #expect(video.configuration == MPEGTSSyntheticStream.avcC.bytes)
        let audioFormats = Support.formats(outputs, kind: .audio)
        #expect(audioFormats == [
            TrackFormat(
                kind: .audio, codec: .aac, timescale: 48_000, configuration: MPEGTSSyntheticStream.aac.bytes,
                codecString: "mp4a.40.2", sampleRate: 48_000, channelCount: 2, samplesPerFrame: 1024)
        ])
        // Each format comes before its first sample.
        let firstVideoFormat = try #require(outputs.firstIndex { if case .format(.video, _) = $0 { true } else { false } })
        let firstVideoSample = try #require(outputs.firstIndex { if case .packet(.video, _) = $0 { true } else { false } })
        #expect(firstVideoFormat < firstVideoSample)

        let samples = Support.samples(outputs, kind: .video)
        try #require(samples.count == stream.video.count)
        for (sample, frame) in zip(samples, stream.video) {
            // Parameter sets and delimiters go; the SEI and the slice stay, length-prefixed.
            #expect(sample.data == frame.sample)
            #expect(sample.isKeyframe == frame.isKeyframe)
            #expect(sample.dts == MediaTime(ticks: frame.dts, timescale: 90_000))
            #expect(sample.pts == MediaTime(ticks: frame.pts, timescale: 90_000))
            #expect(sample.duration == 0)
        }
        let audio = Support.samples(outputs, kind: .audio)
        let frames = stream.audio.flatMap(\.frames)
        try #require(audio.count == frames.count)
        #expect(audio.map(\.data) == frames)
        #expect(audio.first?.dts == MediaTime(ticks: 480_000, timescale: 48_000))
        for (index, sample) in audio.enumerated() {
            #expect(sample.dts.ticks == 480_000 + Int64(index) * 1024)
            #expect(sample.duration == 1024)
            #expect(sample.isKeyframe)
        }
        #expect(!outputs.contains(.discontinuity))
        #expect(adapter.counters.videoPackets == 90)
        #expect(adapter.counters.audioPackets == frames.count)
        #expect(adapter.counters.droppedBeforeFormat == 0)
        #expect(adapter.videoStream?.pid == 0x100)
        #expect(adapter.audioStream?.pid == 0x101)

        let packet = samples[0].packet(track: TrackID(3))
        #expect(packet.track == TrackID(3))
        #expect(packet.pts == samples[0].pts)
    }

    @Test func staysMonotonicAcrossThePTSWrap() throws {
        let start = MPEGTSTimestamp.modulus - 2 * 90_000
        let stream = MPEGTSSyntheticStream(frames: 150, start: start)
        let (events, _) = Support.demux(stream.bytes)
        // The wire times really wrap.
        let raw = Support.units(events, pid: 0x100).compactMap(\.dts)
        #expect(raw.first == start)
        #expect(raw.contains { $0 < 90_000 })

        var adapter = MPEGTSMediaAdapter()
        let outputs = adapter.consume(events)
        #expect(!outputs.contains(.discontinuity))
        let video = Support.samples(outputs, kind: .video)
        #expect(video.count == 150)
        #expect(video.first?.dts.ticks == start)
        for (index, sample) in video.enumerated() {
            #expect(sample.dts.ticks == start + Int64(index) * 3_000)
        }
        let audio = Support.samples(outputs, kind: .audio)
        for (previous, next) in zip(audio, audio.dropFirst()) {
            #expect(next.dts.ticks - previous.dts.ticks == 1024)
        }
    }

    @Test func startsTheTimelineLaterWhenTheFirstTimestampIsNearZero() {
        let stream = MPEGTSSyntheticStream(frames: 10, start: 0)
        let (outputs, _) = Self.adapt(stream.bytes)
        let video = Support.samples(outputs, kind: .video)
        #expect(video.first?.dts.ticks == 900_000)
        #expect(Support.samples(outputs, kind: .audio).first?.dts.ticks == 480_000)
    }

    @Test func rebasesAfterASignalledTimeBaseDiscontinuity() throws {
        let first = MPEGTSSyntheticStream(frames: 30, start: 20 * 90_000)
        var bytes = Array(first.bytes.readableBytesView)
        // The encoder's clock steps back six seconds, within the normaliser's jump threshold,
        // and says so on the PCR PID before any packet of the new time base.
        bytes += Self.discontinuityPacket(pid: 0x100, pcrBase: 14 * 90_000)
        let second = MPEGTSSyntheticStream(frames: 30, start: 14 * 90_000, seed: 2, muxer: first.muxer)
        bytes += Array(second.bytes.readableBytesView)
        let (events, demuxer) = Support.demux(bytes)
        #expect(demuxer.counters.discontinuities == 1)
        #expect(demuxer.counters.ccErrors == 0)
        var adapter = MPEGTSMediaAdapter()
        let outputs = adapter.consume(events)
        #expect(outputs.filter { $0 == .discontinuity }.count == 1)
        #expect(adapter.counters.discontinuities == 1)
        let video = Support.samples(outputs, kind: .video)
        #expect(video.count == 60)
        Self.expectIncreasing(video)
        Self.expectIncreasing(Support.samples(outputs, kind: .audio))
        // The second part keeps its own spacing.
        #expect(video[31].dts.ticks - video[30].dts.ticks == 3_000)
        #expect(video[30].dts.ticks > video[29].dts.ticks)
        #expect(video[30].dts.ticks - video[29].dts.ticks < 90_000)
    }

    @Test func rebasesAnUnsignalledJump() {
        let first = MPEGTSSyntheticStream(frames: 30, start: 20 * 90_000)
        let second = MPEGTSSyntheticStream(frames: 30, start: 3_600 * 90_000, seed: 2, muxer: first.muxer)
        var bytes = first.bytes
        bytes.writeImmutableBuffer(second.bytes)
        let (outputs, _) = Self.adapt(bytes)
        #expect(outputs.filter { $0 == .discontinuity }.count == 1)
        let video = Support.samples(outputs, kind: .video)
        #expect(video.count == 60)
        Self.expectIncreasing(video)
        #expect(video[30].dts.ticks - video[29].dts.ticks < 90_000)
        Self.expectIncreasing(Support.samples(outputs, kind: .audio))
    }

    @Test func waitsForAKeyframeAfterLostData() throws {
        let stream = MPEGTSSyntheticStream(frames: 60)
        var packets = stream.packets
        // Drop the packet after the start of frame 5's PES: its PES is cut.
        let starts = packets.indices.filter { packets[$0][1] == 0x41 && packets[$0][2] == 0x00 }
        try #require(starts.count == 60)
        let next = try #require(packets.indices.first { $0 > starts[5] && packets[$0][1] == 0x01 && packets[$0][2] == 0x00 })
        packets.remove(at: next)
        let (outputs, adapter) = Self.adapt(ByteBuffer(bytes: packets.flatMap { $0 }))
        let video = Support.samples(outputs, kind: .video)
        #expect(video.count == 5 + 30)
        #expect(adapter.counters.droppedUntilKeyframe == 24)
        #expect(video[5].isKeyframe)
        #expect(video[5].dts.ticks == stream.video[30].dts)
    }

    @Test func announcesChangedParameterSetsAsANewFormat() throws {
        var muxer = MPEGTSMuxer()
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        let hd = try AVCDecoderConfigurationRecord(
            sequenceParameterSets: [fixtureBytes(SPSFixtures.high720p)], pictureParameterSets: [fixtureBytes("68ebe3cb22c0")])
        var random = FixtureRandom(seed: 4)
        for index in 0..<8 {
            let configuration = index < 4 ? MPEGTSSyntheticStream.avcC : hd
            let sample = MPEGTSSyntheticStream.videoSample(isKeyframe: index % 4 == 0, size: 100, random: &random)
            let time = 900_000 + Int64(index) * 3_000
            try muxer.writeH264(
                sample: sample, configuration: configuration, pts: time, dts: time, isKeyframe: index % 4 == 0, into: &bytes)
        }
        let (outputs, _) = Self.adapt(bytes)
        let formats = Support.formats(outputs, kind: .video)
        #expect(formats.map(\.width) == [320, 1280])
        #expect(formats.map(\.codecString) == ["avc1.64000d", "avc1.64001f"])
        // The new format comes right before the keyframe that brought it.
        let index = try #require(outputs.firstIndex(of: .format(.video, formats[1])))
        guard case .packet(.video, let sample) = outputs[index + 1] else {
            Issue.record("no sample after the new format")
            return
        }
        #expect(sample.isKeyframe)
        #expect(sample.dts.ticks == 912_000)
    }

    @Test func dropsVideoBeforeItsParameterSets() throws {
        var muxer = MPEGTSMuxer()
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        // A P-frame, a bare IDR without parameter sets, then a proper keyframe.
        muxer.writePES(
            pid: 0x100, streamID: 0xE0, payload: ByteBuffer(bytes: [0, 0, 1, 0x41, 7, 7]), pts: 900_000, into: &bytes)
        muxer.writePES(
            pid: 0x100, streamID: 0xE0, payload: ByteBuffer(bytes: [0, 0, 1, 0x65, 7, 7]), pts: 903_000, into: &bytes)
        var random = FixtureRandom(seed: 4)
        let sample = MPEGTSSyntheticStream.videoSample(isKeyframe: true, size: 100, random: &random)
        try muxer.writeH264(
            sample: sample, configuration: MPEGTSSyntheticStream.avcC, pts: 906_000, dts: 906_000, isKeyframe: true,
            into: &bytes)
        let (outputs, adapter) = Self.adapt(bytes)
        #expect(Support.samples(outputs, kind: .video).map(\.data) == [sample])
        #expect(adapter.counters.droppedBeforeFormat == 2)
    }

    @Test func dropsPicturesWithoutATime() throws {
        let stream = MPEGTSSyntheticStream(frames: 3)
        var muxer = stream.muxer
        var bytes = stream.bytes
        let delimited = ByteBuffer(bytes: [0, 0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x41, 0x55])
        muxer.writePES(pid: 0x100, streamID: 0xE0, payload: delimited, pts: nil, unbounded: true, into: &bytes)
        let (outputs, adapter) = Self.adapt(bytes)
        #expect(Support.samples(outputs, kind: .video).count == 3)
        #expect(adapter.counters.droppedUntimed == 1)
    }

    @Test func timesADTSFramesThatStraddlePESPackets() throws {
        var muxer = MPEGTSMuxer(video: nil)
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        var adts = ByteBuffer()
        let frames = (0..<3).map { ByteBuffer(repeating: UInt8(0x30 + $0), count: 100 + $0) }
        for frame in frames {
            ADTSHeader(profile: 1, samplingFrequencyIndex: 3, channelConfiguration: 2, payloadLength: frame.readableBytes)
                .write(to: &adts)
            adts.writeImmutableBuffer(frame)
        }
        // PES 1: frame 0, half of frame 1, then garbage is impossible here; PES 2: the rest and frame 2.
        let cut = 107 + 50
        let first = try #require(adts.getSlice(at: 0, length: cut))
        var secondPart = ByteBuffer(bytes: [])
        secondPart.writeImmutableBuffer(try #require(adts.getSlice(at: cut, length: adts.readableBytes - cut)))
        muxer.writePES(pid: 0x101, streamID: 0xC0, payload: first, pts: 900_000, into: &bytes)
        // The second PES is stamped with the time of frame 2, the first frame starting in it.
        muxer.writePES(pid: 0x101, streamID: 0xC0, payload: secondPart, pts: 900_000 + 2 * 1_920, into: &bytes)
        // A third PES without a PTS and garbage before its frame.
        var third = ByteBuffer(bytes: [0x00, 0x12, 0xFF, 0x00])
        ADTSHeader(profile: 1, samplingFrequencyIndex: 3, channelConfiguration: 2, payloadLength: 10).write(to: &third)
        third.writeRepeatingByte(0x44, count: 10)
        muxer.writePES(pid: 0x101, streamID: 0xC0, payload: third, pts: nil, into: &bytes)
        let (outputs, adapter) = Self.adapt(bytes)
        let audio = Support.samples(outputs, kind: .audio)
        #expect(audio.map(\.data) == frames + [ByteBuffer(repeating: 0x44, count: 10)])
        #expect(audio.map(\.dts.ticks) == [480_000, 481_024, 482_048, 483_072])
        #expect(adapter.counters.skippedAudioBytes == 4)
    }

    @Test func stripsTheADTSCRC() throws {
        var muxer = MPEGTSMuxer(video: nil)
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        // protection_absent 0: a 16-bit CRC follows the seven header bytes.
        var header = ByteBuffer()
        ADTSHeader(profile: 1, samplingFrequencyIndex: 4, channelConfiguration: 1, payloadLength: 2 + 20).write(to: &header)
        var bytesOfHeader = Array(header.readableBytesView)
        bytesOfHeader[1] &= 0xFE
        var payload = ByteBuffer(bytes: bytesOfHeader + [0xAB, 0xCD])
        payload.writeRepeatingByte(0x55, count: 20)
        muxer.writePES(pid: 0x101, streamID: 0xC0, payload: payload, pts: 900_000, into: &bytes)
        let (outputs, _) = Self.adapt(bytes)
        #expect(Support.formats(outputs, kind: .audio).map(\.sampleRate) == [44_100])
        #expect(Support.formats(outputs, kind: .audio).map(\.channelCount) == [1])
        #expect(Support.samples(outputs, kind: .audio).map(\.data) == [ByteBuffer(repeating: 0x55, count: 20)])
    }

    @Test func usesTheFirstStreamOfEachKind() throws {
        var muxer = MPEGTSMuxer(programs: [
            .init(number: 1, pmtPID: 0x1000, pcrPID: 0x101, streams: [
                .init(pid: 0x101, streamType: .aacADTS), .init(pid: 0x102, streamType: .aacADTS),
            ])
        ])
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        for pid in [UInt16(0x101), 0x102] {
            try muxer.writeAAC(
                pid: pid, frames: [ByteBuffer(bytes: [1, 2, 3])], configuration: MPEGTSSyntheticStream.aac, pts: 900_000,
                into: &bytes)
        }
        let (outputs, adapter) = Self.adapt(bytes)
        #expect(adapter.audioStream?.pid == 0x101)
        #expect(adapter.videoStream == nil)
        #expect(Support.samples(outputs, kind: .audio).count == 1)
        #expect(adapter.counters.ignoredUnits == 1)
    }
}
