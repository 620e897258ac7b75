import CSRT
import Logging
import NIOCore
import WeirCore
import WeirFormats

/// One connected SRT publisher: its socket, its publication, and what turns its transport
/// stream into the bus's formats and packets.
///
/// Owned by the receive thread, which alone calls it.
final class SRTSession {
    let socket: SRTSOCKET
    let path: StreamPath
    let routeName: String
    let remoteAddress: String
    let connectedAt: ContinuousClock.Instant
    private(set) var lastReceived: ContinuousClock.Instant
    private(set) var counters = SRTSessionCounters()
    private(set) var statistics = SRTStatistics()
    private var publication: Publication?
    private var publisher: MPEGTSPublisher
    /// Reused for every message, so receiving allocates nothing in the steady state.
    private var scratch = ByteBuffer()
    var logger: Logger

    init(socket: SRTSOCKET, path: StreamPath, routeName: String, remoteAddress: String, publication: Publication, logger: Logger) {
        self.socket = socket
        self.path = path
        self.routeName = routeName
        self.remoteAddress = remoteAddress
        self.connectedAt = .now
        self.lastReceived = connectedAt
        self.publication = publication
        self.logger = logger
        self.publisher = MPEGTSPublisher(publication: publication)
    }

    var snapshot: SRTSessionSnapshot {
        SRTSessionSnapshot(
            id: socket, path: path, routeName: routeName, remoteAddress: remoteAddress, connectedAt: connectedAt,
            lastReceived: lastReceived, statistics: statistics, counters: counters)
    }

    /// One SRT message: normally seven 188-byte TS packets, but any size is taken.
    func receive(_ message: UnsafeRawBufferPointer) {
        guard publication != nil else { return }
        counters.messages += 1
        counters.bytes &+= UInt64(message.count)
        scratch.clear()
        scratch.writeBytes(message)
        MPEGTSPublisher.log(publisher.feed(scratch), to: logger)
        counters.media = publisher.counters
    }

    /// Marks the time of the latest message; called once per wake-up rather than per message.
    func touch(_ now: ContinuousClock.Instant) {
        lastReceived = now
    }

    /// Reads libsrt's statistics of the connection.
    ///
    /// - Returns: false when libsrt no longer knows the socket.
    func sampleStatistics() -> Bool {
        var performance = SRT_TRACEBSTATS()
        guard srt_bstats(socket, &performance, 0) == 0 else { return false }
        statistics = SRTStatistics(performance)
        return true
    }

    /// Ends the publication, once.
    ///
    /// - Parameters:
    ///   - reason: for the log.
    ///   - lost: the connection broke rather than the server ending it; the event then waits for
    ///     the publisher to come back as its route says.
    func end(reason: String, lost: Bool) {
        guard let publication else { return }
        self.publication = nil
        MPEGTSPublisher.log(publisher.finish(), to: logger)
        counters.media = publisher.counters
        if lost { publication.connectionLost() } else { publication.finish() }
        logger.info("SRT publish ended", metadata: [
            "reason": "\(reason)",
            "bytes_in": "\(counters.bytes)",
            "video_packets": "\(counters.media.videoPackets)",
            "audio_packets": "\(counters.media.audioPackets)",
            "discontinuities": "\(counters.media.discontinuities)",
            "transport_errors": "\(counters.media.errors)",
            "dropped_frames": "\(counters.media.dropped)",
            "rtt_ms": "\(statistics.roundTripMilliseconds)",
            "packets_lost": "\(statistics.packetsLost)",
            "packets_retransmitted": "\(statistics.packetsRetransmitted)",
            "packets_dropped": "\(statistics.packetsDropped)",
        ])
    }
}
