import Foundation
import NIOCore
import Testing
import WeirFormats

/// Re-packages samples from ordinary MP4 files made by ffmpeg into CMAF init segments and
/// fragments, and checks with ffprobe and ffmpeg that the result plays.
@Suite(.enabled(if: FFmpegTools.available, "ffmpeg and ffprobe are not on PATH; skipping playback checks"))
struct CMAFFFmpegTests {
    @Test func repackagedH264PlaysAndDecodesToTheSameFrames() throws {
        let directory = try FFmpegTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("source.mp4")
        try FFmpegTools.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "1",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-bf", "2", "-g", "12", source.path,
        ])

        let track = try ProgressiveTrack(file: source)
        #expect(track.samples.count == 30)
        let stsdEntry = try #require(track.sampleEntry)
        #expect(stsdEntry.type == "avc1")
        let avcC = try #require(try BoxReader().parseChildren(of: stsdEntry, skipping: 78).first("avcC"))
        let description = CMAFTrackDescription(
            trackID: 1,
            timescale: track.timescale,
            sampleEntry: .avc1(avcC: Array(avcC.payload.readableBytesView), width: 320, height: 240)
        )
        // Shift so the first sample in decode order is shown at zero: B-frames get negative offsets.
        let shift = track.samples[0].compositionOffset
        let samples = track.samples.map {
            FragmentSample(
                duration: $0.duration,
                size: UInt32($0.data.readableBytes),
                isSync: $0.isSync,
                compositionOffset: Int32($0.compositionOffset - shift)
            )
        }
        #expect(samples.contains { $0.compositionOffset < 0 })
        #expect(samples.filter(\.isSync).count >= 3)  // -g 12 over 30 frames

        let output = directory.appendingPathComponent("cmaf.mp4")
        try writeFragmented(description, samples: samples, data: track.samples.map(\.data), partSize: 7, to: output)

        let probe = try FFmpegTools.run("ffprobe", [
            "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames,codec_name,width,height",
            "-of", "default=noprint_wrappers=1", output.path,
        ])
        #expect(probe.errors == "")
        let fields = FFmpegTools.keyValues(probe.output)
        #expect(fields["codec_name"] == "h264")
        #expect(fields["width"] == "320")
        #expect(fields["height"] == "240")
        #expect(fields["nb_read_frames"] == "30")

        let decode = try FFmpegTools.run("ffmpeg", ["-v", "error", "-i", output.path, "-f", "null", "-"])
        #expect(decode.errors == "")

        func frameHash(_ file: URL) throws -> String {
            try FFmpegTools.run("ffmpeg", [
                "-v", "error", "-i", file.path, "-map", "0:v", "-fps_mode", "passthrough", "-f", "md5", "-",
            ]).output
        }
        let expected = try frameHash(source)
        #expect(expected.hasPrefix("MD5="))
        #expect(try frameHash(output) == expected)
    }

    @Test func repackagedAACPlaysWithTheSamePackets() throws {
        let directory = try FFmpegTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("source.mp4")
        try FFmpegTools.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "1",
            "-c:a", "aac", "-ac", "2", "-b:a", "96k", source.path,
        ])

        let track = try ProgressiveTrack(file: source)
        let stsdEntry = try #require(track.sampleEntry)
        #expect(stsdEntry.type == "mp4a")
        let esds = try #require(try BoxReader().parseChildren(of: stsdEntry, skipping: 28).first("esds"))
        let descriptor = try #require(try ElementaryStreamDescriptor(esds: esds))
        let description = CMAFTrackDescription(
            trackID: 1,
            timescale: track.timescale,
            sampleEntry: .mp4a(
                audioSpecificConfig: descriptor.decoderSpecificInfo,
                sampleRate: 48_000,
                channelCount: 2
            )
        )
        let samples = track.samples.map {
            FragmentSample(duration: $0.duration, size: UInt32($0.data.readableBytes), isSync: true)
        }
        let output = directory.appendingPathComponent("cmaf.mp4")
        try writeFragmented(description, samples: samples, data: track.samples.map(\.data), partSize: 10, to: output)

        let probe = try FFmpegTools.run("ffprobe", [
            "-v", "error", "-count_frames",
            "-show_entries", "stream=nb_read_frames,codec_name,sample_rate,channels",
            "-of", "default=noprint_wrappers=1", output.path,
        ])
        #expect(probe.errors == "")
        let fields = FFmpegTools.keyValues(probe.output)
        #expect(fields["codec_name"] == "aac")
        #expect(fields["sample_rate"] == "48000")
        #expect(fields["channels"] == "2")
        #expect(fields["nb_read_frames"] == String(track.samples.count))

        let decode = try FFmpegTools.run("ffmpeg", ["-v", "error", "-i", output.path, "-f", "null", "-"])
        #expect(decode.errors == "")

        func packetHash(_ file: URL) throws -> String {
            try FFmpegTools.run("ffmpeg", ["-v", "error", "-i", file.path, "-map", "0:a", "-c", "copy", "-f", "md5", "-"])
                .output
        }
        let expected = try packetHash(source)
        #expect(expected.hasPrefix("MD5="))
        #expect(try packetHash(output) == expected)
    }

    /// Writes the init segment, then fragments of `partSize` samples each, into one file.
    private func writeFragmented(
        _ description: CMAFTrackDescription,
        samples: [FragmentSample],
        data: [ByteBuffer],
        partSize: Int,
        to file: URL
    ) throws {
        var bytes = try CMAFInitSegment.make(description)
        var decodeTime: UInt64 = 0
        var sequence: UInt32 = 1
        for start in stride(from: 0, to: samples.count, by: partSize) {
            let range = start..<min(start + partSize, samples.count)
            var payload = ByteBuffer()
            for buffer in data[range] {
                payload.writeImmutableBuffer(buffer)
            }
            try CMAFFragment.write(
                sequenceNumber: sequence,
                trackID: description.trackID,
                baseMediaDecodeTime: decodeTime,
                samples: Array(samples[range]),
                data: payload,
                into: &bytes
            )
            decodeTime += samples[range].reduce(0) { $0 + UInt64($1.duration) }
            sequence += 1
        }
        // The result must read back as ftyp, moov, then moof+mdat pairs.
        let boxes = try BoxReader().parse(bytes)
        #expect(boxes.count == 2 + 2 * Int(sequence - 1))
        try Data(bytes.readableBytesView).write(to: file)
    }
}

