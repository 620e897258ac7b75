public import WeirCore
import NIOCore
import Synchronization

/// Turns a stream bus into CMAF init segments, parts and segments in the stream's window.
///
/// Segments are produced once here and served by every manifest output. The packager obeys
/// the bus's boundaries: segment boundaries cut every track, part boundaries cut the lead track;
/// other tracks cut their own parts once they hold as much as the part target allows. Packets
/// that precede the first segment boundary (audio before the first video keyframe) are dropped,
/// so every track starts together.
///
/// It runs in the publisher's call, as a ``StreamConsumer`` of the bus: a part is in the window
/// by the time the packet that closes it has been published, with no thread hand-off per packet.
public final class StreamPackager: StreamConsumer {
    let window: SegmentWindow
    /// Wall-clock time (ms since 1970) of the stream's first media instant.
    let startedAt: Int64
    private let onEnd: @Sendable () -> Void
    private let state: Mutex<State>

    /// Attaches to `bus` at once, so nothing published after this returns is missed.
    ///
    /// - Parameters:
    ///   - onEnd: called once the publisher has left and the window has ended.
    public init(bus: StreamBus, window: SegmentWindow, startedAt: Int64, onEnd: @escaping @Sendable () -> Void = {}) {
        self.window = window
        self.startedAt = startedAt
        self.onEnd = onEnd
        self.state = Mutex(State(tracks: bus.tracks.map { TrackPackager(declaration: $0) }))
        for track in bus.tracks {
            window.addTrack(name: track.name, kind: track.kind, rendition: track.rendition)
        }
        bus.attach(self)
    }

    public func consume(_ event: StreamEvent) {
        let ended = state.withLock { s in
            handle(event, &s)
            guard case .end = event else { return false }
            flushAll(&s, at: nil)
            return true
        }
        if ended {
            window.end()
            onEnd()
        }
    }

    struct State {
        var tracks: [TrackPackager]
        var sequence: Int64 = -1
        var discontinuity = false
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
                for i in s.tracks.indices { window.closeSegment(track: s.tracks[i].name) }
                s.sequence = boundary.sequence
                s.discontinuity = boundary.discontinuity
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
    }
}
