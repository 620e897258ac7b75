public import NIOCore
public import WeirCore

/// Publishes one MPEG-TS source (SRT, UDP, TCP, an HTTP push) onto its publication's bus.
///
/// The demuxer turns bytes into access units in any chunking, the adapter turns those into
/// formats and samples on one timeline, and this maps each media kind onto the track the chain
/// declared for it. What an ingest should log comes back as ``Notice``s, so every transport
/// reports the same things the same way.
public struct MPEGTSPublisher {
    /// Something worth a log line.
    public enum Notice: Sendable {
        /// The program's elementary streams, and those Weir does not package.
        case program([MPEGTSElementaryStream], skipped: [MPEGTSElementaryStream])
        /// A new format for a kind (not sent again while it stays the same).
        case format(MediaKind, TrackFormat)
        /// A format the bus refused; its packets are dropped until a usable one comes.
        case unusableFormat(MediaKind, TrackFormat.Invalid)
        /// The chain declared no track of this kind (said once per kind).
        case missingTrack(MediaKind)
        case discontinuity
    }

    /// What the source delivered and lost, cumulative.
    public struct Counters: Sendable, Equatable {
        public var tsPackets = 0
        public var videoPackets = 0
        public var audioPackets = 0
        public var discontinuities = 0
        /// Transport damage: resynchronisations, continuity and CRC errors, damaged packets and PES.
        public var errors = 0
        /// Frames not published: before a format, until a keyframe after loss, untimed, malformed,
        /// or of a kind the chain has no track for.
        public var dropped = 0

        public init() {}

        public static func + (lhs: Counters, rhs: Counters) -> Counters {
            var sum = lhs
            sum.tsPackets &+= rhs.tsPackets
            sum.videoPackets &+= rhs.videoPackets
            sum.audioPackets &+= rhs.audioPackets
            sum.discontinuities &+= rhs.discontinuities
            sum.errors &+= rhs.errors
            sum.dropped &+= rhs.dropped
            return sum
        }
    }

    public let publication: Publication
    private var demuxer = MPEGTSDemuxer()
    private var adapter = MPEGTSMediaAdapter()
    private var formats: [MediaKind: TrackFormat] = [:]
    private var reportedMissing: Set<MediaKind> = []
    private var reportedSkipped: Set<MPEGTSStreamType> = []
    private var published = Counters()

    public init(publication: Publication) {
        self.publication = publication
    }

    public var counters: Counters {
        var c = published
        let d = demuxer.counters
        let a = adapter.counters
        c.tsPackets = d.packets
        c.errors = d.resyncs + d.ccErrors + d.crcErrors + d.malformedSections + d.transportErrors + d.droppedPES + a.droppedMalformed
        c.dropped += a.droppedBeforeFormat + a.droppedUntilKeyframe + a.droppedUntimed + a.droppedMalformed + a.ignoredUnits
        return c
    }

    /// Feeds bytes at any TS packet alignment.
    public mutating func feed(_ bytes: ByteBuffer) -> [Notice] {
        handle(demuxer.feed(bytes))
    }

    /// Publishes what the demuxer still holds when the source ends.
    public mutating func finish() -> [Notice] {
        handle(demuxer.flush())
    }

    private mutating func handle(_ events: [MPEGTSDemuxer.Event]) -> [Notice] {
        guard !events.isEmpty else { return [] }
        var notices: [Notice] = []
        for case .program(let streams) in events {
            let skipped = streams.filter { $0.codec == nil && reportedSkipped.insert($0.streamType).inserted }
            notices.append(.program(streams, skipped: skipped))
        }
        for output in adapter.consume(events) {
            switch output {
            case .format(let kind, let format):
                guard let track = track(for: kind, &notices) else { continue }
                do {
                    try publication.bus.publish(format: format, for: track)
                } catch {
                    notices.append(.unusableFormat(kind, error))
                    continue
                }
                if formats.updateValue(format, forKey: kind) != format { notices.append(.format(kind, format)) }
            case .packet(let kind, let sample):
                guard let track = track(for: kind, &notices) else {
                    published.dropped += 1
                    continue
                }
                publication.bus.publish(sample.packet(track: track))
                if kind == .video { published.videoPackets += 1 } else { published.audioPackets += 1 }
            case .discontinuity:
                published.discontinuities += 1
                notices.append(.discontinuity)
                publication.bus.publishDiscontinuity()
            }
        }
        return notices
    }

    private mutating func track(for kind: MediaKind, _ notices: inout [Notice]) -> TrackID? {
        if let track = publication.sourceTrack(kind) { return track }
        if reportedMissing.insert(kind).inserted { notices.append(.missingTrack(kind)) }
        return nil
    }
}
