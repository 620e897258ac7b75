import NIOCore
import WeirCore

/// Whether a segment or part of a track can be served now, may appear soon, or never will.
enum MediaAvailability {
    case available(ByteBuffer)
    /// Not there yet but close to the live edge (named by the preload hint, or at most two ahead).
    case upcoming
    /// Evicted, skipped, too far ahead, or past the end of a complete segment.
    case unavailable

    /// How far ahead of the newest part or segment a request may be and still wait.
    static let lookahead: Int64 = 2

    static func segment(_ sequence: Int64, in track: TrackWindow) -> MediaAvailability {
        if let segment = track.segment(sequence) {
            if segment.isComplete, let data = segment.data { return .available(data) }
            return .upcoming
        }
        if let oldest = track.segments.first?.sequence ?? track.current?.sequence, sequence < oldest { return .unavailable }
        let last = track.lastSequence ?? -1
        return sequence - last <= lookahead ? .upcoming : .unavailable
    }

    static func part(_ sequence: Int64, _ index: Int, in track: TrackWindow, maxParts: Int) -> MediaAvailability {
        guard index < max(1, maxParts) else { return .unavailable }
        if let segment = track.segment(sequence) {
            if index < segment.parts.count { return .available(segment.parts[index].data) }
            if segment.isComplete { return .unavailable }
            return Int64(index - (segment.parts.count - 1)) <= lookahead ? .upcoming : .unavailable
        }
        if let oldest = track.segments.first?.sequence ?? track.current?.sequence, sequence < oldest { return .unavailable }
        // A later segment: at least every part up to `index` of it, and one per segment between.
        let last = track.lastSequence ?? -1
        guard sequence > last else { return .unavailable }
        return (sequence - last - 1) + Int64(index) + 1 <= lookahead ? .upcoming : .unavailable
    }
}
