import NIOCore
import Synchronization

/// One live stream's spine: a single publisher, many subscribers.
///
/// The chain builder declares the stream's tracks; the ingest session publishes formats and
/// packets; processing modules subscribe and publish renditions onto declared tracks of their
/// own; outputs subscribe and package. Segment boundaries are decided here, once, by the
/// stream's ``SegmentClock``, so every subscriber cuts at the same media time. Publishing never
/// blocks: each subscriber has its own bounded queue.
public final class StreamBus: Sendable {
    private struct State {
        var tracks: [TrackDeclaration] = []
        var formats: [TrackID: TrackFormat] = [:]
        var subscribers: [ObjectIdentifier: StreamSubscription] = [:]
        var consumers: [any StreamConsumer] = []

        /// Hands an event to the inline consumers, then to every subscriber's queue.
        ///
        /// Only a queued packet can wait long enough for its payload to matter: that one is
        /// compacted, once for all subscribers, and only when there are any.
        func deliver(_ event: StreamEvent, resumeKeyframe: Bool) {
            for consumer in consumers { consumer.consume(event) }
            guard !subscribers.isEmpty else { return }
            var queued = event
            if case .packet(var packet) = event {
                packet.data = StreamBus.compacted(packet.data)
                queued = .packet(packet)
            }
            for subscriber in subscribers.values { subscriber.enqueue(queued, resumeKeyframe: resumeKeyframe) }
        }
        var clock: SegmentClock
        var ended = false
        /// Added to every packet's decode time so a returning publisher's timeline continues
        /// after what viewers already have.
        var offset: MediaTime?
        var rebasePending = false
        /// First audio packet seen while waiting for video to lead.
        var audioLeadWaitStart: MediaTime?
        /// End of the latest media published, on the bus timeline.
        var end: MediaTime?
        /// End of the latest media presented: with B-frames the last picture shown is not the
        /// last one decoded, and a returning publisher must continue after both.
        var presentationEnd: MediaTime?
        var lastPublish: ContinuousClock.Instant?
        var packetsPublished: Int64 = 0
        var bitrate = BitrateMeter()
        var bitrateLimit: Int64 = 0
        var onBitrateExceeded: (@Sendable (Int64) -> Void)?
        var videoFrames: Int64 = 0
        var audioFrames: Int64 = 0
        var lastKeyframe: MediaTime?
        var keyframeInterval: MediaTime?
        var bytesPublished: Int64 = 0
    }

    public let path: String
    private let state: Mutex<State>

    public init(path: String, policy: SegmentationPolicy) {
        self.path = path
        self.state = Mutex(State(clock: SegmentClock(policy: policy)))
    }

    /// Declares a track slot; normally done by the chain builder before the publisher starts.
    public func declare(_ track: TrackDeclaration) {
        state.withLock { s in
            if !s.tracks.contains(where: { $0.id == track.id }) { s.tracks.append(track) }
        }
    }

    public var tracks: [TrackDeclaration] { state.withLock { $0.tracks } }

    public func format(of track: TrackID) -> TrackFormat? { state.withLock { $0.formats[track] } }

    /// The first declared track of `kind` in `rendition`.
    public func track(kind: MediaKind, rendition: String = "source") -> TrackDeclaration? {
        state.withLock { $0.tracks.first { $0.kind == kind && $0.rendition == rendition } }
    }

    public var isEnded: Bool { state.withLock { $0.ended } }

    /// The part target the clock fixed, once it has.
    public var partTarget: MediaTime? { state.withLock { $0.clock.partTarget } }

    public var policy: SegmentationPolicy { state.withLock { $0.clock.policy } }

    /// Sets a track's format. An identical format re-sent by the publisher changes nothing; a
    /// changed one is announced and cuts a new segment with a discontinuity at the lead track's
    /// next packet.
    ///
    /// - Returns: whether the format changed.
    /// - Throws: when the format cannot be packaged (see ``TrackFormat/validated()``); the
    ///   track keeps the format it had.
    @discardableResult
    public func publish(format unchecked: TrackFormat, for track: TrackID) throws(TrackFormat.Invalid) -> Bool {
        let format = try unchecked.validated()
        return state.withLock { s in
            guard !s.ended, s.tracks.contains(where: { $0.id == track }) else { return false }
            let previous = s.formats[track]
            if previous == format { return false }
            s.formats[track] = format
            if previous != nil { s.clock.requestCut(discontinuity: true) }
            s.deliver(.format(track, format), resumeKeyframe: false)
            return true
        }
    }

    /// Marks a timestamp jump: the next segment starts with a discontinuity.
    public func publishDiscontinuity() {
        state.withLock { $0.clock.requestCut(discontinuity: true) }
    }

