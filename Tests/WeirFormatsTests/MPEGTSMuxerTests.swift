import NIOCore
import Testing
import WeirCore
import WeirFormats

/// A synthetic program written with ``MPEGTSMuxer``: 30 fps H.264 with reordered
/// presentation times and 48 kHz AAC, three frames per audio PES, interleaved by time.
struct MPEGTSSyntheticStream {
    struct VideoFrame {
        var pts: Int64
        var dts: Int64
        var isKeyframe: Bool
        /// Length-prefixed NAL units, as the adapter must hand them back.
        var sample: ByteBuffer
    }

    struct AudioPES {
        var pts: Int64
        var frames: [ByteBuffer]
    }

    static let avcC: AVCDecoderConfigurationRecord = {
        try! AVCDecoderConfigurationRecord(parsing: fixtureBytes(AVCDecoderConfigurationRecordTests.ffmpegAVCC))
    }()
    static let aac: AudioSpecificConfig = {
        try! AudioSpecificConfig(objectType: 2, sampleRate: 48_000, channels: 2)
    }()
    static let frameTicks: Int64 = 3_000
    /// 1024 samples at 48 kHz, in 90 kHz ticks.
    static let audioFrameTicks: Int64 = 1_920

    var video: [VideoFrame] = []
    var audio: [AudioPES] = []
    var bytes = ByteBuffer()
    /// The muxer after writing, to continue the stream with matching continuity counters.
    var muxer: MPEGTSMuxer

    /// Builds the stream.
    ///
    /// - Parameters:
    ///   - frames: Video frames; a keyframe every `gop`.
    ///   - start: The first decode time, in 90 kHz ticks (wrapped to 33 bits on the wire).
    ///   - seed: Seeds the payload bytes.
    ///   - muxer: The muxer, so callers can choose PIDs and programs.
    init(frames: Int, gop: Int = 30, start: Int64 = 900_000, seed: UInt64 = 1, muxer: MPEGTSMuxer = MPEGTSMuxer()) {
        var random = FixtureRandom(seed: seed)
        var muxer = muxer
        muxer.writeTables(into: &bytes)
        var audioTime = start
        for index in 0..<frames {
            let dts = start + Int64(index) * Self.frameTicks
            // Pictures shown one to three frames after decoding, as with B-frames.
            let pts = dts + Self.frameTicks * Int64(1 + index % 3)
            let isKeyframe = index % gop == 0
            let sample = Self.videoSample(isKeyframe: isKeyframe, size: 200 + Int(random.next() % 3_000), random: &random)
            if isKeyframe, index > 0 { muxer.writeTables(into: &bytes) }
            while audioTime <= dts {
                let frames = (0..<3).map { _ in Self.randomBytes(50 + Int(random.next() % 400), random: &random) }
                try? muxer.writeAAC(frames: frames, configuration: Self.aac, pts: audioTime, into: &bytes)
                audio.append(AudioPES(pts: audioTime, frames: frames))
                audioTime += 3 * Self.audioFrameTicks
            }
            try? muxer.writeH264(
                sample: sample, configuration: Self.avcC, pts: pts, dts: dts, isKeyframe: isKeyframe, into: &bytes)
            video.append(VideoFrame(pts: pts, dts: dts, isKeyframe: isKeyframe, sample: sample))
        }
        self.muxer = muxer
    }

    /// An SEI and one slice NAL unit, length-prefixed; payload bytes are never zero, so no
    /// start code can appear inside.
    static func videoSample(isKeyframe: Bool, size: Int, random: inout FixtureRandom) -> ByteBuffer {
        var sample = ByteBuffer()
        let sei = [UInt8(0x06)] + randomBytes(12, random: &random).readableBytesView
        sample.writeInteger(UInt32(sei.count))
        sample.writeBytes(sei)
        let slice = [UInt8(isKeyframe ? 0x65 : 0x41)] + randomBytes(size, random: &random).readableBytesView
        sample.writeInteger(UInt32(slice.count))
        sample.writeBytes(slice)
        return sample
    }

    static func randomBytes(_ count: Int, random: inout FixtureRandom) -> ByteBuffer {
        ByteBuffer(bytes: (0..<count).map { _ in UInt8(1 + random.next() % 255) })
    }

    /// The packets of `bytes`, 188 bytes each.
    var packets: [[UInt8]] {
        let all = Array(bytes.readableBytesView)
        return stride(from: 0, to: all.count, by: 188).map { Array(all[$0..<min($0 + 188, all.count)]) }
    }
}

/// Helpers shared by the MPEG-TS suites.
enum MPEGTSTestSupport {
    static func demux(_ bytes: ByteBuffer, configuration: MPEGTSDemuxer.Configuration = .init())
        -> (events: [MPEGTSDemuxer.Event], demuxer: MPEGTSDemuxer)
    {
        var demuxer = MPEGTSDemuxer(configuration: configuration)
        let events = demuxer.feed(bytes) + demuxer.flush()
        return (events, demuxer)
    }

    static func demux(_ bytes: [UInt8]) -> (events: [MPEGTSDemuxer.Event], demuxer: MPEGTSDemuxer) {
        demux(ByteBuffer(bytes: bytes))
    }