/// The single track of a non-fragmented MP4, with every sample's data and timing.
struct ProgressiveTrack {
    struct Sample {
        var data: ByteBuffer
        var duration: UInt32
        var compositionOffset: Int64
        var isSync: Bool
    }

    var timescale: UInt32
    var sampleEntry: ParsedBox?
    var samples: [Sample] = []

    init(file: URL) throws {
        let buffer = ByteBuffer(bytes: try Data(contentsOf: file))
        let boxes = try BoxReader().parse(buffer)
        let mdia = try #require(boxes.find("moov", "trak", "mdia"))
        timescale = try #require(mdia.child("mdhd")).mdhdTimescale()
        let stbl = try #require(mdia.find("minf", "stbl"))
        let stsd = try #require(stbl.child("stsd"))
        sampleEntry = try BoxReader().parseChildren(of: stsd, skipping: 8).first

        let sizes = try Self.table(try #require(stbl.child("stsz")), skip: 4) { $0 }  // after sample_size
        let chunkOffsets = try Self.table(try #require(stbl.child("stco"))) { UInt64($0[0]) }
        let chunkRuns = try Self.table(try #require(stbl.child("stsc")), fields: 3) { $0 }
        let durations = try Self.table(try #require(stbl.child("stts")), fields: 2) { $0 }
            .flatMap { Array(repeating: $0[1], count: Int($0[0])) }
        let offsets: [Int64] =
            if let ctts = stbl.child("ctts") {
                try Self.table(ctts, fields: 2) { $0 }.flatMap { Array(repeating: Int64(Int32(bitPattern: $0[1])), count: Int($0[0])) }
            } else {
                Array(repeating: 0, count: sizes.count)
            }
        let syncNumbers: Set<UInt32>? = try stbl.child("stss").map { Set(try Self.table($0) { $0[0] }) }

        var sampleIndex = 0
        for (chunkIndex, chunkOffset) in chunkOffsets.enumerated() {
            let chunkNumber = UInt32(chunkIndex + 1)
            let run = try #require(chunkRuns.last { $0[0] <= chunkNumber })
            var position = Int(chunkOffset)
            for _ in 0..<run[1] {
                let size = Int(sizes[sampleIndex][0])
                let data = try #require(buffer.getSlice(at: position, length: size))
                samples.append(
                    Sample(
                        data: data,
                        duration: durations[sampleIndex],
                        compositionOffset: offsets[sampleIndex],
                        isSync: syncNumbers?.contains(UInt32(sampleIndex + 1)) ?? true
                    )
                )
                position += size
                sampleIndex += 1
            }
        }
        #expect(sampleIndex == sizes.count)
    }

    /// Reads a sample table box: version and flags, `skip` bytes, an entry count, then entries of `fields` 32-bit words.
    private static func table<T>(
        _ box: ParsedBox,
        skip: Int = 0,
        fields: Int = 1,
        _ transform: ([UInt32]) -> T
    ) throws -> [T] {
        var payload = box.payload
        payload.moveReaderIndex(forwardBy: 4 + skip)
        let count = payload.readInteger(as: UInt32.self) ?? 0
        var entries: [T] = []
        for _ in 0..<count {
            var words: [UInt32] = []
            for _ in 0..<fields {
                let word = payload.readInteger(as: UInt32.self)
                words.append(try #require(word))
            }
            entries.append(transform(words))
        }
        return entries
    }
}

/// Runs ffmpeg and ffprobe from PATH.
enum FFmpegTools {
    static let available: Bool = path(of: "ffmpeg") != nil && path(of: "ffprobe") != nil

    static func path(of tool: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("weir-cmaf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a tool to completion; output and errors go through files so neither pipe can fill and block it.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> (output: String, errors: String) {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        #expect(FileManager.default.createFile(atPath: outURL.path, contents: nil))
        #expect(FileManager.default.createFile(atPath: errURL.path, contents: nil))
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path(of: tool)))
        process.arguments = (tool == "ffmpeg" ? ["-nostdin"] : []) + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let output = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        let errors = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(tool) \(arguments.joined(separator: " ")) failed: \(errors)")
        return (output.trimmingCharacters(in: .whitespacesAndNewlines), errors)
    }

    static func keyValues(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 {
                result[String(parts[0])] = String(parts[1])
            }
        }
        return result
    }
}