    /// A new publisher continues this stream (a broadcaster reconnecting, or taking over a
    /// stale session): its timestamps are rebased to follow the media already published, and
    /// the next segment starts with a discontinuity.
    public func beginSession() {
        state.withLock { s in
            s.rebasePending = true
            s.clock.requestCut(discontinuity: true)
        }
    }

    /// Calls `onExceeded` (once per call of this method) when the ingest bitrate, averaged
    /// over a few seconds, goes over `bitsPerSecond`; 0 removes the limit.
    public func limitBitrate(_ bitsPerSecond: Int64, onExceeded: @escaping @Sendable (Int64) -> Void) {
        state.withLock { s in
            s.bitrateLimit = bitsPerSecond
            s.onBitrateExceeded = bitsPerSecond > 0 ? onExceeded : nil
            s.bitrate = BitrateMeter()
        }
    }

    /// When the last packet was published, if any.
    public var lastPublish: ContinuousClock.Instant? { state.withLock { $0.lastPublish } }

    /// Publishes one packet, preceded by any boundary the clock decides on.
    public func publish(_ incoming: MediaPacket) {
        // Reactions to a packet (the bitrate limit disconnecting its publisher) run after the
        // lock is released: they may re-enter the bus through the ingest session they close.
        var overLimit: (handler: @Sendable (Int64) -> Void, rate: Int64)?
        defer { overLimit.map { $0.handler($0.rate) } }
        state.withLock { s in
            guard !s.ended, let format = s.formats[incoming.track] else { return }
            var packet = incoming
            let scale = packet.dts.timescale
            if s.rebasePending {
                s.rebasePending = false
                s.offset = Self.rebaseOffset(first: packet, after: s.end, presented: s.presentationEnd)
            }
            if let offset = s.offset {
                packet.dts.ticks += offset.converted(to: scale).ticks
            }
            let duration = Int64(max(packet.duration, 0))
            let end = MediaTime(ticks: packet.dts.ticks + duration, timescale: scale)
            if s.end.map({ $0 < end }) ?? true { s.end = end }
            let presented = MediaTime(ticks: packet.pts.ticks + duration, timescale: scale)
            if s.presentationEnd.map({ $0 < presented }) ?? true { s.presentationEnd = presented }
            s.lastPublish = .now
            if format.kind == .video {
                s.videoFrames += 1
                if packet.isKeyframe {
                    if let last = s.lastKeyframe { s.keyframeInterval = packet.dts - last }
                    s.lastKeyframe = packet.dts
                }
            } else {
                s.audioFrames += 1
            }
            let lead = s.clock.leadTrack ?? Self.leadCandidate(for: packet, &s)
            let sampleDuration = format.kind == .audio ? Int64(packet.duration) : 0
            var events = s.clock.events(before: packet, leadCandidate: lead, sampleDuration: sampleDuration)
            if !events.isEmpty {
                let now = ContinuousClock.now
                for i in events.indices {
                    if case .boundary(var boundary) = events[i] {
                        boundary.decidedAt = now
                        events[i] = .boundary(boundary)
                    }
                }
            }
            s.packetsPublished += 1
            s.bytesPublished += Int64(packet.data.readableBytes)
            let rate = s.bitrate.add(bytes: packet.data.readableBytes, at: .now)
            if s.bitrateLimit > 0, let rate, rate > s.bitrateLimit, let exceeded = s.onBitrateExceeded {
                s.onBitrateExceeded = nil
                overLimit = (exceeded, rate)
            }
            let resumes = packet.isKeyframe && (format.kind == .video || !s.formats.values.contains { $0.kind == .video })
            for event in events { s.deliver(event, resumeKeyframe: false) }
            s.deliver(.packet(packet), resumeKeyframe: resumes)
        }
    }

    /// Ends the stream: subscribers receive `.end` after what is queued.
    public func end() {
        state.withLock { s in
            guard !s.ended else { return }
            s.ended = true
            s.deliver(.end, resumeKeyframe: false)
            s.subscribers.removeAll()
            s.consumers.removeAll()
        }
    }

    /// Attaches a consumer that runs in the publisher's call; like a subscription, it starts
    /// with the current formats.
    public func attach(_ consumer: any StreamConsumer) {
        state.withLock { s in
            for track in s.tracks {
                if let format = s.formats[track.id] { consumer.consume(.format(track.id, format)) }
            }
            if let target = s.clock.partTarget { consumer.consume(.partTarget(target)) }
            if s.ended {
                consumer.consume(.end)
            } else {
                s.consumers.append(consumer)
            }
        }
    }

