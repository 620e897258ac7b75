import Logging
import NIOCore
import WeirCore
import WeirFormats

/// Demuxes one session's transport stream and publishes its media onto the stream's bus.
///
/// The demuxer turns bytes into access units, the adapter turns those into formats and
/// samples on one timeline; this maps each kind onto the bus track the route declared for it.
struct TSMediaPipeline {
    private var demuxer = MPEGTSDemuxer()
    private var adapter = MPEGTSMediaAdapter()
    let publication: Publication
    var logger: Logger
    private var formats: [MediaKind: TrackFormat] = [:]
    private var droppedForMissingTrack = 0
    private var warnedMissingTrack: Set<MediaKind> = []
    private var reportedSkipped: Set<MPEGTSStreamType> = []

    init(publication: Publication, logger: Logger) {
        self.publication = publication
        self.logger = logger
    }

    mutating func ingest(_ bytes: ByteBuffer, counters: inout TSSessionCounters) {
        handle(demuxer.feed(bytes), counters: &counters)
    }

    /// Publishes what the demuxer still holds at the end of the stream.
    mutating func finish(counters: inout TSSessionCounters) {
        handle(demuxer.flush(), counters: &counters)
    }

    private mutating func handle(_ events: [MPEGTSDemuxer.Event], counters: inout TSSessionCounters) {
        if !events.isEmpty {
            for event in events {
                if case .program(let streams) = event { announce(streams) }
            }
            for output in adapter.consume(events) {
                publish(output, counters: &counters)
            }
        }
        update(&counters)
    }

    private mutating func publish(_ output: MPEGTSMediaAdapter.Output, counters: inout TSSessionCounters) {
        switch output {
        case .format(let kind, let format):
            guard let track = track(for: kind) else { return }
            do {
                try publication.bus.publish(format: format, for: track)
            } catch {
                counters.dropped += 1
                logger.warning("ignoring unusable \(kind.rawValue) format", metadata: ["error": "\(error)"])
                return
            }
            if formats[kind] != format {
                formats[kind] = format
                var metadata: Logger.Metadata = ["codec": "\(format.codecString)"]
                if kind == .video {
                    metadata["size"] = "\(format.width)x\(format.height)"
                } else {
                    metadata["sample_rate"] = "\(format.sampleRate)"
                    metadata["channels"] = "\(format.channelCount)"
                }
                logger.info("\(kind.rawValue) format", metadata: metadata)
            }
        case .packet(let kind, let sample):
            guard let track = track(for: kind) else { return }
            var packet = sample.packet(track: track)
            packet.data = Self.compacted(packet.data)
            publication.bus.publish(packet)
            if kind == .video { counters.videoPackets += 1 } else { counters.audioPackets += 1 }
        case .discontinuity:
            counters.discontinuities += 1
            logger.info("timestamp discontinuity; marking one in the stream")
            publication.bus.publishDiscontinuity()
        }
    }

    /// The bus track for `kind`, or nil (counted, warned once) when the route declared none.
    private mutating func track(for kind: MediaKind) -> TrackID? {
        if let track = publication.sourceTrack(kind) { return track }
        droppedForMissingTrack += 1
        if warnedMissingTrack.insert(kind).inserted {
            logger.warning("the route declares no \(kind.rawValue) track; dropping \(kind.rawValue)")
        }
        return nil
    }

    private mutating func announce(_ streams: [MPEGTSElementaryStream]) {
        let described = streams.map { "\($0.streamType)@\($0.pid)" }.joined(separator: ", ")
        logger.info("TS program", metadata: ["streams": "\(described)"])
        for stream in streams where stream.codec == nil && reportedSkipped.insert(stream.streamType).inserted {
            logger.notice("skipping a stream Weir does not package", metadata: ["stream_type": "\(stream.streamType)", "pid": "\(stream.pid)"])
        }
    }

    /// Copies the demuxer's and adapter's cumulative counters into the session's.
    private func update(_ counters: inout TSSessionCounters) {
        let d = demuxer.counters
        let a = adapter.counters
        counters.tsPackets = d.packets
        counters.errors = d.resyncs + d.ccErrors + d.crcErrors + d.malformedSections + d.transportErrors + d.oversizedPES
            + d.malformedPES + a.droppedMalformed
        counters.dropped = a.droppedBeforeFormat + a.droppedUntilKeyframe + a.droppedUntimed + a.droppedMalformed + a.ignoredUnits
            + droppedForMissingTrack
    }

    /// A payload that pins a much larger buffer (a receive buffer, a reassembled PES) is copied
    /// out, so packets waiting in subscriber queues do not hold whole reads alive.
    static func compacted(_ payload: ByteBuffer) -> ByteBuffer {
        guard payload.storageCapacity > 2 * payload.readableBytes + 4096 else { return payload }
        var copy = ByteBufferAllocator().buffer(capacity: payload.readableBytes)
        var source = payload
        copy.writeBuffer(&source)
        return copy
    }
}
