import Logging
import NIOCore
import Testing
import WeirCore
import WeirTestSupport
import WeirFormats
@testable import RTMP

/// The media path for Enhanced RTMP video: golden tag vectors and edge cases, fed straight to
/// the ingest with a real bus.
@Suite struct EnhancedRTMPIngestTests {
    typealias Vectors = EnhancedRTMPVectors

    struct Run {
        var outcomes: [RTMPMediaIngest.Outcome]
        var stream: RecordedStream
        var counters: RTMPSessionCounters
    }

    /// Feeds video messages (timestamp, body) to a fresh ingest and returns what the bus carried.
    static func run(_ messages: [(UInt32, [UInt8])], metadata: RTMPStreamMetadata? = nil) async throws -> Run {
        let bus = StreamBus(path: "live/test", policy: SegmentationPolicy(segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000)))
        bus.declare(TrackDeclaration(id: TestRouter.videoTrack, name: "video", kind: .video))
        bus.declare(TrackDeclaration(id: TestRouter.audioTrack, name: "audio", kind: .audio))
        let recorder = EventRecorder()
        recorder.record(bus.subscribe(policy: SubscriberPolicy(capacity: 100_000)))
        var logger = Logger(label: "rtmp-test")
        logger.logLevel = .critical
        var ingest = RTMPMediaIngest(bus: bus, videoTrack: TestRouter.videoTrack, audioTrack: TestRouter.audioTrack, logger: logger)
        ingest.metadata = metadata
        var counters = RTMPSessionCounters()
        var outcomes: [RTMPMediaIngest.Outcome] = []
        for (timestamp, body) in messages {
            outcomes.append(ingest.video(timestamp: timestamp, payload: ByteBuffer(bytes: body), counters: &counters))
        }
        bus.end()
        #expect(await eventually { recorder.ended })
        return Run(outcomes: outcomes, stream: RecordedStream(recorder.events), counters: counters)
    }

    static func sequenceStart(for codec: Codec) -> [UInt8] {
        codec == .av1 ? Vectors.av01SequenceStart : Vectors.hvc1SequenceStart
    }

    @Test(arguments: EnhancedRTMPVectors.all)
    func goldenTag(_ golden: EnhancedRTMPVectors.Golden) async throws {
        let timestamp: UInt32 = 1000
        switch golden.expected {
        case .format(let codec, let codecString, let width, let height, let configuration):
            let run = try await Self.run([(timestamp, golden.body)])
            #expect(run.outcomes == [.accepted])
            let format = try #require(run.stream.formats[TestRouter.videoTrack])
            #expect(format.kind == .video && format.codec == codec && format.timescale == 90_000)
            #expect(format.codecString == codecString)
            #expect(format.width == width && format.height == height)
            #expect(format.configuration == configuration)
            #expect(run.stream.video.isEmpty)

        case .packet(let codec, let keyframe, let dtsOffset, let compositionOffset, let data):
            let run = try await Self.run([(0, Self.sequenceStart(for: codec)), (timestamp, golden.body)])
            #expect(run.outcomes == [.accepted, .accepted])
            #expect(run.stream.formats[TestRouter.videoTrack]?.codec == codec)
            #expect(run.stream.packetsBeforeFormat == 0)
            let packet = try #require(run.stream.video.first)
            #expect(run.stream.video.count == 1)
            #expect(packet.dts == MediaTime(ticks: Int64(timestamp) * 90 + dtsOffset, timescale: 90_000))
            #expect(packet.compositionOffset == compositionOffset)
            #expect(packet.isKeyframe == keyframe)
            #expect(Array(packet.data.readableBytesView) == data)
            #expect(run.counters.videoPackets == 1 && run.counters.dropped == 0)

        case .nothing:
            let run = try await Self.run([(0, Vectors.hvc1SequenceStart), (timestamp, golden.body)])
            #expect(run.outcomes == [.accepted, .accepted])
            #expect(run.stream.video.isEmpty)
            #expect(run.counters.dropped == 0)

        case .refused(let text):
            let run = try await Self.run([(timestamp, golden.body)])
            guard case .unsupported(let reason) = try #require(run.outcomes.last) else {
                Issue.record("\(golden.name) was accepted")
                return
            }
            #expect(reason.lowercased().contains(text), "\(reason)")
            #expect(run.stream.formats.isEmpty && run.stream.video.isEmpty)
        }
    }

    @Test func hevcStreamInDecodeOrderKeepsTimesAndKeyframes() async throws {
        // A keyframe with composition time 67, a B-frame group, then CodedFramesX: 33 ms apart.
        let run = try await Self.run([
            (0, Vectors.hvc1Metadata),
            (0, Vectors.hvc1SequenceStart),
            (0, Vectors.hvc1CodedFramesKeyframe),
            (33, Vectors.hvc1CodedFramesX),
            (67, Vectors.hvc1CodedFramesX),
            (100, Vectors.hvc1SequenceEnd),
        ])
        #expect(run.outcomes.allSatisfy { $0 == .accepted })
        #expect(run.stream.video.map(\.dts.ticks) == [0, 2970, 6030])
        #expect(run.stream.video.map(\.pts.ticks) == [6030, 2970, 6030])
        #expect(run.stream.video.map(\.isKeyframe) == [true, false, false])
        #expect(run.stream.formats.count == 1)
    }

    @Test func legacyCodecID12AndEnhancedAVCAreAccepted() async throws {
        // The non-standard legacy HEVC form: codec id 12 with an AVCPacketType and SI24.
        let legacy = try await Self.run([
            (0, [0x1C, 0x00, 0, 0, 0] + Vectors.hvcC),
            (40, [0x1C, 0x01, 0, 0, 0x21] + Vectors.hevcKeyframeSample),
        ])
        #expect(legacy.outcomes == [.accepted, .accepted])
        #expect(legacy.stream.formats[TestRouter.videoTrack]?.codecString == Vectors.hevcCodecString)
        #expect(legacy.stream.video.map(\.compositionOffset) == [33 * 90])

        // H.264 under the Enhanced header (FourCC avc1) takes the H.264 path.
        let enhancedAVC = try await Self.run([
            (0, [0x90] + Array("avc1".utf8) + SessionTests.avcC),
            (40, [0x91] + Array("avc1".utf8) + [0, 0, 0x28] + SessionTests.videoFrame(keyframe: true, compositionTime: 0).dropFirst(5)),
        ])
        #expect(enhancedAVC.outcomes == [.accepted, .accepted])
        let format = try #require(enhancedAVC.stream.formats[TestRouter.videoTrack])
        #expect(format.codec == .h264 && format.codecString == "avc1.64000d")
        #expect(enhancedAVC.stream.video.map(\.compositionOffset) == [40 * 90])
    }

    @Test func framesOfAnotherCodecThanTheFormatAreDropped() async throws {
        let run = try await Self.run([
            (0, [0x17, 0x00, 0, 0, 0] + SessionTests.avcC),
            (40, Vectors.hvc1CodedFramesKeyframe),
        ])
        #expect(run.outcomes == [.accepted, .accepted])
        #expect(run.stream.formats[TestRouter.videoTrack]?.codec == .h264)
        #expect(run.stream.video.isEmpty)
        #expect(run.counters.dropped == 1)
    }

    @Test func aSecondVideoTrackIDIsRefused() async throws {
        // Multitrack OneTrack messages naming track 0, then track 1.
        var track1 = Vectors.hvc1MultitrackOneTrack
        track1[6] = 1
        let run = try await Self.run([
            (0, Vectors.hvc1SequenceStart),
            (0, Vectors.hvc1MultitrackOneTrack),
            (33, track1),
        ])
        #expect(run.outcomes.prefix(2) == [.accepted, .accepted])
        guard case .unsupported(let reason) = run.outcomes.last else {
            Issue.record("a second video track was accepted")
            return
        }
        #expect(reason.contains("multitrack"))
        #expect(run.stream.video.count == 1)
    }

    @Test func malformedRecordsAreDroppedWithoutAFormat() async throws {
        let truncatedHEVC = Array(Vectors.hvc1SequenceStart.prefix(30))
        var badAV1Marker = Vectors.av01SequenceStart
        badAV1Marker[5] = 0x01  // av1C marker bit cleared
        // An hvcC whose arrays hold no parameter sets: its samples could never be decoded.
        let emptyHVCC = [0x90] + Array("hvc1".utf8) + Array(Vectors.hvcC.prefix(22)) + [0x00]
        for body in [truncatedHEVC, badAV1Marker, emptyHVCC] {
            let run = try await Self.run([(0, body), (33, Vectors.hvc1CodedFramesX)])
            #expect(run.outcomes == [.accepted, .accepted])
            #expect(run.stream.formats.isEmpty && run.stream.video.isEmpty)
            #expect(run.counters.dropped == 2)
        }
    }

    @Test func metadataSizeAndRateFillInWhatTheRecordLacks() async throws {
        // An av1C without configOBUs: the size comes from onMetaData.
        var metadata = RTMPStreamMetadata()
        metadata.width = 1280
        metadata.height = 720
        metadata.frameRate = 29.97
        let bare = [0x90] + Array("av01".utf8) + Array(Vectors.av1C.prefix(4))
        let run = try await Self.run([(0, bare)], metadata: metadata)
        let format = try #require(run.stream.formats[TestRouter.videoTrack])
        #expect(format.width == 1280 && format.height == 720)
        #expect(format.codecString == Vectors.av1CodecString)
        #expect(format.frameRate == FrameRate(frames: 30_000, per: 1001))

        // Absurd metadata is not trusted, and does not trap.
        metadata.width = 1e300
        metadata.height = -5
        let absurd = try await Self.run([(0, bare)], metadata: metadata)
        let unknown = try #require(absurd.stream.formats[TestRouter.videoTrack])
        #expect(unknown.width == 0 && unknown.height == 0)
    }

    @Test func enhancedAACIsAcceptedAndAudioMultitrackRefused() async throws {
        let bus = StreamBus(path: "live/audio", policy: SegmentationPolicy(segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000)))
        bus.declare(TrackDeclaration(id: TestRouter.audioTrack, name: "audio", kind: .audio))
        let recorder = EventRecorder()
        recorder.record(bus.subscribe(policy: SubscriberPolicy(capacity: 1000)))
        var logger = Logger(label: "rtmp-test")
        logger.logLevel = .critical
        var ingest = RTMPMediaIngest(bus: bus, videoTrack: nil, audioTrack: TestRouter.audioTrack, logger: logger)
        var counters = RTMPSessionCounters()
        let mp4a = Array("mp4a".utf8)
        // ExAudioTagHeader (SoundFormat 9): SequenceStart, then CodedFrames, FourCC mp4a.
        let start = ingest.audio(timestamp: 0, payload: ByteBuffer(bytes: [0x90] + mp4a + SessionTests.audioSpecificConfig), counters: &counters)
        let frame = ingest.audio(timestamp: 23, payload: ByteBuffer(bytes: [0x91] + mp4a + [0x21, 0x10, 0x04]), counters: &counters)
        // AudioPacketType Multitrack (5).
        let multitrack = ingest.audio(timestamp: 46, payload: ByteBuffer(bytes: [0x95, 0x01] + mp4a + [0, 0x21]), counters: &counters)
        bus.end()
        #expect(start == .accepted && frame == .accepted)
        guard case .unsupported(let reason) = multitrack else {
            Issue.record("audio multitrack was accepted")
            return
        }
        #expect(reason.contains("multitrack"))
        #expect(await eventually { recorder.ended })
        let stream = RecordedStream(recorder.events)
        #expect(stream.formats[TestRouter.audioTrack]?.codecString == "mp4a.40.2")
        #expect(stream.audio.map { Array($0.data.readableBytesView) } == [[0x21, 0x10, 0x04]])
    }

    @Test func mutatedVectorsNeverTrap() async throws {
        var generator = SplitMix64(seed: 0xE5_7A9)
        let seeds = EnhancedRTMPVectors.all.map(\.body)
        var logger = Logger(label: "rtmp-test")
        logger.logLevel = .critical
        var outcomes: [String: Int] = [:]
        for round in 0..<3000 {
            var body = seeds[round % seeds.count]
            switch round % 3 {
            case 0:
                body = Array(body.prefix(Int.random(in: 0...body.count, using: &generator)))
            case 1:
                for _ in 0..<Int.random(in: 1...4, using: &generator) where !body.isEmpty {
                    body[Int.random(in: 0..<body.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            default:
                body = Array(body.prefix(6)) + generator.bytes(Int.random(in: 0...64, using: &generator))
            }
            let bus = StreamBus(path: "live/fuzz", policy: SegmentationPolicy(segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000)))
            bus.declare(TrackDeclaration(id: TestRouter.videoTrack, name: "video", kind: .video))
            var ingest = RTMPMediaIngest(bus: bus, videoTrack: TestRouter.videoTrack, audioTrack: nil, logger: logger)
            var counters = RTMPSessionCounters()
            _ = ingest.video(timestamp: 0, payload: ByteBuffer(bytes: Vectors.hvc1SequenceStart), counters: &counters)
            switch ingest.video(timestamp: 40, payload: ByteBuffer(bytes: body), counters: &counters) {
            case .accepted: outcomes["accepted", default: 0] += 1
            case .unsupported(let reason):
                #expect(!reason.isEmpty)
                outcomes["refused", default: 0] += 1
            }
            bus.end()
        }
        // Both paths were exercised.
        #expect(outcomes["accepted", default: 0] > 0 && outcomes["refused", default: 0] > 0, "\(outcomes)")
    }
}
