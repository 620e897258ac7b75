import NIOCore
import Testing
import WeirCore
import WeirFormats

@Suite struct MPEGTSDemuxerTests {
    typealias Support = MPEGTSTestSupport

    /// The NAL units the muxer writes for `frame`: AUD, SPS and PPS before keyframes, the sample's units.
    static func expectedUnits(_ frame: MPEGTSSyntheticStream.VideoFrame) throws -> [[UInt8]] {
        let avcC = MPEGTSSyntheticStream.avcC
        var units: [[UInt8]] = [[0x09, 0xF0]]
        if frame.isKeyframe { units += avcC.sequenceParameterSets + avcC.pictureParameterSets }
        units += try NALUnit.lengthPrefixedUnits(in: frame.sample, lengthSize: 4).map { Array($0.readableBytesView) }
        return units
    }

    /// The ADTS frames the muxer writes for `pes`.
    static func expectedADTS(_ pes: MPEGTSSyntheticStream.AudioPES) -> ByteBuffer {
        var bytes = ByteBuffer()
        for frame in pes.frames {
            ADTSHeader(profile: 1, samplingFrequencyIndex: 3, channelConfiguration: 2, payloadLength: frame.readableBytes)
                .write(to: &bytes)
            bytes.writeImmutableBuffer(frame)
        }
        return bytes
    }

    @Test func returnsTheMuxedTimestampsAndDataExactly() throws {
        let stream = MPEGTSSyntheticStream(frames: 90)
        let (events, demuxer) = Support.demux(stream.bytes)
        guard case .program(let streams) = events.first else {
            Issue.record("the first event is not the program")
            return
        }
        #expect(streams.map(\.codec) == [.h264, .aac])
        #expect(Support.programs(events).count == 1)

        let video = Support.units(events, pid: 0x100)
        try #require(video.count == stream.video.count)
        for (unit, frame) in zip(video, stream.video) {
            #expect(unit.pts == frame.pts)
            #expect(unit.dts == frame.dts)
            #expect(unit.codec == .h264)
            #expect(unit.randomAccess == frame.isKeyframe)
            #expect(!unit.followsLoss)
            #expect(NALUnit.annexBUnits(in: unit.data).map { Array($0.readableBytesView) } == (try Self.expectedUnits(frame)))
        }
        let audio = Support.units(events, pid: 0x101)
        try #require(audio.count == stream.audio.count)
        for (unit, pes) in zip(audio, stream.audio) {
            #expect(unit.pts == pes.pts)
            #expect(unit.dts == pes.pts)
            #expect(unit.data == Self.expectedADTS(pes))
        }
        let counters = demuxer.counters
        #expect(counters.packets * 188 == stream.bytes.readableBytes)
        #expect(counters.bytes == stream.bytes.readableBytes)
        #expect(counters.ccErrors == 0)
        #expect(counters.crcErrors == 0)
        #expect(counters.resyncs == 0)
        #expect(counters.droppedPES == 0)
        #expect(counters.totalSkippedPackets == 0)
        #expect(demuxer.pcr == stream.video.last.map { $0.dts * 300 })
    }

    @Test(arguments: [[1], [7], [188], [1316], [7 * 188 + 5, 3, 1000, 187, 189, 1, 64_000]])
    func chunkingDoesNotChangeTheEvents(sizes: [Int]) {
        let stream = MPEGTSSyntheticStream(frames: 40, seed: 7)
        let bytes = Array(stream.bytes.readableBytesView)
        let whole = Support.demux(bytes).events
        #expect(Support.units(whole).count > 40)
        #expect(Support.chunked(bytes, sizes: sizes) == whole)
    }

    @Test func randomChunkingDoesNotChangeTheEvents() {
        let stream = MPEGTSSyntheticStream(frames: 40, seed: 8)
        let bytes = Array(stream.bytes.readableBytesView)
        let whole = Support.demux(bytes).events
        var random = FixtureRandom(seed: 99)
        let sizes = (0..<500).map { _ in 1 + Int(random.next() % 2_000) }
        #expect(Support.chunked(bytes, sizes: sizes) == whole)
    }

