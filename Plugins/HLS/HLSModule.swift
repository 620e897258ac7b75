public import WeirCore

/// The `hls` output module: Low-Latency HLS playlists over the stream's CMAF window.
///
/// The host registers ``descriptor``; the packager reads ``HLSSettings`` from a route's options,
/// and ``HLSHandler`` serves what the packager put in the window.
public enum HLSModule {
    public static let descriptor = ModuleDescriptor(
        name: "hls",
        kind: .output,
        summary: "HLS and Low-Latency HLS output (CMAF): GET /APP/KEY/index.m3u8.",
        options: options,
        validate: { validate($0) }
    )

    static let options: [OptionSpec] = [
        OptionSpec(
            "segment",
            type: .duration,
            default: .duration(.seconds(2)),
            reload: .nextPublish,
            doc: "Segment target. A segment ends at the first keyframe once it is this long (at most 30s)."
        ),
        OptionSpec(
            "part",
            type: .duration,
            default: .duration(.milliseconds(200)),
            reload: .nextPublish,
            doc: "Requested Low-Latency HLS part duration (at least 50ms, shorter than segment). "
                + "The part target is the whole number of frames closest to it."
        ),
        OptionSpec(
            "max_segment",
            type: .duration,
            reload: .nextPublish,
            doc: "Longest segment: without a keyframe by then, the segment is cut at a part boundary and its "
                + "first part is not independent. EXT-X-TARGETDURATION is this rounded up to seconds. "
                + "Unset means 1.5 x segment, rounded down to whole parts."
        ),
        OptionSpec(
            "window",
            type: .integer(range: 3...1000),
            default: .integer(12),
            reload: .live,
            doc: "Complete segments listed in a live media playlist; a change applies at the next segment boundary. "
                + "Together they must last at least three target durations."
        ),
    ]
}
