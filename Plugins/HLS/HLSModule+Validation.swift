import WeirCore

extension HLSModule {
    /// Smallest part a player can fetch without drowning in requests.
    static let minimumPart = ConfigDuration.milliseconds(50)
    /// Longest segment target; longer segments defeat live playback.
    static let maximumSegment = ConfigDuration.seconds(30)
    /// Longest `max_segment`: it sets the target duration and so how long requests may block.
    static let maximumMaxSegment = ConfigDuration.seconds(60)

    /// Cross-option checks of a route's `hls` entry (defaults already filled).
    ///
    /// Besides the ordering of `part`, `segment` and `max_segment`, the window must hold at least
    /// three target durations of media: RFC 8216bis 6.2.2 forbids removing a segment from a live
    /// playlist when that leaves it shorter, and players start three target durations from the end.
    static func validate(_ options: OptionValues) -> [OptionIssue] {
        var issues: [OptionIssue] = []
        guard let segment = options.duration("segment"), let part = options.duration("part") else { return issues }
        if segment > maximumSegment {
            issues.append(OptionIssue(key: "segment", "must be at most \(maximumSegment), found \(segment)"))
        }
        if part < minimumPart {
            issues.append(OptionIssue(key: "part", "must be at least \(minimumPart), found \(part)"))
        } else if part >= segment {
            issues.append(OptionIssue(key: "part", "must be shorter than segment (\(segment)), found \(part)"))
        }
        if let maxSegment = options.duration("max_segment") {
            if maxSegment < segment {
                issues.append(OptionIssue(key: "max_segment", "must not be shorter than segment (\(segment)), found \(maxSegment)"))
            } else if maxSegment > maximumMaxSegment {
                issues.append(OptionIssue(key: "max_segment", "must be at most \(maximumMaxSegment), found \(maxSegment)"))
            }
        }
        guard issues.isEmpty, let window = options.integer("window") else { return issues }
        let settings = HLSSettings(options: options)
        let needed = Int64(3 * settings.targetDuration) * 1_000_000
        let (listed, overflow) = segment.microseconds.multipliedReportingOverflow(by: Int64(window))
        if !overflow, listed < needed {
            let minimum = (needed + segment.microseconds - 1) / max(1, segment.microseconds)
            issues.append(OptionIssue(
                key: "window",
                "\(window) segments of \(segment) are shorter than three target durations "
                    + "(\(3 * settings.targetDuration)s); use at least \(minimum)"))
        }
        return issues
    }
}