    @Test func resynchronisesAfterGarbageBeforeAndBetweenPackets() throws {
        let stream = MPEGTSSyntheticStream(frames: 30)
        let packets = stream.packets
        var random = FixtureRandom(seed: 3)
        // Garbage without sync bytes, so exactly the inserted bytes are discarded.
        func garbage(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(random.next() % 0x47) } }
        var bytes = garbage(1_000)
        for (index, packet) in packets.enumerated() {
            if index == packets.count / 2 { bytes += garbage(333) }
            bytes += packet
        }
        let (events, demuxer) = Support.demux(bytes)
        #expect(demuxer.counters.resyncs == 2)
        #expect(demuxer.counters.discardedBytes == 1_333)
        #expect(demuxer.counters.ccErrors == 0)
        #expect(Support.units(events, pid: 0x100).map(\.pts) == stream.video.map(\.pts))
        #expect(Support.units(events, pid: 0x101).count == stream.audio.count)
        // Stray sync bytes in the garbage do not lock: three in a row at packet spacing are needed.
        var tricky = [UInt8](repeating: 0x11, count: 600)
        tricky[10] = 0x47
        tricky[198] = 0x47
        tricky[400] = 0x47
        let second = Support.demux(tricky + Array(stream.bytes.readableBytesView))
        #expect(second.demuxer.counters.resyncs == 1)
        #expect(second.demuxer.counters.discardedBytes == 600)
        #expect(Support.units(second.events).count == Support.units(events).count)
    }

    @Test func aCutPacketCostsOnlyItsPES() throws {
        let stream = MPEGTSSyntheticStream(frames: 30)
        var packets = stream.packets
        // Cut a video packet in the middle of a PES: the stream resyncs on the next packet.
        let victim = try #require(packets.indices.first { index in
            index > 40 && packets[index][1] & 0x40 == 0 && packets[index][2] == 0x00 && packets[index][1] & 0x1F == 0x01
        })
        packets[victim] = Array(packets[victim].prefix(100))
        let (events, demuxer) = Support.demux(packets.flatMap { $0 })
        #expect(demuxer.counters.resyncs == 1)
        #expect(demuxer.counters.ccErrors == 1)
        #expect(demuxer.counters.droppedPES == 1)
        let video = Support.units(events, pid: 0x100)
        #expect(video.count == stream.video.count - 1)
        #expect(video.last?.pts == stream.video.last?.pts)
        #expect(video.contains { $0.followsLoss })
    }

    @Test func countsDroppedAndCorruptedPacketsAndCarriesOn() throws {
        let stream = MPEGTSSyntheticStream(frames: 120)
        var packets = stream.packets
        var random = FixtureRandom(seed: 11)
        var dropped = 0
        var index = 0
        var damaged: [[UInt8]] = []
        for var packet in packets {
            index += 1
            if index % 97 == 0 {
                dropped += 1
                continue
            }
            if index % 61 == 0 {
                // Flip bits anywhere but the sync byte.
                for _ in 0..<3 {
                    let position = 1 + Int(random.next() % 187)
                    packet[position] ^= UInt8(1 << (random.next() % 8))
                }
            }
            damaged.append(packet)
        }
        packets = damaged
        let (events, demuxer) = Support.demux(packets.flatMap { $0 })
        #expect(dropped > 0)
        #expect(demuxer.counters.ccErrors >= dropped / 2)
        #expect(demuxer.counters.droppedPES > 0)
        let video = Support.units(events, pid: 0x100)
        #expect(video.count > stream.video.count / 2)
        #expect(video.count < stream.video.count)
        // Frames at the end still come out.
        let lastTimes = Set(stream.video.suffix(5).map(\.pts))
        #expect(video.filter { lastTimes.contains($0.pts ?? -1) }.count >= 3)
    }

    @Test func ignoresDuplicatedPackets() {
        let stream = MPEGTSSyntheticStream(frames: 10)
        var bytes: [UInt8] = []
        for (index, packet) in stream.packets.enumerated() {
            bytes += packet
            if index % 5 == 2 { bytes += packet }
        }
        let (events, demuxer) = Support.demux(bytes)
        #expect(demuxer.counters.duplicatePackets > 0)
        #expect(demuxer.counters.ccErrors == 0)
        #expect(events == Support.demux(stream.bytes).events)
    }

    @Test func countsCRCErrorsAndKeepsTheLastGoodTables() {
        let stream = MPEGTSSyntheticStream(frames: 40)
        var packets = stream.packets
        // Corrupt the second PAT (written again before the second keyframe).
        let pats = packets.indices.filter { packets[$0][1] & 0x1F == 0 && packets[$0][2] == 0 }
        #expect(pats.count == 2)
        packets[pats[1]][10] ^= 0x01
        let (events, demuxer) = Support.demux(packets.flatMap { $0 })
        #expect(demuxer.counters.crcErrors == 1)
        #expect(Support.programs(events).count == 1)
        #expect(Support.units(events, pid: 0x100).count == 40)
    }

    @Test func announcesANewProgramMapVersion() throws {
        let stream = MPEGTSSyntheticStream(frames: 10)
        var muxer = stream.muxer
        var bytes = stream.bytes
        // The same program continues with its audio moved to another PID and an MP2 stream added.
        muxer.version = 1
        muxer.programs[0].streams = [
            MPEGTSElementaryStream(pid: 0x100, streamType: .h264), MPEGTSElementaryStream(pid: 0x102, streamType: .aacADTS),
            MPEGTSElementaryStream(pid: 0x103, streamType: .mpeg1Audio),
        ]
        muxer.writeTables(into: &bytes)
        let frame = ByteBuffer(bytes: [0x21, 0x10, 0x04, 0x60, 0x8C, 0x1C])
        try muxer.writeAAC(pid: 0x102, frames: [frame], configuration: MPEGTSSyntheticStream.aac, pts: 5_000_000, into: &bytes)
        muxer.writePES(pid: 0x103, streamID: 0xC1, payload: ByteBuffer(repeating: 0xAB, count: 500), pts: 5_000_000, into: &bytes)
        let (events, demuxer) = Support.demux(bytes)
        let programs = Support.programs(events)
        try #require(programs.count == 2)
        #expect(programs[1].map(\.pid) == [0x100, 0x102, 0x103])
        #expect(programs[1].map(\.codec) == [.h264, .aac, nil])
        #expect(demuxer.streams == programs[1])
        let moved = Support.units(events, pid: 0x102)
        #expect(moved.map(\.pts) == [5_000_000])
        #expect(demuxer.counters.skippedPackets[.mpeg1Audio] == 3)
        #expect(demuxer.counters.ccErrors == 0)
    }

    static func twoPrograms() -> MPEGTSMuxer {
        MPEGTSMuxer(programs: [
            .init(number: 10, pmtPID: 0x200, pcrPID: 0x201, streams: [.init(pid: 0x201, streamType: .aacADTS)]),
            .init(number: 20, pmtPID: 0x300, pcrPID: 0x301, streams: [
                .init(pid: 0x301, streamType: .h264), .init(pid: 0x302, streamType: .aacADTS),
            ]),
        ])
    }

    static func twoProgramStream() throws -> ByteBuffer {
        var muxer = twoPrograms()
        var bytes = ByteBuffer()
        var random = FixtureRandom(seed: 5)
        for index in 0..<6 {
            muxer.writeTables(into: &bytes)
            let time = Int64(index) * 3_000
            let sample = MPEGTSSyntheticStream.videoSample(isKeyframe: index == 0, size: 300, random: &random)
            let frame = [ByteBuffer(bytes: [1, 2, 3])]
            let aac = MPEGTSSyntheticStream.aac
            try muxer.writeAAC(pid: 0x201, frames: frame, configuration: aac, pts: time, into: &bytes)
            try muxer.writeH264(
                pid: 0x301, sample: sample, configuration: MPEGTSSyntheticStream.avcC, pts: time, dts: time,
                isKeyframe: index == 0, into: &bytes)
            try muxer.writeAAC(pid: 0x302, frames: frame, configuration: aac, pts: time, into: &bytes)
        }
        return bytes
    }

    @Test func selectsTheFirstProgramWithVideoByDefault() throws {
        let (events, demuxer) = Support.demux(try Self.twoProgramStream())
        #expect(demuxer.programNumber == 20)
        #expect(Support.programs(events).map { $0.map(\.pid) } == [[0x301, 0x302]])
        #expect(Set(Support.units(events).map(\.pid)) == [0x301, 0x302])
        #expect(Support.units(events, pid: 0x301).count == 6)
        #expect(demuxer.counters.otherPackets > 0)
    }

    @Test func selectsAConfiguredProgram() throws {
        let configuration = MPEGTSDemuxer.Configuration(programNumber: 10)
        let (events, demuxer) = Support.demux(try Self.twoProgramStream(), configuration: configuration)
        #expect(demuxer.programNumber == 10)
        #expect(Support.programs(events).map { $0.map(\.pid) } == [[0x201]])
        #expect(Support.units(events).map(\.pid) == Array(repeating: 0x201, count: 6))
        // A program that is not there selects nothing.
        let missing = Support.demux(try Self.twoProgramStream(), configuration: .init(programNumber: 99))
        #expect(missing.events.isEmpty)
        #expect(missing.demuxer.programNumber == nil)
    }

    @Test func endsUnboundedPESAtTheNextUnitStartOrAtFlush() throws {
        var muxer = MPEGTSMuxer()
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        let payloads = (0..<3).map { ByteBuffer(repeating: UInt8(0x10 + $0), count: 300 + 200 * $0) }
        for (index, payload) in payloads.enumerated() {
            muxer.writePES(pid: 0x101, streamID: 0xC0, payload: payload, pts: Int64(index) * 1_000, unbounded: true, into: &bytes)
        }
        var demuxer = MPEGTSDemuxer()
        let fed = Support.units(demuxer.feed(bytes))
        #expect(fed.map(\.data) == Array(payloads.prefix(2)))
        let flushed = Support.units(demuxer.flush())
        #expect(flushed.map(\.data) == [payloads[2]])
        #expect(flushed.map(\.pts) == [2_000])
        #expect(demuxer.flush().isEmpty)
    }

    @Test func joinsVideoPESWithoutTimestampsToThePicture() throws {
        var muxer = MPEGTSMuxer()
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        let head = ByteBuffer(bytes: [0, 0, 0, 1, 0x65] + [UInt8](repeating: 0x22, count: 400))
        let tail = ByteBuffer(repeating: 0x33, count: 700)
        muxer.writePES(pid: 0x100, streamID: 0xE0, payload: head, pts: 9_000, dts: 6_000, into: &bytes)
        muxer.writePES(pid: 0x100, streamID: 0xE0, payload: tail, pts: nil, into: &bytes)
        muxer.writePES(pid: 0x100, streamID: 0xE0, payload: head, pts: 12_000, into: &bytes)
        // A PES without a PTS that opens with an access unit delimiter is a picture of its own.
        let delimited = ByteBuffer(bytes: [0, 0, 0, 1, 0x09, 0xF0, 0, 0, 1, 0x41, 0x55])
        muxer.writePES(pid: 0x100, streamID: 0xE0, payload: delimited, pts: nil, into: &bytes)
        let (events, _) = Support.demux(bytes)
        let units = Support.units(events)
        try #require(units.count == 3)
        #expect(units[2].data == delimited)
        #expect(units[2].pts == nil && units[2].dts == nil)
        var joined = head
        joined.writeImmutableBuffer(tail)
        #expect(units[0].data == joined)
        #expect(units[0].pts == 9_000)
        #expect(units[0].dts == 6_000)
        #expect(units[1].dts == 12_000)
    }

    @Test func dropsPESOverTheSizeCap() throws {
        var muxer = MPEGTSMuxer()
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        let small = ByteBuffer(bytes: [0, 0, 0, 1, 0x65] + [UInt8](repeating: 0x22, count: 1_000))
        let large = ByteBuffer(bytes: [0, 0, 0, 1, 0x41] + [UInt8](repeating: 0x22, count: 100_000))
        for (index, payload) in [small, large, small].enumerated() {
            muxer.writePES(pid: 0x100, streamID: 0xE0, payload: payload, pts: Int64(index) * 3_000, unbounded: true, into: &bytes)
        }
        let (events, demuxer) = Support.demux(bytes, configuration: .init(maxPESSize: 65_536))
        #expect(demuxer.counters.oversizedPES == 1)
        #expect(demuxer.counters.droppedPES == 1)
        let units = Support.units(events)
        #expect(units.map(\.pts) == [0, 6_000])
        #expect(units.map(\.followsLoss) == [false, true])
    }

    @Test func reportsATimeBaseDiscontinuityOnThePCRPID() throws {
        let stream = MPEGTSSyntheticStream(frames: 10)
        var packets = stream.packets
        // Set discontinuity_indicator on the fifth video PES start (whose adaptation field has the PCR).
        let starts = packets.indices.filter { packets[$0][1] == 0x41 && packets[$0][2] == 0x00 }
        try #require(starts.count == 10)
        packets[starts[4]][5] |= 0x80
        let (events, demuxer) = Support.demux(packets.flatMap { $0 })
        #expect(demuxer.counters.discontinuities == 1)
        let index = try #require(events.firstIndex(of: .discontinuity(pid: 0x100)))
        // It comes before the access unit whose PES it starts, after the one before.
        let before = Support.units(Array(events[..<index]), pid: 0x100)
        #expect(before.last?.pts == stream.video[3].pts)
    }

    @Test func skipsAndCountsStreamsItDoesNotPackage() throws {
        var muxer = MPEGTSMuxer(programs: [
            .init(number: 1, pmtPID: 0x1000, pcrPID: 0x100, streams: [
                .init(pid: 0x100, streamType: .h264), .init(pid: 0x104, streamType: .ac3),
                .init(pid: 0x105, streamType: .scte35), .init(pid: 0x106, streamType: .privateData),
                .init(pid: 0x107, streamType: .aacLATM), .init(pid: 0x108, streamType: MPEGTSStreamType(rawValue: 0xEE)),
            ])
        ])
        var bytes = ByteBuffer()
        muxer.writeTables(into: &bytes)
        for pid in UInt16(0x104)...0x108 {
            muxer.writePES(pid: pid, streamID: 0xBD, payload: ByteBuffer(repeating: 1, count: 400), pts: 0, into: &bytes)
        }
        let (events, demuxer) = Support.demux(bytes)
        #expect(Support.units(events).isEmpty)
        let skipped = demuxer.counters.skippedPackets
        #expect(skipped[.ac3] == 3)
        #expect(skipped[.scte35] == 3)
        #expect(skipped[.privateData] == 3)
        #expect(skipped[.aacLATM] == 3)
        #expect(skipped[MPEGTSStreamType(rawValue: 0xEE)] == 3)
        #expect(MPEGTSStreamType(rawValue: 0xEE).description == "0xee")
    }

    @Test func dropsPacketsFlaggedWithTransportErrors() {
        let stream = MPEGTSSyntheticStream(frames: 5)
        var packets = stream.packets
        packets[5][1] |= 0x80
        let (_, demuxer) = Support.demux(packets.flatMap { $0 })
        #expect(demuxer.counters.transportErrors == 1)
    }
}
