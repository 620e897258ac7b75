import Foundation
import WeirCore

@testable import Host

/// A scratch directory holding a main configuration and route files, removed by `remove()`.
struct ConfigFixture {
    let directory: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        directory = ConfigPath.join(base, "weir-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// The main file, `DIR/weir.yaml`.
    var mainFile: String { path("weir.yaml") }

    func path(_ relative: String) -> String {
        directory + "/" + relative
    }

    /// Writes `text` to `relative`, creating directories on the way.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let file = path(relative)
        try FileManager.default.createDirectory(atPath: ConfigPath.directory(of: file), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    func writeBytes(_ relative: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path(relative)))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Loads the fixture's main file with the given modules.
    func load(modules: [ModuleDescriptor] = TestModules.all) throws(ConfigErrors) -> WeirConfiguration {
        try ConfigLoader(modules: modules).load(mainFile: mainFile)
    }

    /// The `FILE:LINE:COL: message` lines of a load that must fail.
    func errors(modules: [ModuleDescriptor] = TestModules.all) -> [String] {
        do {
            _ = try load(modules: modules)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }
}

/// Module descriptors for loader and CLI tests, fixed here so the tests do not change when a plugin's schema does.
enum TestModules {
    static let rtmp = ModuleDescriptor(
        name: "rtmp",
        kind: .ingest,
        summary: "Test RTMP ingest.",
        globalOptions: [
            OptionSpec("listen", type: .address, default: .address(ConfigAddress(host: "0.0.0.0", port: 1935)), reload: .restart, doc: "Listen."),
            OptionSpec("chunk_size", type: .integer(range: 128...65536), default: .integer(4096), reload: .nextPublish, doc: "Chunk size."),
        ]
    )

    static let hls = ModuleDescriptor(
        name: "hls",
        kind: .output,
        summary: "Test HLS output.",
        options: [
            OptionSpec("segment", type: .duration, default: .duration(.seconds(2)), reload: .nextPublish, doc: "Segment."),
            OptionSpec("part", type: .duration, default: .duration(.milliseconds(200)), reload: .nextPublish, doc: "Part."),
            OptionSpec("max_segment", type: .duration, reload: .nextPublish, doc: "Unset means 1.5 x segment."),
            OptionSpec("window", type: .integer(range: 3...1000), default: .integer(12), reload: .live, doc: "Window."),
        ],
        validate: { options in
            guard let part = options.duration("part"), let segment = options.duration("segment"), part > segment else { return [] }
            return [OptionIssue(key: "part", "must not be longer than segment (\(segment))")]
        }
    )

    static let transcode = ModuleDescriptor(
        name: "transcode",
        kind: .process,
        summary: "Test transcoder.",
        options: [
            OptionSpec(
                "ladder",
                type: .list(.object([
                    OptionSpec("name", type: .string, required: true, reload: .nextPublish, doc: "Rendition name."),
                    OptionSpec("height", type: .integer(range: 90...4320), required: true, reload: .nextPublish, doc: "Height."),
                    OptionSpec("video_bitrate", type: .bitrate, default: .bitrate(ConfigBitrate(bitsPerSecond: 1_000_000)), reload: .nextPublish, doc: "Rate."),
                ])),
                required: true,
                reload: .nextPublish,
                doc: "Renditions."
            ),
            OptionSpec("keep_source", type: .bool, default: .bool(true), reload: .nextPublish, doc: "Keep source."),
            OptionSpec("preset", type: .enumeration(["fast", "medium", "slow"]), default: .string("fast"), reload: .nextPublish, doc: "Preset."),
        ]
    )

    static let srt = ModuleDescriptor(
        name: "srt",
        kind: .ingest,
        summary: "Test SRT ingest.",
        globalOptions: [
            OptionSpec("listen", type: .address, default: .address(ConfigAddress(host: "0.0.0.0", port: 8890)), reload: .restart, doc: "Listen."),
        ]
    )

    static let all = [rtmp, hls, transcode, srt]
}
