import WeirCore

/// The rules of blocking playlist reload (RFC 8216bis 6.2.5.2) against one track's window.
enum BlockingReload {
    /// Why a request is refused at once with 400, or nil if it may wait.
    ///
    /// Checked against the playlist when the request arrives: `_HLS_msn` more than two beyond the
    /// newest segment; a part index beyond the most parts a segment can hold; or a part that is
    /// more than the Advance Part Limit (three seconds' worth of part targets, or three parts when
    /// the target is a second or more) beyond the newest part. Beyond the newest segment the exact
    /// distance is not known yet, so the fewest parts it could be away is used.
    static func refusal(_ directives: DeliveryDirectives, track: TrackWindow, snapshot: WindowSnapshot) -> String? {
        guard let msn = directives.msn, let last = PlaylistRenderer.lastPart(track) else { return nil }
        if msn > last.sequence + 2 {
            return "_HLS_msn \(msn) is more than two beyond the last media sequence number \(last.sequence)"
        }
        guard let part = directives.part else { return nil }
        if part > max(1, snapshot.maxPartsPerSegment) {
            return "_HLS_part \(part) is beyond the \(snapshot.maxPartsPerSegment) parts a segment can have"
        }
        let ahead: Int64 = msn > last.sequence ? (msn - last.sequence) + Int64(part) : msn == last.sequence ? Int64(part - last.part) : 0
        let targetMicros = max(1, snapshot.partTarget?.microseconds ?? 1_000_000)
        let (aheadMicros, overflow) = ahead.multipliedReportingOverflow(by: targetMicros)
        let tooFar = targetMicros < 1_000_000 ? overflow || aheadMicros > 3_000_000 : ahead > 3
        if tooFar {
            return "_HLS_part \(part) of segment \(msn) is beyond the advance part limit"
        }
        return nil
    }

    /// Whether the playlist already holds what the directives wait for.
    ///
    /// With `_HLS_part`, the part or any later one; a part index past the last part of a complete
    /// segment means part 0 of the next. Without it, segment `_HLS_msn` (or a later one) complete.
    static func isSatisfied(_ directives: DeliveryDirectives, track: TrackWindow) -> Bool {
        guard let msn = directives.msn else { return true }
        guard let part = directives.part else {
            return (track.segments.last?.sequence ?? Int64.min) >= msn
        }
        guard let last = PlaylistRenderer.lastPart(track) else { return false }
        if last.sequence > msn { return true }
        return last.sequence == msn && part <= last.part
    }
}
