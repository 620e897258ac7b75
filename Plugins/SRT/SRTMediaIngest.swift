import Logging
import NIOCore
import WeirCore
import WeirFormats

/// Turns one publisher's transport stream into formats and packets on its bus.
///
/// SRT carries MPEG-TS: the demuxer finds the program's elementary streams in any chunking of
/// the bytes, and the adapter builds formats from the in-band parameter sets and ADTS headers
/// and puts both tracks on one timeline. This maps the adapter's video and audio onto the
/// tracks the route declared.
struct SRTMediaIngest {
    let bus: StreamBus
    let videoTrack: TrackID?
    let audioTrack: TrackID?
    var logger: Logger

    private var demuxer = MPEGTSDemuxer()
    private var adapter = MPEGTSMediaAdapter()
    private var scratch = ByteBuffer()
    private var warnedMissingTrack: Set<MediaKind> = []

    init(publication: Publication, logger: Logger) {
        self.bus = publication.bus
        self.videoTrack = publication.sourceTrack(.video)
        self.audioTrack = publication.sourceTrack(.audio)
        self.logger = logger
    }

    mutating func receive(_ bytes: UnsafeRawBufferPointer, counters: inout SRTSessionCounters) {
        scratch.clear()
        scratch.writeBytes(bytes)
        let events = demuxer.feed(scratch)
        if !events.isEmpty {
            publish(adapter.consume(events), counters: &counters)
        }
        update(&counters)
    }

    /// Publishes what the demuxer still holds when the connection ends.
    mutating func flush(counters: inout SRTSessionCounters) {
        publish(adapter.consume(demuxer.flush()), counters: &counters)
        update(&counters)
    }

    private mutating func publish(_ outputs: [MPEGTSMediaAdapter.Output], counters: inout SRTSessionCounters) {
        for output in outputs {
            switch output {
            case .format(let kind, let format):
                guard let track = track(for: kind) else { continue }
                let changed: Bool
                do {
                    changed = try bus.publish(format: format, for: track)
                } catch {
                    logger.warning("ignoring unusable \(kind.rawValue) format", metadata: ["error": "\(error)"])
                    continue
                }
                if changed {
                    logger.info("\(kind.rawValue) format", metadata: [
                        "codec": "\(format.codecString)",
                        "size": "\(format.width)x\(format.height)",
                        "sample_rate": "\(format.sampleRate)",
                        "channels": "\(format.channelCount)",
                    ])
                }
            case .packet(let kind, let sample):
                guard let track = track(for: kind) else { continue }
                bus.publish(sample.packet(track: track))
                switch kind {
                case .video: counters.videoPackets += 1
                case .audio: counters.audioPackets += 1
                }
            case .discontinuity:
                counters.discontinuities += 1
                logger.info("timestamp jump; marking a discontinuity")
                bus.publishDiscontinuity()
            }
        }
    }

    private mutating func track(for kind: MediaKind) -> TrackID? {
        let track = kind == .video ? videoTrack : audioTrack
        if track == nil, warnedMissingTrack.insert(kind).inserted {
            logger.warning("the route declares no \(kind.rawValue) track; dropping \(kind.rawValue)")
        }
        return track
    }

    private func update(_ counters: inout SRTSessionCounters) {
        let transport = demuxer.counters
        counters.transportErrors = transport.ccErrors + transport.transportErrors + transport.crcErrors + transport.resyncs
            + transport.droppedPES
        let media = adapter.counters
        counters.droppedFrames = media.droppedBeforeFormat + media.droppedUntilKeyframe + media.droppedUntimed + media.droppedMalformed
    }
}
