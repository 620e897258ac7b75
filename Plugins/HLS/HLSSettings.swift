public import WeirCore

/// A route's `hls` options, turned into what the packager and the window need.
public struct HLSSettings: Sendable, Hashable {
    /// Where segments and parts are cut.
    public var policy: SegmentationPolicy
    /// Complete segments listed in a media playlist.
    public var windowSize: Int

    static let defaultSegment = ConfigDuration.seconds(2)
    static let defaultPart = ConfigDuration.milliseconds(200)
    static let defaultWindow = 12

    /// - Parameters:
    ///   - options: the route's resolved `hls` options (see ``HLSModule/descriptor``); absent keys take
    ///     the schema defaults, and an unset `max_segment` is 1.5 x `segment` rounded down to whole parts.
    public init(options: OptionValues) {
        let segment = max(options.duration("segment") ?? Self.defaultSegment, .milliseconds(1))
        let part = min(max(options.duration("part") ?? Self.defaultPart, .milliseconds(1)), segment)
        let maxSegment = options.duration("max_segment").map { max($0, segment) } ?? Self.defaultMaxSegment(segment: segment, part: part)
        policy = SegmentationPolicy(
            segment: Self.mediaTime(segment), part: Self.mediaTime(part), maxSegment: Self.mediaTime(maxSegment))
        windowSize = options.integer("window") ?? Self.defaultWindow
    }

    /// `EXT-X-TARGETDURATION`, whole seconds.
    public var targetDuration: Int { policy.targetDurationSeconds }

    /// An upper bound of the parts one segment can hold, for ``SegmentWindow``.
    ///
    /// The part target is a whole number of frames near `part`, so it can be up to half a frame
    /// (at most half of `part`) shorter; every part but a segment's last is at least 85 % of it.
    public var maxPartsPerSegment: Int {
        let maxSegment = policy.maxSegment.microseconds
        let smallestPart = max(1, policy.part.microseconds * 85 / 200)
        return Int(min(10_000, (maxSegment + smallestPart - 1) / smallestPart + 1))
    }

    /// 1.5 x segment, rounded down to whole parts but never below the segment target.
    static func defaultMaxSegment(segment: ConfigDuration, part: ConfigDuration) -> ConfigDuration {
        let wanted = segment.microseconds + segment.microseconds / 2
        let step = max(1, part.microseconds)
        let rounded = wanted / step * step
        return .microseconds(max(rounded, segment.microseconds))
    }

    static func mediaTime(_ duration: ConfigDuration) -> MediaTime {
        MediaTime(ticks: duration.microseconds, timescale: 1_000_000)
    }
}