    static func units(_ events: [MPEGTSDemuxer.Event], pid: UInt16? = nil) -> [MPEGTSAccessUnit] {
        events.compactMap { event in
            guard case .accessUnit(let unit) = event, pid == nil || unit.pid == pid else { return nil }
            return unit
        }
    }

    static func programs(_ events: [MPEGTSDemuxer.Event]) -> [[MPEGTSElementaryStream]] {
        events.compactMap { event in
            guard case .program(let streams) = event else { return nil }
            return streams
        }
    }

    static func samples(_ outputs: [MPEGTSMediaAdapter.Output], kind: MediaKind) -> [MPEGTSMediaAdapter.Sample] {
        outputs.compactMap { output in
            guard case .packet(kind, let sample) = output else { return nil }
            return sample
        }
    }

    static func formats(_ outputs: [MPEGTSMediaAdapter.Output], kind: MediaKind) -> [TrackFormat] {
        outputs.compactMap { output in
            guard case .format(kind, let format) = output else { return nil }
            return format
        }
    }

    /// Feeds `bytes` in chunks of the given sizes, cycling through them.
    static func chunked(_ bytes: [UInt8], sizes: [Int]) -> [MPEGTSDemuxer.Event] {
        var demuxer = MPEGTSDemuxer()
        var events: [MPEGTSDemuxer.Event] = []
        var offset = 0
        var turn = 0
        while offset < bytes.count {
            let size = max(1, sizes[turn % sizes.count])
            let end = min(offset + size, bytes.count)
            events += demuxer.feed(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
            turn += 1
        }
        return events + demuxer.flush()
    }
}

@Suite struct MPEGTSMuxerTests {
    @Test func writesWholePacketsWithContinuityCounters() {
        let stream = MPEGTSSyntheticStream(frames: 10)
        #expect(stream.bytes.readableBytes % 188 == 0)
        var counters: [UInt16: UInt8] = [:]
        for packet in stream.packets {
            #expect(packet[0] == 0x47)
            let pid = UInt16(packet[1] & 0x1F) << 8 | UInt16(packet[2])
            let counter = packet[3] & 0x0F
            if let last = counters[pid] {
                #expect(counter == (last + 1) & 0x0F, "PID \(pid)")
            }
            counters[pid] = counter
        }
        #expect(Set(counters.keys) == [0x0000, 0x1000, 0x0100, 0x0101])
    }

    @Test func writesPCROnTheVideoPIDAndStuffsTheLastPacket() {
        let stream = MPEGTSSyntheticStream(frames: 3)
        let videoStarts = stream.packets.filter { $0[1] & 0x40 != 0 && (UInt16($0[1] & 0x1F) << 8 | UInt16($0[2])) == 0x100 }
        #expect(videoStarts.count == 3)
        for (packet, frame) in zip(videoStarts, stream.video) {
            #expect(packet[3] & 0x20 != 0)  // adaptation field
            #expect(packet[5] & 0x10 != 0)  // PCR flag
            let base = Int64(packet[6]) << 25 | Int64(packet[7]) << 17 | Int64(packet[8]) << 9 | Int64(packet[9]) << 1
                | Int64(packet[10] >> 7)
            #expect(base == frame.dts)
            #expect(packet[5] & 0x40 != 0 || !frame.isKeyframe)
        }
        // No audio packet carries a PCR.
        let audio = stream.packets.filter { (UInt16($0[1] & 0x1F) << 8 | UInt16($0[2])) == 0x101 }
        #expect(audio.allSatisfy { $0[3] & 0x20 == 0 || $0[4] == 0 || $0[5] & 0x10 == 0 })
    }

    @Test func writesTablesThatCheck() {
        var muxer = MPEGTSMuxer()
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        let packets = Array(bytes.readableBytesView)
        #expect(packets.count == 2 * 188)
        // PAT: pointer 0, table 0, program 1 on PID 0x1000.
        #expect(Array(packets[4..<6]) == [0x00, 0x00])
        #expect(Array(packets[13..<17]) == [0x00, 0x01, 0xF0, 0x00])
        // The PMT lists H.264 on 0x100 and AAC on 0x101 with the PCR on 0x100.
        let pmt = Array(packets[188...])
        #expect(pmt[5] == 0x02)
        #expect(Array(pmt[13..<15]) == [0xE1, 0x00])
        #expect(Array(pmt[17..<20]) == [0x1B, 0xE1, 0x00])
        #expect(Array(pmt[22..<25]) == [0x0F, 0xE1, 0x01])
        let (events, demuxer) = MPEGTSTestSupport.demux(bytes)
        #expect(MPEGTSTestSupport.programs(events) == [[
            MPEGTSElementaryStream(pid: 0x100, streamType: .h264), MPEGTSElementaryStream(pid: 0x101, streamType: .aacADTS),
        ]])
        #expect(demuxer.counters.crcErrors == 0)
        #expect(demuxer.programNumber == 1)
    }

    @Test func refusesAudioConfigurationsADTSCannotCarry() throws {
        var muxer = MPEGTSMuxer()
        var bytes = ByteBuffer()
        let heAAC = try AudioSpecificConfig(parsing: [0x2B, 0x92, 0x08, 0x00])  // object type 5
        #expect(throws: CodecError.self) {
            try muxer.writeAAC(frames: [ByteBuffer(bytes: [1, 2, 3])], configuration: heAAC, pts: 0, into: &bytes)
        }
        #expect(bytes.readableBytes == 0)
    }
}
