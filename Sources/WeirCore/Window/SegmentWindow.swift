public import NIOCore
import Synchronization

/// The in-memory live window of one stream: init segments, segments and parts of every track.
///
/// A packager writes it; HLS (and later DASH) read snapshots of it and wait on it for blocking
/// playlist reloads. The window keeps ``WindowSnapshot/windowSize`` complete segments plus a few
/// more for viewers that are a little behind, and stays readable after the event ends.
public final class SegmentWindow: Sendable {
    private struct Waiter {
        var continuation: CheckedContinuation<Void, Never>
        var deadline: ContinuousClock.Instant
    }

    private struct State {
        var snapshot: WindowSnapshot
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
        var sweeping = false
        var partDelay = LatencyHistogram()
    }

    public let path: String
    public let epoch: String
    /// Complete segments kept beyond the listed window for viewers still fetching them.
    public static let extraSegments = 4
    private let state: Mutex<State>

    /// - Parameters:
    ///   - path: stream path, `APP/KEY`.
    ///   - epoch: publish epoch token for URIs.
    ///   - startedAt: wall-clock start, milliseconds since 1970.
    ///   - targetDuration: `EXT-X-TARGETDURATION`, whole seconds.
    ///   - windowSize: complete segments listed in a playlist.
    ///   - maxPartsPerSegment: upper bound of parts in one segment.
    public init(path: String, epoch: String, startedAt: Int64, targetDuration: Int, windowSize: Int, maxPartsPerSegment: Int) {
        self.path = path
        self.epoch = epoch
        self.state = Mutex(State(snapshot: WindowSnapshot(
            path: path, epoch: epoch, startedAt: startedAt, targetDuration: targetDuration, partTarget: nil,
            windowSize: max(1, windowSize), maxPartsPerSegment: max(1, maxPartsPerSegment),
            ended: false, version: 0, tracks: [])))
    }

    /// Makes a publish epoch token from a wall-clock time (base 36 of milliseconds).
    public static func epochToken(millisecondsSince1970: Int64) -> String {
        String(max(0, millisecondsSince1970), radix: 36)
    }

    public func snapshot() -> WindowSnapshot { state.withLock { $0.snapshot } }

    public var isEnded: Bool { state.withLock { $0.snapshot.ended } }

    // MARK: Writing (the packager)

    public func addTrack(name: String, kind: MediaKind, rendition: String) {
        mutate { s in
            if !s.tracks.contains(where: { $0.name == name }) {
                s.tracks.append(TrackWindow(name: name, kind: kind, rendition: rendition))
            }
        }
    }

    public func setPartTarget(_ target: MediaTime) {
        mutate { s in if s.partTarget == nil { s.partTarget = target } }
    }

    /// Adds a new init segment for a track and returns its number.
    @discardableResult
    public func addInit(track: String, format: TrackFormat, data: ByteBuffer) -> Int {
        var number = 0
        mutate { s in
            guard let t = s.tracks.firstIndex(where: { $0.name == track }) else { return }
            number = (s.tracks[t].inits.last?.number ?? -1) + 1
            s.tracks[t].inits.append(InitSegment(number: number, format: format, data: data))
        }
        return number
    }

    /// Appends a part to the track's segment `sequence`, opening that segment (and closing the
    /// previous one) if needed.
    ///
    /// - Parameters:
    ///   - gap: the part stands for time the track has no media for; `data` is then empty.
    public func appendPart(
        track: String, sequence: Int64, discontinuity: Bool, programDateTime: Int64, startTime: MediaTime,
        duration: MediaTime, independent: Bool, gap: Bool = false, data: ByteBuffer
    ) {
        mutate { s in
            guard let t = s.tracks.firstIndex(where: { $0.name == track }) else { return }
            if let current = s.tracks[t].current, current.sequence != sequence {
                Self.complete(&s.tracks[t], windowSize: s.windowSize)
            }
            if s.tracks[t].current == nil {
                let initNumber = s.tracks[t].inits.last?.number ?? 0
                s.tracks[t].current = Segment(
                    sequence: sequence, initNumber: initNumber, discontinuity: discontinuity,
                    programDateTime: programDateTime, startTime: startTime)
            }
            let index = s.tracks[t].current?.parts.count ?? 0
            s.partsProduced += 1
            s.tracks[t].current?.parts.append(Part(index: index, duration: duration, independent: independent, isGap: gap, data: data))
        }
    }

    /// Records how long after the closing packet arrived a part became available.
    public func recordPartDelay(_ delay: Duration) {
        state.withLock { $0.partDelay.record(delay) }
    }

    /// Production statistics: part availability delay, parts and segments made.
    public var production: (partDelay: LatencyHistogram, parts: Int64, segments: Int64) {
        state.withLock { ($0.partDelay, $0.snapshot.partsProduced, $0.snapshot.segmentsProduced) }
    }

