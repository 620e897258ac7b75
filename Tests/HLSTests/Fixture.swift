@testable import HLS
import NIOCore
import WeirCore

/// Hand-built windows for playlist and handler tests. Part bytes are labels padded to a fixed
/// size: the bytes are not under test, only where they go and how many there are.
enum Fixture {
    static let epoch = "lk3x9q2a"
    /// 2026-11-22T03:10:02.123Z
    static let startedAt: Int64 = 1_795_317_002_123
    static let path = try! StreamPath("live/cam1")
    static let partMillis: Int64 = 200
    static let videoPartBytes = 5_000
    static let audioPartBytes = 500

    static let video = TrackFormat(
        kind: .video, codec: .h264, timescale: 90_000, configuration: [1, 0x64, 0, 0x1f], codecString: "avc1.64001f",
        width: 1280, height: 720, frameRate: FrameRate(frames: 30))
    static let video2 = TrackFormat(
        kind: .video, codec: .h264, timescale: 90_000, configuration: [1, 0x64, 0, 0x28], codecString: "avc1.640028",
        width: 1920, height: 1080, frameRate: FrameRate(frames: 30000, per: 1001))
    static let audio = TrackFormat(
        kind: .audio, codec: .aac, timescale: 48_000, configuration: [0x11, 0x90], codecString: "mp4a.40.2",
        sampleRate: 48_000, channelCount: 2, samplesPerFrame: 1024)

    /// A window with the given tracks (`video` and/or `audio`), each with init segment 0.
    static func window(
        _ kinds: [MediaKind] = [.video, .audio], targetDuration: Int = 1, windowSize: Int = 12, maxParts: Int = 8,
        partTarget: MediaTime? = MediaTime(ticks: 200, timescale: 1_000)
    ) -> SegmentWindow {
        let window = SegmentWindow(
            path: path.description, epoch: epoch, startedAt: startedAt, targetDuration: targetDuration,
            windowSize: windowSize, maxPartsPerSegment: maxParts)
        for kind in kinds {
            window.addTrack(name: kind.rawValue, kind: kind, rendition: "source")
            window.addInit(track: kind.rawValue, format: kind == .video ? video : audio, data: ByteBuffer(string: "init \(kind)"))
        }
        if let partTarget { window.setPartTarget(partTarget) }
        return window
    }

    static func timescale(_ track: String) -> Int32 { track == "audio" ? 48_000 : 90_000 }

    /// The bytes of a part: its label, padded to the track's part size.
    static func payload(_ track: String, _ sequence: Int64, _ part: Int, size: Int? = nil) -> ByteBuffer {
        let label = Array("\(track) \(sequence).\(part) ".utf8)
        let count = max(label.count, size ?? (track == "audio" ? audioPartBytes : videoPartBytes))
        return ByteBuffer(bytes: label + Array(repeating: UInt8(ascii: "."), count: count - label.count))
    }

    /// Appends part `part` of segment `sequence` (200 ms, segments start every `parts` parts).
    static func appendPart(
        _ window: SegmentWindow, _ track: String, _ sequence: Int64, _ part: Int, partsPerSegment: Int = 3,
        independent: Bool? = nil, discontinuity: Bool = false, size: Int? = nil, millis: Int64 = partMillis
    ) {
        let scale = timescale(track)
        let segmentMillis = Int64(partsPerSegment) * partMillis
        let start = MediaTime(ticks: sequence * segmentMillis * Int64(scale) / 1_000, timescale: scale)
        window.appendPart(
            track: track, sequence: sequence, discontinuity: discontinuity,
            programDateTime: startedAt + sequence * segmentMillis, startTime: start,
            duration: MediaTime(ticks: millis * Int64(scale) / 1_000, timescale: scale),
            independent: independent ?? (track == "audio" || part == 0), data: payload(track, sequence, part, size: size))
    }

    /// Appends whole segments `range` of `parts` parts each; all complete except, if `openParts`
    /// is given, one more segment left open with that many parts.
    static func fill(
        _ window: SegmentWindow, _ track: String, segments range: Range<Int64>, parts: Int = 3, openParts: Int? = nil,
        discontinuityAt: Set<Int64> = []
    ) {
        for sequence in range {
            for part in 0..<parts {
                appendPart(window, track, sequence, part, partsPerSegment: parts, discontinuity: discontinuityAt.contains(sequence))
            }
            window.closeSegment(track: track)
        }
        if let openParts {
            for part in 0..<openParts { appendPart(window, track, range.upperBound, part, partsPerSegment: parts) }
        }
    }

    static func lines(_ text: String?) -> [String] {
        (text ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The expected tags and URIs of one complete segment with every part listed.
    static func segmentLines(_ track: String, _ sequence: Int64, parts: Int = 3, independent: Bool = true) -> [String] {
        var lines: [String] = []
        for part in 0..<parts {
            let flag = track == "audio" || (part == 0 && independent) ? ",INDEPENDENT=YES" : ""
            lines.append("#EXT-X-PART:DURATION=0.200,URI=\"\(track)/\(epoch)/\(sequence).\(part).m4s\"\(flag)")
        }
        let seconds = Int64(parts) * partMillis
        lines.append("#EXTINF:\(seconds / 1000).\(String(seconds % 1000).leftPadded(3)),")
        lines.append("\(track)/\(epoch)/\(sequence).m4s")
        return lines
    }

    static func stream(_ window: SegmentWindow) -> (StreamCatalog, HLSHandler) {
        let catalog = StreamCatalog()
        _ = catalog.claim(path) {
            LiveStream(
                path: path, routeName: "live",
                bus: StreamBus(path: path.description, policy: SegmentationPolicy(
                    segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1_000))),
                window: window, startedAt: startedAt)
        }
        return (catalog, HLSHandler(catalog: catalog))
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension WebResponse {
    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(buffer: body) }
}

extension HLSHandler {
    func get(_ target: String, method: String = "GET") async -> WebResponse? {
        await respond(to: WebRequest(method: method, target: target))
    }
}
