public import WeirCore
import NIOCore

/// Turns a stream bus into CMAF init segments, parts and segments in the stream's window.
///
/// Segments are produced once here and served by every manifest output. The packager obeys
/// the bus's boundaries: segment boundaries cut every track, part boundaries cut the lead track;
/// other tracks cut their own parts once they hold as much as the part target allows. Packets
/// that precede the first segment boundary (audio before the first video keyframe) are dropped,
/// so every track starts together. Once a track has started, it has a segment for every
/// sequence number: one it has no media for (audio that had not arrived when the publisher's
/// connection dropped just after a segment's opening keyframe) is a gap, so that segment N is the
/// same media time on every track, as renditions must be aligned by media sequence number.
///
/// It runs in the publisher's call, as a ``StreamConsumer`` of the bus: a part is in the window
/// by the time the packet that closes it has been published, with no thread hand-off per packet.
/// Only the bus calls it, one event at a time under the bus's lock: that lock guards its state.
public final class StreamPackager: StreamConsumer, @unchecked Sendable {
    let window: SegmentWindow
    /// Wall-clock time (ms since 1970) of the stream's first media instant.
    let startedAt: Int64
    private let onEnd: @Sendable () -> Void
    private var state: State

    /// Attaches to `bus` at once, so nothing published after this returns is missed.
    ///
    /// - Parameters:
    ///   - onEnd: called once the publisher has left and the window has ended.
    public init(bus: StreamBus, window: SegmentWindow, startedAt: Int64, onEnd: @escaping @Sendable () -> Void = {}) {
        self.window = window
        self.startedAt = startedAt
        self.onEnd = onEnd
        self.state = State(tracks: bus.tracks.map { TrackPackager(declaration: $0) })
        for track in bus.tracks {
            window.addTrack(name: track.name, kind: track.kind, rendition: track.rendition)
        }
        bus.attach(self)
    }

    public func consume(_ event: StreamEvent) {
        handle(event, &state)
        guard case .end = event else { return }
        flushAll(&state, at: nil)
        let leadEnd = state.leadEnd
        fillGaps(&state, until: leadEnd)
        window.end()
        onEnd()
    }

    struct State {
        var tracks: [TrackPackager]
        var sequence: Int64 = -1
        var discontinuity = false
        /// The lead's decode time where the current segment starts.
        var segmentStart: MediaTime?
        /// End of the lead's media put into the window so far.
        var leadEnd: MediaTime?
        var leadTrack: TrackID?
        var partTarget: MediaTime?
        /// Lead media time (ms) of the first boundary: program date times count from it.
        var epochMediaMillis: Int64?
        var segmentPDT: Int64 = 0

        func index(of id: TrackID) -> Int? { tracks.firstIndex { $0.declaration.id == id } }
    }

    private func handle(_ event: StreamEvent, _ s: inout State) {
        switch event {
        case .format(let id, let format):
            guard let i = s.index(of: id) else { return }
            let wasKnown = s.tracks[i].hasFormat
            if wasKnown {
                // A changed format ends this track's segment; the bus cuts a new one next.
                s.tracks[i].releaseHeld(endingAt: nil)
                flushPart(&s, i)
                window.closeSegment(track: s.tracks[i].name)
            }
            if let initData = s.tracks[i].setFormat(format) {
                window.addInit(track: s.tracks[i].name, format: format, data: initData)
            }

        case .partTarget(let target):
            s.partTarget = target
            window.setPartTarget(target)

        case .boundary(let boundary):
            s.leadTrack = boundary.leadTrack
            if boundary.kind == .segment {
                flushAll(&s, at: boundary.time)
                fillGaps(&s, until: boundary.time)
                for i in s.tracks.indices { window.closeSegment(track: s.tracks[i].name) }
                s.sequence = boundary.sequence
                s.discontinuity = boundary.discontinuity
                s.segmentStart = boundary.time
                let millis = boundary.time.milliseconds
                if s.epochMediaMillis == nil { s.epochMediaMillis = millis }
                s.segmentPDT = startedAt + millis - (s.epochMediaMillis ?? millis)
                for i in s.tracks.indices where s.tracks[i].awaitingBoundary {
                    for packet in s.tracks[i].takeDeferred() { add(packet, to: i, &s) }
                }
            } else if let i = s.index(of: boundary.leadTrack) {
                s.tracks[i].releaseHeld(endingAt: boundary.time)
                flushPart(&s, i)
            }
            if let decidedAt = boundary.decidedAt, s.sequence >= 0 {
                window.recordPartDelay(ContinuousClock.now - decidedAt)
            }

        case .packet(let packet):
            guard s.sequence >= 0, let i = s.index(of: packet.track), s.tracks[i].hasFormat else { return }
            if s.tracks[i].awaitingBoundary {
                s.tracks[i].deferPacket(packet)
                return
            }
            add(packet, to: i, &s)

        case .end:
            break
        }
    }

