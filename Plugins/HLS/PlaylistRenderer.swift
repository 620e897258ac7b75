public import WeirCore

/// Renders HLS playlists as pure functions of a ``WindowSnapshot``.
///
/// The same snapshot always yields the same bytes, which is what lets every viewer released by
/// one new part share one rendering, and caches share responses. Rendering is on the hot path of
/// blocking reloads, so it appends to one pre-sized `String` and uses integer arithmetic only.
public enum PlaylistRenderer {
    /// `EXT-X-VERSION` of every playlist Weir writes.
    public static let version = 9
    /// Hold-backs and part retention are counted in these many target durations (RFC 8216bis 4.4.3.8, 6.2.2).
    static let holdBackTargets = 3

    /// The media playlist (LL-HLS) of one track, or nil if the track is unknown or has no part yet.
    ///
    /// Lists the complete segments from ``TrackWindow/firstListedSequence`` on (the last
    /// ``WindowSnapshot/windowSize`` of them, moved only at segment boundaries so the media
    /// sequence never goes back when the window size changes) and the open one. Segments
    /// that start within three target durations of the end also list their parts; while live, a
    /// preload hint names the next part; every other track with media gets a rendition report.
    /// - Parameters:
    ///   - snapshot: the stream's window.
    ///   - name: the track, e.g. `video`.
    public static func media(_ snapshot: WindowSnapshot, track name: String) -> String? {
        guard let track = snapshot.track(named: name), isReady(track) else { return nil }
        let open = track.current.flatMap { $0.parts.isEmpty ? nil : $0 }
        let listedStart = track.segments.firstIndex { $0.sequence >= track.firstListedSequence } ?? track.segments.endIndex
        let listed = track.segments[listedStart...]
        let targetDuration = max(1, snapshot.targetDuration)
        let partTarget = partTargetMillis(snapshot, track)
        let prefix = track.name + "/" + snapshot.epoch + "/"

        var out = ""
        out.reserveCapacity(512 + listed.count * 64 + 96 * (listed.last?.parts.count ?? 8) * 4)
        out += "#EXTM3U\n#EXT-X-VERSION:"
        out += String(version)
        out += "\n#EXT-X-TARGETDURATION:"
        out += String(targetDuration)
        out += "\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK="
        ManifestNumber.appendSeconds(millis: Int64(holdBackTargets) * partTarget, to: &out)
        out += ",HOLD-BACK="
        out += String(holdBackTargets * targetDuration)
        out += "\n#EXT-X-PART-INF:PART-TARGET="
        ManifestNumber.appendSeconds(millis: partTarget, to: &out)
        out += "\n#EXT-X-MEDIA-SEQUENCE:"
        out += String(listed.first?.sequence ?? open?.sequence ?? 0)
        out += "\n#EXT-X-DISCONTINUITY-SEQUENCE:"
        let unlistedDiscontinuities = track.segments[..<listedStart].reduce(0) { $0 + ($1.discontinuity ? 1 : 0) }
        out += String(track.discontinuitySequence + Int64(unlistedDiscontinuities))
        out += "\n"

        let firstWithParts = firstSegmentWithParts(listed, open: open, targetDuration: targetDuration)
        var previousInit: Int?
        for index in listed.indices {
            let segment = listed[index]
            appendSegment(segment, listParts: index >= firstWithParts, prefix: prefix, previousInit: &previousInit, to: &out)
        }
        if let open {
            appendSegment(open, listParts: true, prefix: prefix, previousInit: &previousInit, to: &out)
        }
        if !snapshot.ended, let hint = nextPart(track, maxParts: snapshot.maxPartsPerSegment) {
            out += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\""
            appendPartURI(prefix: prefix, sequence: hint.sequence, part: hint.part, to: &out)
            out += "\"\n"
        }
        for other in snapshot.tracks where other.name != track.name {
            guard let last = lastPart(other) else { continue }
            out += "#EXT-X-RENDITION-REPORT:URI=\""
            out += other.name
            out += ".m3u8\",LAST-MSN="
            out += String(last.sequence)
            out += ",LAST-PART="
            out += String(last.part)
            out += "\n"
        }
        if snapshot.ended { out += "#EXT-X-ENDLIST\n" }
        return out
    }