    /// Completes the track's segment in progress.
    public func closeSegment(track: String) {
        mutate { s in
            guard let t = s.tracks.firstIndex(where: { $0.name == track }) else { return }
            Self.complete(&s.tracks[t], windowSize: s.windowSize)
        }
    }

    /// Changes how many complete segments playlists list; it takes effect as segments complete.
    public func setWindowSize(_ size: Int) {
        mutate { s in s.windowSize = max(1, size) }
    }

    /// Ends the event: open segments complete, waiters are released, the window stays readable.
    public func end() {
        mutate { s in
            for t in s.tracks.indices { Self.complete(&s.tracks[t], windowSize: s.windowSize) }
            s.ended = true
        }
    }

    private func mutate(_ body: (inout WindowSnapshot) -> Void) {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { s in
            body(&s.snapshot)
            s.snapshot.version &+= 1
            let waiting = s.waiters.values.map(\.continuation)
            s.waiters.removeAll(keepingCapacity: true)
            return waiting
        }
        for waiter in waiters { waiter.resume() }
    }

    private static func complete(_ track: inout TrackWindow, windowSize: Int) {
        guard var segment = track.current else { return }
        track.current = nil
        guard !segment.parts.isEmpty else { return }
        track.segmentsProduced += 1
        // Join the parts once and re-point them at slices of the joined bytes, so each byte of
        // the window is held once.
        let total = segment.parts.reduce(0) { $0 + $1.data.readableBytes }
        var joined = ByteBufferAllocator().buffer(capacity: total)
        var offsets: [Int] = []
        for part in segment.parts {
            offsets.append(joined.writerIndex)
            var bytes = part.data
            joined.writeBuffer(&bytes)
        }
        for i in segment.parts.indices {
            let length = segment.parts[i].data.readableBytes
            if let slice = joined.getSlice(at: offsets[i], length: length) { segment.parts[i].data = slice }
        }
        segment.data = joined
        segment.isComplete = true

        let micros = segment.duration.microseconds
        // A gap carries no media: it says nothing about the track's bitrate.
        if micros > 0, !segment.isGap {
            let bitrate = Int64(total) * 8 * 1_000_000 / micros
            track.peakBitrate = max(track.peakBitrate, bitrate)
            track.totalBytes += Int64(total)
            track.totalMicros += micros
            track.averageBitrate = track.totalBytes * 8 * 1_000_000 / max(1, track.totalMicros)
        }
        track.segments.append(segment)
        track.firstListedSequence = max(track.firstListedSequence, segment.sequence - Int64(windowSize) + 1)
        let keep = windowSize + extraSegments
        if track.segments.count > keep {
            let evicted = track.segments.prefix(track.segments.count - keep)
            track.discontinuitySequence += Int64(evicted.filter(\.discontinuity).count)
            track.segments.removeFirst(evicted.count)
            let oldestInit = track.segments.first?.initNumber ?? 0
            let newestInit = track.inits.last?.number
            track.inits.removeAll { $0.number < oldestInit && $0.number != newestInit }
        }
    }

    // MARK: Waiting (blocking playlist reload)

    /// Waits until the window changes after `version`, it ends, or `deadline` passes.
    ///
    /// Live windows change several times a second and every change releases every waiter, so
    /// deadlines only matter when a stream stalls: one sweeper per window, running only while
    /// someone waits, releases expired waiters instead of a timer per request.
    ///
    /// - Returns: false if the deadline passed first.
    public func waitForChange(after version: UInt64, deadline: ContinuousClock.Instant) async -> Bool {
        let id: UInt64 = state.withLock { s in
            s.nextWaiter &+= 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let (ready, startSweeper) = state.withLock { s -> (Bool, Bool) in
                    if s.snapshot.version != version || s.snapshot.ended || ContinuousClock.now >= deadline { return (true, false) }
                    s.waiters[id] = Waiter(continuation: continuation, deadline: deadline)
                    defer { s.sweeping = true }
                    return (false, !s.sweeping)
                }
                if ready { continuation.resume() }
                if startSweeper { Task { await self.sweep() } }
            }
        } onCancel: {
            self.release(id)
        }
        return state.withLock { $0.snapshot.version != version || $0.snapshot.ended }
    }

    private func sweep() async {
        while true {
            try? await Task.sleep(for: Self.sweepInterval)
            let now = ContinuousClock.now
            let (expired, done) = state.withLock { s -> ([CheckedContinuation<Void, Never>], Bool) in
                let ids = s.waiters.filter { $0.value.deadline <= now }.map(\.key)
                let expired = ids.compactMap { s.waiters.removeValue(forKey: $0)?.continuation }
                if s.waiters.isEmpty { s.sweeping = false }
                return (expired, s.waiters.isEmpty)
            }
            for waiter in expired { waiter.resume() }
            if done { return }
        }
    }

    /// How late a stalled stream's waiting request may be answered.
    static let sweepInterval = Duration.milliseconds(100)

    private func release(_ id: UInt64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume()
    }
}
