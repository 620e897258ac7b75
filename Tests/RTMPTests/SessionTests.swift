import Logging
import NIOCore
import NIOPosix
import Testing
import WeirCore
import WeirTestSupport
import WeirFormats
@testable import RTMP

/// The session driven byte by byte over a real socket: commands, control, refusals and media.
@Suite struct SessionTests {
    /// An x264 avcC for 320x240, High profile, 4-byte NAL lengths.
    static let avcC: [UInt8] = hex("0164000dffe100176764000dacb20283f60220000003002000000791e2854901000668ebc3cb22c0fdf8f800")
    /// AAC-LC, 44.1 kHz, stereo.
    static let audioSpecificConfig: [UInt8] = [0x12, 0x10]

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }

    static func media(_ typeID: UInt8, timestamp: UInt32, _ body: [UInt8]) -> RTMPMessage {
        RTMPMessage(chunkStreamID: typeID == RTMPMessageType.audio ? 4 : 6, messageStreamID: 1, typeID: typeID, timestamp: timestamp, payload: ByteBuffer(bytes: body))
    }

    static func videoFrame(keyframe: Bool, compositionTime: Int32, nalBytes: Int = 20) -> [UInt8] {
        let cts = UInt32(bitPattern: compositionTime)
        var body: [UInt8] = [keyframe ? 0x17 : 0x27, 0x01, UInt8(truncatingIfNeeded: cts >> 16), UInt8(truncatingIfNeeded: cts >> 8), UInt8(truncatingIfNeeded: cts)]
        body += [0, 0, 0, UInt8(nalBytes)] + [keyframe ? 0x65 : 0x41] + [UInt8](repeating: 0xAB, count: nalBytes - 1)
        return body
    }

    @Test func connectInAMF3WrapperGetsControlMessagesAndSuccess() async throws {
        try await withServer { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            let properties: AMF0Object = ["app": .string("live"), "tcUrl": .string("rtmp://127.0.0.1/live")]
            client.sendCommand([.string("connect"), .number(1), .object(properties)], amf3: true)
            var types: [UInt8] = []
            var result: [AMF0Value]?
            while result == nil, let message = try client.nextMessage() {
                types.append(message.typeID)
                switch message.typeID {
                case RTMPMessageType.windowAcknowledgementSize:
                    #expect(message.payload.getInteger(at: message.payload.readerIndex, as: UInt32.self) == 2_500_000)
                case RTMPMessageType.setChunkSize:
                    #expect(message.payload.getInteger(at: message.payload.readerIndex, as: UInt32.self) == 4096)
                case RTMPMessageType.commandAMF0:
                    result = try AMF0Decoder.decodeAll(message.payload)
                default:
                    break
                }
            }
            #expect(types.prefix(3) == [RTMPMessageType.windowAcknowledgementSize, RTMPMessageType.setPeerBandwidth, RTMPMessageType.setChunkSize])
            let values = try #require(result)
            #expect(values.first?.stringValue == "_result")
            #expect(values.last?.objectValue?["code"]?.stringValue == "NetConnection.Connect.Success")
        }
    }

    @Test func acknowledgementsFollowTheClientWindowAndPingsAreAnswered() async throws {
        try await withServer { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            _ = try client.connect(app: "live")
            let window: UInt32 = 5000
            client.send(.windowAcknowledgementSize(window))
            for _ in 0..<10 {
                client.send(RTMPMessage(chunkStreamID: 5, messageStreamID: 0, typeID: RTMPMessageType.dataAMF0, timestamp: 0, payload: ByteBuffer(repeating: 0x05, count: 3000)))
            }
            var acknowledgements: [UInt32] = []
            for round: UInt32 in 1...2 {
                client.send(.userControl(RTMPUserControlEvent.pingRequest, round))
                var answered = false
                while !answered, let message = try client.nextMessage() {
                    var payload = message.payload
                    if message.typeID == RTMPMessageType.acknowledgement, let value = payload.readInteger(as: UInt32.self) {
                        acknowledgements.append(value)
                    } else if message.typeID == RTMPMessageType.userControl {
                        answered = payload.readInteger(as: UInt16.self) == RTMPUserControlEvent.pingResponse && payload.readInteger(as: UInt32.self) == round
                    }
                }
                #expect(answered)
            }
            let total = UInt32(client.bytesSent)
            // One acknowledgement per read that completes a window, so reads coalesced by TCP
            // make fewer but larger steps.
            #expect(!acknowledgements.isEmpty)
            #expect(zip(acknowledgements, acknowledgements.dropFirst()).allSatisfy { $1 - $0 >= window })
            // Everything was read before the second ping's answer: less than a window is unacknowledged.
            let last = try #require(acknowledgements.last)
            #expect(last <= total && total - last < window)
        }
    }

    @Test func publishStripsTheQueryAndStartsThePublication() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            _ = try client.connect(app: "live")
            let status = try #require(try client.publish("cam1?token=s3cret&x=1"))
            #expect(status["code"]?.stringValue == "NetStream.Publish.Start")
            let request = try #require(router.requests.first)
            #expect(request.path.description == "live/cam1")
            #expect(request.query == ["token": "s3cret", "x": "1"])
            #expect(request.ingest == "rtmp")
            client.sendCommand([.string("deleteStream"), .number(4), .null, .number(1)])
            #expect(await eventually { router.endCount("live/cam1") == 1 })
            client.close()
            try? await Task.sleep(for: .milliseconds(100))
            #expect(router.endCount("live/cam1") == 1)
        }
    }

    @Test(arguments: [
        ("live", "", "NetStream.Publish.BadName"),
        ("other", "x", "NetStream.Publish.BadName"),
        ("live", "a..b/c", "NetStream.Publish.BadName"),
        ("live", ".hidden", "NetStream.Publish.BadName"),
    ])
    func refusedPublishesGetAnErrorStatusAndAreClosed(app: String, name: String, code: String) async throws {
        try await withServer { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            _ = try client.connect(app: app)
            let status = try #require(try client.publish(name))
            #expect(status["level"]?.stringValue == "error")
            #expect(status["code"]?.stringValue == code)
            let description = status["description"]?.stringValue ?? ""
            #expect(!description.isEmpty)
            #expect(client.waitForClose())
        }
    }

    @Test func aSecondPublisherOnALivePathIsRefused() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let first = try RawRTMPClient(port: port)
            try first.handshake()
            _ = try first.connect(app: "live")
            #expect(try first.publish("busy")?["code"]?.stringValue == "NetStream.Publish.Start")

            let second = try RawRTMPClient(port: port)
            try second.handshake()
            _ = try second.connect(app: "live")
            #expect(try second.publish("busy")?["code"]?.stringValue == "NetStream.Publish.BadName")
            #expect(router.refusals == [.busy("live/busy")])
            #expect(second.waitForClose())

            // The first publisher is untouched; when it leaves, its publication finishes once.
            #expect(router.endCount("live/busy") == 0)
            first.close()
            #expect(await eventually { router.endCount("live/busy") == 1 })
        }
    }

    @Test(arguments: ["", "../etc", "a/b/c", "live space"])
    func unsafeOrMissingApplicationsAreRejectedAtConnect(app: String) async throws {
        try await withServer { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            let values = try #require(try client.connect(app: app))
            #expect(values.first?.stringValue == "_error")
            #expect(values.last?.objectValue?["code"]?.stringValue == "NetConnection.Connect.Rejected")
            #expect(client.waitForClose())
        }
    }

    @Test func badInputIsRefusedWhileTheServerKeepsServing() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            // A publisher that stays live throughout.
            let publisher = try RawRTMPClient(port: port)
            try publisher.handshake()
            _ = try publisher.connect(app: "live")
            #expect(try publisher.publish("steady")?["code"]?.stringValue == "NetStream.Publish.Start")

            // Garbage instead of a handshake.
            let garbage = try RawRTMPClient(port: port)
            garbage.sendBytes(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            #expect(garbage.waitForClose())

            // An absurd chunk size.
            let absurd = try RawRTMPClient(port: port)
            try absurd.handshake()
            absurd.send(.setChunkSize(0x7FFF_FFFF))
            #expect(absurd.waitForClose())

            // A truncated AMF command.
            let truncated = try RawRTMPClient(port: port)
            try truncated.handshake()
            var payload = AMF0Encoder.encode([.string("connect"), .number(1)])
            payload.writeBytes([0x03, 0x00, 0x03, 0x61])
            truncated.send(RTMPMessage(chunkStreamID: 3, messageStreamID: 0, typeID: RTMPMessageType.commandAMF0, timestamp: 0, payload: payload))
            #expect(truncated.waitForClose())

            // A message larger than the cap.
            let huge = try RawRTMPClient(port: port)
            try huge.handshake()
            var writer = ChunkWriter()
            writer.type0(chunkStreamID: 6, timestamp: 0, length: 0xFF_FFFF, typeID: 9, streamID: 1)
            huge.sendBytes(Array(writer.buffer.readableBytesView))
            #expect(huge.waitForClose())

            // Meanwhile the publisher is still live and new clients are served.
            #expect(router.endCount("live/steady") == 0)
            publisher.send(.userControl(RTMPUserControlEvent.pingRequest, 7))
            var answered = false
            while !answered, let message = try publisher.nextMessage() {
                answered = message.typeID == RTMPMessageType.userControl
            }
            #expect(answered)
            let late = try RawRTMPClient(port: port)
            try late.handshake()
            #expect(try late.connect(app: "live")?.first?.stringValue == "_result")
        }
    }

    @Test func mediaBecomesFormatsAndPacketsOnTheBus() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            _ = try client.connect(app: "live")
            #expect(try client.publish("media")?["code"]?.stringValue == "NetStream.Publish.Start")

            let metadata: AMF0Object = ["framerate": .number(25), "width": .number(320), "height": .number(240)]
            client.send(RTMPMessage(
                chunkStreamID: 5, messageStreamID: 1, typeID: RTMPMessageType.dataAMF0, timestamp: 0,
                payload: AMF0Encoder.encode([.string("@setDataFrame"), .string("onMetaData"), .ecmaArray(metadata)])))
            // Before the sequence headers: dropped.
            client.send(Self.media(RTMPMessageType.video, timestamp: 0, Self.videoFrame(keyframe: true, compositionTime: 0)))
            client.send(Self.media(RTMPMessageType.audio, timestamp: 0, [0xAF, 0x01, 0x21, 0x00]))

            client.send(Self.media(RTMPMessageType.video, timestamp: 0, [0x17, 0x00, 0, 0, 0] + Self.avcC))
            client.send(Self.media(RTMPMessageType.audio, timestamp: 0, [0xAF, 0x00] + Self.audioSpecificConfig))
            let videoTimes: [(UInt32, Int32, Bool)] = [(40, 80, true), (80, 0, false), (120, -40, false), (160, 40, false)]
            for (time, cts, key) in videoTimes {
                client.send(Self.media(RTMPMessageType.video, timestamp: time, Self.videoFrame(keyframe: key, compositionTime: cts, nalBytes: 200)))
            }
            for frame in 0..<6 {
                // Wire milliseconds are rounded; the frame clock restores exact 1024-sample steps.
                let milliseconds = UInt32((Double(frame * 1024) * 1000 / 44100).rounded())
                client.send(Self.media(RTMPMessageType.audio, timestamp: 40 + milliseconds, [0xAF, 0x01, 0x21, 0x10, UInt8(frame)]))
            }
            // A spliced source: the wire clock jumps 100 s ahead; the timeline continues just after.
            client.send(Self.media(RTMPMessageType.video, timestamp: 100_000, Self.videoFrame(keyframe: true, compositionTime: 0)))
            client.sendCommand([.string("FCUnpublish"), .number(5), .null, .string("media")])
            client.sendCommand([.string("deleteStream"), .number(6), .null, .number(1)])

            let recorder = try #require(router.recorder("live/media"))
            #expect(await eventually { recorder.ended })
            #expect(router.endCount("live/media") == 1)

            var formats: [TrackID: TrackFormat] = [:]
            var video: [MediaPacket] = []
            var audio: [MediaPacket] = []
            var discontinuityCut = false
            for event in recorder.events {
                switch event {
                case .format(let track, let format):
                    formats[track] = format
                case .packet(let packet):
                    #expect(formats[packet.track] != nil, "a packet before its format")
                    if packet.track == TestRouter.videoTrack { video.append(packet) } else { audio.append(packet) }
                case .boundary(let boundary):
                    discontinuityCut = discontinuityCut || boundary.discontinuity
                default:
                    break
                }
            }
            let videoFormat = try #require(formats[TestRouter.videoTrack])
            #expect(videoFormat.codec == .h264)
            #expect(videoFormat.timescale == 90_000)
            #expect(videoFormat.width == 320 && videoFormat.height == 240)
            #expect(videoFormat.codecString == "avc1.64000d")
            #expect(videoFormat.configuration == Self.avcC)
            #expect(videoFormat.frameRate != nil)
            let audioFormat = try #require(formats[TestRouter.audioTrack])
            #expect(audioFormat.codec == .aac && audioFormat.timescale == 44_100 && audioFormat.channelCount == 2)
            #expect(audioFormat.samplesPerFrame == 1024 && audioFormat.codecString == "mp4a.40.2")

            #expect(video.map(\.dts.ticks) == [3600, 7200, 10800, 14400, (160 + 20) * 90])
            #expect(video.map(\.compositionOffset) == [7200, 0, -3600, 3600, 0])
            #expect(video.map(\.isKeyframe) == [true, false, false, false, true])
            #expect(discontinuityCut)
            #expect(video.first?.data.readableBytes == 204)
            #expect(video.first?.data.getInteger(at: video.first?.data.readerIndex ?? 0, as: UInt32.self) == 200)
            let audioTicks = audio.map(\.dts.ticks)
            #expect(audioTicks.count == 6)
            #expect(zip(audioTicks, audioTicks.dropFirst()).allSatisfy { $1 - $0 == 1024 })
            #expect(audio.allSatisfy { $0.duration == 1024 && $0.isKeyframe && $0.dts.timescale == 44_100 })
            #expect(audio.first?.data.readableBytesView.elementsEqual([0x21, 0x10, 0]) == true)
        }
    }

    @Test func repeatedDecodeTimesMoveOneTickLaterKeepingPresentationTimes() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            _ = try client.connect(app: "live")
            #expect(try client.publish("clamped")?["code"]?.stringValue == "NetStream.Publish.Start")
            client.send(Self.media(RTMPMessageType.video, timestamp: 0, [0x17, 0x00, 0, 0, 0] + Self.avcC))
            // What GStreamer's flvmux sends for a B-frame stream: two frames clamped to 0.
            for (time, cts, key) in [(UInt32(0), Int32(8), true), (0, 108, false), (8, 33, false)] {
                client.send(Self.media(RTMPMessageType.video, timestamp: time, Self.videoFrame(keyframe: key, compositionTime: cts)))
            }
            client.sendCommand([.string("deleteStream"), .number(4), .null, .number(1)])
            let recorder = try #require(router.recorder("live/clamped"))
            #expect(await eventually { recorder.ended })
            let video = RecordedStream(recorder.events).video
            #expect(video.map(\.dts.ticks) == [0, 1, 720])
            #expect(video.map(\.pts.ticks) == [720, 9720, 3690])
        }
    }

    @Test func aggregateMessagesAreSplitIntoTheirTags() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            _ = try client.connect(app: "live")
            #expect(try client.publish("aggregate")?["code"]?.stringValue == "NetStream.Publish.Start")
            // FLV tags with their own clock (starting at 5000); the message's timestamp rebases them.
            var body = ByteBuffer()
            func tag(_ type: UInt8, _ time: UInt32, _ data: [UInt8]) {
                body.writeInteger(type)
                RTMPChunkEncoder.writeUInt24(UInt32(data.count), into: &body)
                RTMPChunkEncoder.writeUInt24(time & 0xFF_FFFF, into: &body)
                body.writeInteger(UInt8(truncatingIfNeeded: time >> 24))
                RTMPChunkEncoder.writeUInt24(0, into: &body)
                body.writeBytes(data)
                body.writeInteger(UInt32(11 + data.count))
            }
            tag(RTMPMessageType.video, 5000, [0x17, 0x00, 0, 0, 0] + Self.avcC)
            tag(RTMPMessageType.video, 5000, Self.videoFrame(keyframe: true, compositionTime: 0))
            tag(RTMPMessageType.video, 5033, Self.videoFrame(keyframe: false, compositionTime: 0))
            client.send(RTMPMessage(chunkStreamID: 6, messageStreamID: 1, typeID: RTMPMessageType.aggregate, timestamp: 100, payload: body))
            client.sendCommand([.string("deleteStream"), .number(4), .null, .number(1)])

            let recorder = try #require(router.recorder("live/aggregate"))
            #expect(await eventually { recorder.ended })
            let stream = RecordedStream(recorder.events)
            #expect(stream.video.map(\.dts.ticks) == [100 * 90, 133 * 90])
            #expect(stream.packetsBeforeFormat == 0)
        }
    }

    @Test func enhancedRTMPVideoOfAnUnsupportedCodecIsRefusedCleanly() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            _ = try client.connect(app: "live")
            #expect(try client.publish("vp9")?["code"]?.stringValue == "NetStream.Publish.Start")
            client.send(Self.media(RTMPMessageType.video, timestamp: 0, EnhancedRTMPVectors.vp09SequenceStart))
            let status = try #require(try client.command(named: "onStatus")?.last?.objectValue)
            #expect(status["level"]?.stringValue == "error")
            #expect(status["code"]?.stringValue == "NetStream.Publish.Failed")
            #expect(status["description"]?.stringValue == "video codec vp09 over Enhanced RTMP is not supported (send hvc1, av01 or avc1)")
            #expect(client.waitForClose())
            #expect(await eventually { router.endCount("live/vp9") == 1 })
            let recorder = try #require(router.recorder("live/vp9"))
            #expect(await eventually { recorder.ended })
            #expect(!recorder.events.contains { if case .packet = $0 { true } else { false } })
        }
    }

    @Test func enhancedRTMPMultitrackVideoIsRefusedCleanly() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            _ = try client.connect(app: "live")
            #expect(try client.publish("tracks")?["code"]?.stringValue == "NetStream.Publish.Start")
            client.send(Self.media(RTMPMessageType.video, timestamp: 0, EnhancedRTMPVectors.hvc1SequenceStart))
            client.send(Self.media(RTMPMessageType.video, timestamp: 0, EnhancedRTMPVectors.hvc1MultitrackTwoTracks))
            let status = try #require(try client.command(named: "onStatus")?.last?.objectValue)
            #expect(status["code"]?.stringValue == "NetStream.Publish.Failed")
            #expect(status["description"]?.stringValue?.contains("multitrack") == true)
            #expect(client.waitForClose())
        }
    }

    @Test func enhancedHEVCOverTheWireBecomesAFormatAndPackets() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let client = try RawRTMPClient(port: port)
            try client.handshake()
            let values = try #require(try client.connect(app: "live"))
            // The server states which Enhanced RTMP codecs it takes.
            let server = try #require(values.dropFirst(2).first?.objectValue)
            let fourCCs = server["fourCcList"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(fourCCs.contains("hvc1") && fourCCs.contains("av01"))
            #expect(server["videoFourCcInfoMap"]?.objectValue?["hvc1"]?.numberValue == 4)
            #expect(try client.publish("hevc")?["code"]?.stringValue == "NetStream.Publish.Start")

            let metadata: AMF0Object = ["framerate": .number(30), "videocodecid": .number(Double(0x6876_6331))]
            client.send(RTMPMessage(
                chunkStreamID: 5, messageStreamID: 1, typeID: RTMPMessageType.dataAMF0, timestamp: 0,
                payload: AMF0Encoder.encode([.string("@setDataFrame"), .string("onMetaData"), .ecmaArray(metadata)])))
            client.send(Self.media(RTMPMessageType.video, timestamp: 0, EnhancedRTMPVectors.hvc1Metadata))
            client.send(Self.media(RTMPMessageType.video, timestamp: 0, EnhancedRTMPVectors.hvc1SequenceStart))
            client.send(Self.media(RTMPMessageType.audio, timestamp: 0, [0xAF, 0x00] + Self.audioSpecificConfig))
            client.send(Self.media(RTMPMessageType.video, timestamp: 0, EnhancedRTMPVectors.hvc1CodedFramesKeyframe))
            client.send(Self.media(RTMPMessageType.audio, timestamp: 10, [0xAF, 0x01, 0x21, 0x10, 0x00]))
            client.send(Self.media(RTMPMessageType.video, timestamp: 33, EnhancedRTMPVectors.hvc1CodedFramesX))
            client.send(Self.media(RTMPMessageType.video, timestamp: 67, EnhancedRTMPVectors.hvc1SequenceEnd))
            client.sendCommand([.string("deleteStream"), .number(4), .null, .number(1)])

            let recorder = try #require(router.recorder("live/hevc"))
            #expect(await eventually { recorder.ended })
            let stream = RecordedStream(recorder.events)
            #expect(stream.packetsBeforeFormat == 0)
            let format = try #require(stream.formats[TestRouter.videoTrack])
            #expect(format.codec == .h265 && format.codecString == EnhancedRTMPVectors.hevcCodecString)
            #expect(format.width == 64 && format.height == 64)
            #expect(format.frameRate == FrameRate(frames: 30, per: 1))
            #expect(stream.video.map(\.dts.ticks) == [0, 2970])
            #expect(stream.video.map(\.compositionOffset) == [6030, 0])
            #expect(stream.video.map(\.isKeyframe) == [true, false])
            #expect(stream.audio.count == 1)
            #expect(router.endCount("live/hevc") == 1)
        }
    }

    @Test func stoppingTheServerFinishesEveryPublication() async throws {
        let router = TestRouter()
        var logger = Logger(label: "rtmp-test")
        logger.logLevel = .critical
        let server = RTMPServer(
            configuration: RTMPServer.Configuration(listen: ConfigAddress(host: "127.0.0.1", port: 0)),
            router: router, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        try await server.start()
        let port = try #require(server.localPort)
        let client = try RawRTMPClient(port: port)
        try client.handshake()
        _ = try client.connect(app: "live")
        #expect(try client.publish("stopping")?["code"]?.stringValue == "NetStream.Publish.Start")
        await server.stop()
        #expect(router.endCount("live/stopping") == 1)
        #expect(client.waitForClose())
        #expect(server.sessionCount == 0)
    }

    @Test func idleClientsAreDropped() async throws {
        let router = TestRouter()
        let configuration = RTMPServer.Configuration(
            listen: ConfigAddress(host: "127.0.0.1", port: 0), handshakeTimeout: .milliseconds(300), idleTimeout: .milliseconds(300))
        try await withServer(router: router, configuration: configuration) { _, port in
            let silent = try RawRTMPClient(port: port)
            #expect(silent.waitForClose())

            let client = try RawRTMPClient(port: port)
            try client.handshake()
            _ = try client.connect(app: "live")
            #expect(try client.publish("idle")?["code"]?.stringValue == "NetStream.Publish.Start")
            #expect(client.waitForClose())
            #expect(router.endCount("live/idle") == 1)
        }
    }
}