    private func add(_ packet: MediaPacket, to i: Int, _ s: inout State) {
        s.tracks[i].add(packet)
        // Tracks other than the lead cut their own parts, never exceeding the part target.
        guard packet.track != s.leadTrack, let target = s.partTarget, let format = s.tracks[i].format else { return }
        let targetTicks = target.converted(to: format.timescale).ticks
        let frame = format.kind == .audio ? s.tracks[i].audioFrameTicks : 0
        if s.tracks[i].currentPartTicks + frame > targetTicks {
            flushPart(&s, i)
        }
    }

    private func flushAll(_ s: inout State, at time: MediaTime?) {
        for i in s.tracks.indices {
            s.tracks[i].releaseHeld(endingAt: time)
            flushPart(&s, i)
        }
    }

    private func flushPart(_ s: inout State, _ i: Int) {
        guard s.sequence >= 0, let part = s.tracks[i].takePart() else { return }
        window.appendPart(
            track: s.tracks[i].name, sequence: s.sequence, discontinuity: s.discontinuity,
            programDateTime: s.segmentPDT, startTime: part.start, duration: part.duration,
            independent: part.independent, data: part.data)
        s.tracks[i].filledSequence = s.sequence
        if s.tracks[i].declaration.id == s.leadTrack { s.leadEnd = part.start + part.duration }
    }

    /// Part lengths for a gap of `duration` ticks: as many as media parts would take, each at
    /// most the part target and all but the last at least 85 % of it, like media parts; the last
    /// is kept at `minimumLast` or more so that no part is listed with a zero duration.
    static func gapParts(duration: Int64, partTicks: Int64, minimumLast: Int64) -> [Int64] {
        guard duration > 0 else { return [] }
        let target = max(1, partTicks)
        let count = (duration + target - 1) / target
        let last = duration - (count - 1) * target
        guard count > 1, last < minimumLast, minimumLast < target else {
            return Array(repeating: target, count: Int(count - 1)) + [last]
        }
        // Take what the last part lacks evenly from the others: a millisecond over several
        // parts keeps each of them well above 85 % of any usable part target.
        let shared = duration - minimumLast
        let each = shared / (count - 1)
        let extra = shared % (count - 1)
        return (0..<(count - 1)).map { $0 < extra ? each + 1 : each } + [minimumLast]
    }

    /// Gives every started track that has nothing in the current segment a gap up to `end`, in
    /// parts no longer than the part target, so its segment numbers stay those of the others.
    private func fillGaps(_ s: inout State, until end: MediaTime?) {
        guard s.sequence >= 0, let start = s.segmentStart, let end else { return }
        for i in s.tracks.indices where s.tracks[i].filledSequence >= 0 && s.tracks[i].filledSequence < s.sequence {
            guard let format = s.tracks[i].format else { continue }
            let scale = format.timescale
            let from = start.converted(to: scale).ticks
            let duration = end.converted(to: scale).ticks - from
            guard duration > 0 else { continue }
            let partTicks = s.partTarget.map { $0.converted(to: scale).ticks } ?? duration
            let millisecond = MediaTime.rescale(1, from: 1_000, to: scale)
            var offset: Int64 = 0
            for length in Self.gapParts(duration: duration, partTicks: partTicks, minimumLast: millisecond) {
                window.appendPart(
                    track: s.tracks[i].name, sequence: s.sequence, discontinuity: s.discontinuity,
                    programDateTime: s.segmentPDT, startTime: MediaTime(ticks: from + offset, timescale: scale),
                    duration: MediaTime(ticks: length, timescale: scale), independent: false, gap: true,
                    data: ByteBuffer())
                offset += length
            }
            s.tracks[i].filledSequence = s.sequence
        }
    }
}
