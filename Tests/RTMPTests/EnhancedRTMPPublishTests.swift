import Foundation
import Testing
import WeirCore
import WeirTestSupport
@testable import RTMP

/// The in-repo Enhanced RTMP publisher (tools/erpublish) against the server, its media
/// observed on the bus. Debian's ffmpeg and OBS cannot send Enhanced RTMP, hence the tool.
@Suite struct EnhancedRTMPPublishTests {
    static let ffmpeg = "/usr/bin/ffmpeg"
    static let python = "/usr/bin/python3"
    static let publisher = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools/erpublish/erpublish.py").path

    /// The encoders of the local ffmpeg, read once.
    static let encoders: String = {
        guard FileManager.default.isExecutableFile(atPath: ffmpeg) else { return "" }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ["-hide_banner", "-encoders"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }()

    static let ffprobe = "/usr/bin/ffprobe"

    static var canPublish: Bool {
        FileManager.default.isExecutableFile(atPath: python) && FileManager.default.fileExists(atPath: publisher)
            && FileManager.default.isExecutableFile(atPath: ffprobe)
    }

    static func encoder(_ name: String) -> Bool {
        encoders.split(separator: "\n").contains { $0.split(separator: " ").dropFirst().first == Substring(name) }
    }

    /// The decode-order indices of the keyframes of a file's first video stream, as ffprobe reads them.
    static func keyframeIndices(_ file: URL) throws -> [Int] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffprobe)
        process.arguments = ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of", "csv=p=0", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let flags = String(decoding: data, as: UTF8.self).split(separator: "\n")
        return flags.indices.filter { flags[$0].hasPrefix("K") }
    }

    /// A temporary directory, removed after `body`.
    static func withTemporaryDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("erpublish-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    /// Runs the publisher; returns its exit status (nil when killed at the timeout) and stderr.
    static func publish(_ input: URL, _ url: String, _ options: [String] = []) async throws -> (status: Int32?, log: String) {
        let log = input.deletingLastPathComponent().appendingPathComponent("erpublish-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [publisher] + options + [input.path, url]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            process.terminate()
            return (nil, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        }
        return (process.terminationStatus, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    @Test(.enabled(if: canPublish && encoder("libx265"), "needs python3, ffprobe and ffmpeg with libx265"))
    func hevcAndAACArriveAsFormatsAndPackets() async throws {
        try await Self.withTemporaryDirectory { directory in
            let clip = directory.appendingPathComponent("hevc.mp4")
            // libx265 ultrafast uses B-frames, so composition offsets are exercised.
            let encoded = try await runProcess(Self.ffmpeg, [
                "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "3",
                "-c:v", "libx265", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                "-x265-params", "keyint=30:min-keyint=30:scenecut=0:log-level=error", "-tag:v", "hvc1",
                "-c:a", "aac", "-b:a", "96k", "-ac", "2", "-shortest", clip.path,
            ])
            try #require(encoded.status == 0, "ffmpeg could not encode the H.265 clip")

            let router = TestRouter()
            try await withServer(router: router) { _, port in
                let result = try await Self.publish(clip, "rtmp://127.0.0.1:\(port)/live/hevc")
                #expect(result.status == 0, "\(result.log)")

                let recorder = try #require(router.recorder("live/hevc"))
                #expect(await eventually { recorder.ended })
                #expect(router.endCount("live/hevc") == 1)
                let stream = RecordedStream(recorder.events)
                #expect(stream.packetsBeforeFormat == 0)

                let video = try #require(stream.formats[TestRouter.videoTrack])
                #expect(video.codec == .h265 && video.timescale == 90_000)
                #expect(video.codecString.hasPrefix("hvc1.1.6.L"), "\(video.codecString)")
                #expect(video.width == 320 && video.height == 240)
                #expect(video.frameRate == FrameRate(frames: 30, per: 1))
                // The configuration is the hvcC the publisher took from the MP4's sample entry.
                #expect(video.configuration.first == 1 && video.configuration.count > 23)

                let packets = stream.video
                #expect(packets.count == 90, "\(packets.count) video packets")
                #expect(stream.videoDTSIsMonotonic)
                // Open GOPs: a keyframe is sent before the leading pictures that precede it in
                // presentation order, so its decode index is the source's, not a multiple of 30.
                let sourceKeyframes = try Self.keyframeIndices(clip)
                #expect(sourceKeyframes.count == 3)
                #expect(packets.indices.filter { packets[$0].isKeyframe } == sourceKeyframes)
                #expect(packets.contains { $0.compositionOffset > 0 }, "no B-frame composition offsets")
                #expect(packets.contains { $0.compositionOffset == 0 }, "no CodedFramesX (zero composition time)")
                #expect(packets.allSatisfy { packet in
                    // Length-prefixed NAL units as sent: the first length fits the sample.
                    let length = packet.data.getInteger(at: packet.data.readerIndex, as: UInt32.self) ?? 0
                    return packet.data.readableBytes > 4 && Int(length) + 4 <= packet.data.readableBytes
                })

                let audio = try #require(stream.formats[TestRouter.audioTrack])
                #expect(audio.codec == .aac && audio.sampleRate == 48_000 && audio.channelCount == 2)
                #expect(stream.audio.count > 130, "\(stream.audio.count) audio packets")
                #expect(stream.audioStepsAreOneFrame)

                // A path no route takes: the publisher reports the refusal and fails.
                let refused = try await Self.publish(clip, "rtmp://127.0.0.1:\(port)/other/x", ["--fast"])
                #expect(refused.status == 1, "\(refused.log)")
                #expect(refused.log.contains("NetStream.Publish.BadName"), "\(refused.log)")
                #expect(router.refusals.contains(.noRoute("other/x")))
            }
        }
    }

    @Test(.enabled(if: canPublish && encoder("libsvtav1"), "needs python3, ffprobe and ffmpeg with libsvtav1"))
    func av1FromAFragmentedMP4ArrivesAsFormatAndPackets() async throws {
        try await Self.withTemporaryDirectory { directory in
            let clip = directory.appendingPathComponent("av1.mp4")
            let encoded = try await runProcess(Self.ffmpeg, [
                "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "2",
                "-c:v", "libsvtav1", "-preset", "12", "-g", "30", "-pix_fmt", "yuv420p",
                "-movflags", "frag_keyframe+empty_moov+default_base_moof", clip.path,
            ])
            try #require(encoded.status == 0, "ffmpeg could not encode the AV1 clip")

            let router = TestRouter()
            try await withServer(router: router) { _, port in
                let result = try await Self.publish(clip, "rtmp://127.0.0.1:\(port)/live/av1", ["--fast"])
                #expect(result.status == 0, "\(result.log)")
                let recorder = try #require(router.recorder("live/av1"))
                #expect(await eventually { recorder.ended })
                let stream = RecordedStream(recorder.events)
                #expect(stream.packetsBeforeFormat == 0)
                let video = try #require(stream.formats[TestRouter.videoTrack])
                #expect(video.codec == .av1)
                #expect(video.codecString.hasPrefix("av01.0.") && video.codecString.hasSuffix("M.08"), "\(video.codecString)")
                #expect(video.width == 320 && video.height == 240)
                #expect(stream.video.count == 60, "\(stream.video.count) video packets")
                #expect(stream.video.indices.filter { stream.video[$0].isKeyframe } == (try Self.keyframeIndices(clip)))
                #expect(stream.video.first?.isKeyframe == true)
                #expect(stream.video.allSatisfy { $0.compositionOffset == 0 })
                #expect(stream.videoDTSIsMonotonic)
                #expect(stream.formats[TestRouter.audioTrack] == nil && stream.audio.isEmpty)
            }
        }
    }
}