    /// Whether the track has media to list: a format and at least one part.
    static func isReady(_ track: TrackWindow) -> Bool {
        track.format != nil && lastPart(track) != nil
    }

    /// The newest part of a track: its segment and index.
    static func lastPart(_ track: TrackWindow) -> (sequence: Int64, part: Int)? {
        if let current = track.current, !current.parts.isEmpty { return (current.sequence, current.parts.count - 1) }
        guard let last = track.segments.last, !last.parts.isEmpty else { return nil }
        return (last.sequence, last.parts.count - 1)
    }

    /// The part the packager will publish next, if the segment in progress is not full.
    static func nextPart(_ track: TrackWindow, maxParts: Int) -> (sequence: Int64, part: Int)? {
        guard let last = lastPart(track) else { return nil }
        if track.current != nil, last.part + 1 < max(1, maxParts) { return (last.sequence, last.part + 1) }
        return (last.sequence + 1, 0)
    }

    /// `PART-TARGET` in whole milliseconds, rounded up so that no part exceeds it.
    ///
    /// The packager fixes it before the first part; should it not have, the longest part listed
    /// stands in so that the playlist still satisfies the part-duration rule.
    static func partTargetMillis(_ snapshot: WindowSnapshot, _ track: TrackWindow) -> Int64 {
        if let target = snapshot.partTarget { return max(1, ManifestNumber.ceilingMillis(target)) }
        var longest: Int64 = 1
        for segment in track.segments {
            for part in segment.parts { longest = max(longest, ManifestNumber.ceilingMillis(part.duration)) }
        }
        for part in track.current?.parts ?? [] { longest = max(longest, ManifestNumber.ceilingMillis(part.duration)) }
        return longest
    }

    /// The index in `listed` from which complete segments list their parts: those that start
    /// within three target durations of the playlist's end (RFC 8216bis 6.2.2).
    static func firstSegmentWithParts(_ listed: ArraySlice<Segment>, open: Segment?, targetDuration: Int) -> Int {
        let limit = Int64(holdBackTargets * targetDuration) * 1_000_000
        var fromEnd = open?.duration.microseconds ?? 0
        var first = listed.endIndex
        for index in listed.indices.reversed() {
            fromEnd += listed[index].duration.microseconds
            guard fromEnd <= limit else { break }
            first = index
        }
        return first
    }

    private static func appendSegment(
        _ segment: Segment, listParts: Bool, prefix: String, previousInit: inout Int?, to out: inout String
    ) {
        let first = previousInit == nil
        if segment.discontinuity { out += "#EXT-X-DISCONTINUITY\n" }
        if previousInit != segment.initNumber {
            out += "#EXT-X-MAP:URI=\""
            out += prefix
            out += "init-"
            out += String(segment.initNumber)
            out += ".mp4\"\n"
            previousInit = segment.initNumber
        }
        if first || segment.discontinuity {
            out += "#EXT-X-PROGRAM-DATE-TIME:"
            ProgramDateTime.append(millisecondsSince1970: segment.programDateTime, to: &out)
            out += "\n"
        }
        if listParts {
            for part in segment.parts {
                out += "#EXT-X-PART:DURATION="
                ManifestNumber.appendSeconds(millis: ManifestNumber.roundedMillis(part.duration), to: &out)
                out += ",URI=\""
                appendPartURI(prefix: prefix, sequence: segment.sequence, part: part.index, to: &out)
                out += part.isGap ? "\",GAP=YES\n" : part.independent ? "\",INDEPENDENT=YES\n" : "\"\n"
            }
        }
        guard segment.isComplete else { return }
        // A track with no media for a segment's time lists a gap, which players do not load,
        // rather than skip the number (RFC 8216bis 4.4.4.7).
        if segment.isGap { out += "#EXT-X-GAP\n" }
        out += "#EXTINF:"
        ManifestNumber.appendSeconds(millis: ManifestNumber.roundedMillis(segment.duration), to: &out)
        out += ",\n"
        out += prefix
        out += String(segment.sequence)
        out += ".m4s\n"
    }

    private static func appendPartURI(prefix: String, sequence: Int64, part: Int, to out: inout String) {
        out += prefix
        out += String(sequence)
        out += "."
        out += String(part)
        out += ".m4s"
    }
}