    /// Subscribes; the subscription starts with the current formats, before any packet.
    public func subscribe(policy: SubscriberPolicy = .live) -> StreamSubscription {
        let subscription = StreamSubscription(policy: policy) { [weak self] subscription in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: ObjectIdentifier(subscription)) }
        }
        state.withLock { s in
            for track in s.tracks {
                if let format = s.formats[track.id] { subscription.enqueue(.format(track.id, format), resumeKeyframe: false) }
            }
            if let target = s.clock.partTarget { subscription.enqueue(.partTarget(target), resumeKeyframe: false) }
            if s.ended {
                subscription.enqueue(.end, resumeKeyframe: false)
            } else {
                s.subscribers[ObjectIdentifier(subscription)] = subscription
            }
        }
        return subscription
    }

    /// What has been published so far, for metrics.
    public var statistics: StreamStatistics {
        state.withLock { s in
            StreamStatistics(
                packets: s.packetsPublished, bytes: s.bytesPublished, videoFrames: s.videoFrames,
                audioFrames: s.audioFrames, keyframeInterval: s.keyframeInterval,
                droppedBySubscribers: s.subscribers.values.reduce(0) { $0 + $1.droppedPackets })
        }
    }

    /// The step a returning publisher's timeline continues after the previous one's last media.
    static let rebaseStep = MediaTime(ticks: 20, timescale: 1_000)

    /// What to add to a returning publisher's times, from its first packet, so that its media
    /// follows what viewers already have in decode order and in presentation order alike.
    ///
    /// Decode times continue one ``rebaseStep`` after the previous session's last decode end.
    /// Presentation must continue after the previous session's last picture shown too, which
    /// with B-frames pending at the drop is later than its last decode time. The first packet's
    /// decode time (or its presentation time, if earlier) is taken as the lower bound of what the
    /// new session presents, since a frame with a non-negative composition offset is not shown
    /// before it is decoded: even a picture reordered before the first one is then shown after
    /// everything of the previous session.
    ///
    /// - Parameters:
    ///   - first: the new session's first packet, not yet rebased.
    ///   - end: the previous session's last decode end on the bus timeline, if any.
    ///   - presented: the previous session's last presentation end on the bus timeline, if any.
    static func rebaseOffset(first: MediaPacket, after end: MediaTime?, presented: MediaTime?) -> MediaTime {
        let scale = first.dts.timescale
        let step = rebaseStep.converted(to: scale).ticks
        // Rounded up: a previous end in a finer timescale must not land after the resume point.
        func ceiling(_ time: MediaTime?) -> Int64 {
            time.map { -MediaTime.rescale(-$0.ticks, from: $0.timescale, to: scale) } ?? 0
        }
        let decodeResume = ceiling(end) + step
        let presentResume = ceiling(presented) + step
        let firstShown = first.dts.ticks + min(Int64(first.compositionOffset), 0)
        let offset = max(decodeResume - first.dts.ticks, presentResume - firstShown)
        return MediaTime(ticks: offset, timescale: scale)
    }

    /// A payload that pins a much larger buffer (a socket read, a reassembled PES) is copied out,
    /// so packets waiting in subscriber queues do not hold whole reads alive. Done here, once,
    /// for every ingest; inline consumers copy what they keep and get the payload as it came.
    static func compacted(_ payload: ByteBuffer) -> ByteBuffer {
        guard payload.storageCapacity > 2 * payload.readableBytes + 4096 else { return payload }
        var copy = ByteBufferAllocator().buffer(capacity: payload.readableBytes)
        var source = payload
        copy.writeBuffer(&source)
        return copy
    }

    /// The track segmentation should follow: video when the stream has it.
    ///
    /// Muxers do not always send video first (GStreamer's mpegtsmux completes an audio PES
    /// before the first video one), so while a video track is declared but its format unknown,
    /// audio may only lead once it has run for ``videoGrace`` without video: an audio-only
    /// publish still starts, and a normal one is never cut by audio timing.
    private static func leadCandidate(for packet: MediaPacket, _ s: inout State) -> TrackID? {
        if let video = s.tracks.first(where: { $0.kind == .video && s.formats[$0.id] != nil }) { return video.id }
        guard let audio = s.tracks.first(where: { $0.kind == .audio && s.formats[$0.id] != nil }) else { return nil }
        guard s.tracks.contains(where: { $0.kind == .video }), packet.track == audio.id else { return audio.id }
        let waitStart = s.audioLeadWaitStart ?? packet.dts
        s.audioLeadWaitStart = waitStart
        return packet.dts - waitStart >= videoGrace ? audio.id : nil
    }

    /// How long audio waits for a declared video track before it leads segmentation alone.
    static let videoGrace = MediaTime(ticks: 1, timescale: 1)
}
