import NIOCore
import RTMP
import SRT
import WeirCore

/// `GET /metrics`: Prometheus text for every stream, the HTTP server, reloads and the process.
///
/// Values are read from the live objects at scrape time, so an ended stream's series simply
/// disappear when its window is released.
struct MetricsHandler: WebHandler {
    let catalog: StreamCatalog
    let http: HTTPStatistics
    let refusals: RefusalCounter
    let httpLimits: HTTPLimits
    let rtmpRefusals: RefusalCounter
    let srtSessions: @Sendable () async -> [SRTSessionSnapshot]
    let reloads: @Sendable () async -> (applied: Int, failed: Int)

    func respond(to request: WebRequest) async -> WebResponse? {
        guard request.path == "/metrics" else { return nil }
        var out = PrometheusText()
        let viewers = http.viewers()
        let bounds = LatencyHistogram.bounds.map { Double($0) / 1_000_000 }
        for stream in catalog.all.sorted(by: { $0.path.description < $1.path.description }) {
            let labels = [("stream", stream.path.description), ("route", stream.routeName)]
            let stats = stream.bus.statistics
            let production = stream.window.production
            let snapshot = stream.window.snapshot()
            out.family("weir_stream_live", "gauge", "1 while the event is live, 0 once ended (ended events stay served for a while).")
            out.sample("weir_stream_live", labels, Int64(stream.isLive ? 1 : 0))
            out.family("weir_stream_publisher_connected", "gauge", "1 while a publisher is attached to the event.")
            out.sample("weir_stream_publisher_connected", labels, Int64(stream.hasPublisher ? 1 : 0))
            out.family("weir_stream_sessions_total", "counter", "Publishing sessions of the event (reconnects and takeovers add one).")
            out.sample("weir_stream_sessions_total", labels, Int64(stream.sessionCount))
            out.family("weir_stream_ingest_bytes_total", "counter", "Media payload bytes received.")
            out.sample("weir_stream_ingest_bytes_total", labels, stats.bytes)
            out.family("weir_stream_ingest_frames_total", "counter", "Frames received, by media kind.")
            out.sample("weir_stream_ingest_frames_total", labels + [("kind", "video")], stats.videoFrames)
            out.sample("weir_stream_ingest_frames_total", labels + [("kind", "audio")], stats.audioFrames)
            out.family("weir_stream_dropped_frames_total", "counter", "Frames dropped because a consumer fell behind.")
            out.sample("weir_stream_dropped_frames_total", labels, stats.droppedBySubscribers)
            if let interval = stats.keyframeInterval {
                out.family("weir_stream_keyframe_interval_seconds", "gauge", "Time between the last two source keyframes.")
                out.sample("weir_stream_keyframe_interval_seconds", labels, interval.secondsForDisplay)
            }
            out.family("weir_stream_bitrate_bits_per_second", "gauge", "Average packaged bitrate, by track.")
            for track in snapshot.tracks where track.format != nil {
                out.sample("weir_stream_bitrate_bits_per_second", labels + [("track", track.name)], track.averageBitrate)
            }
            out.family("weir_stream_viewers", "gauge", "Client addresses that fetched a playlist in the last 15 seconds.")
            out.sample("weir_stream_viewers", labels, Int64(viewers[stream.path.description] ?? 0))
            out.family("weir_stream_parts_total", "counter", "LL-HLS parts produced, all tracks.")
            out.sample("weir_stream_parts_total", labels, production.parts)
            out.family("weir_stream_segments_total", "counter", "Segments completed, all tracks.")
            out.sample("weir_stream_segments_total", labels, production.segments)
            out.family("weir_stream_window_bytes", "gauge", "Bytes of the live window held in memory.")
            out.sample("weir_stream_window_bytes", labels, Int64(snapshot.tracks.reduce(0) { $0 + $1.byteCount }))
            out.family("weir_stream_part_delay_seconds", "histogram", "From the packet that closes a part arriving to the part being listed.")
            let delay = production.partDelay
            out.histogram(
                "weir_stream_part_delay_seconds", labels, boundsSeconds: bounds, counts: delay.counts,
                count: delay.count, sum: Double(delay.sumMicros) / 1_000_000)
            out.family("weir_stream_part_delay_recent_seconds", "summary", "Part delay quantiles over the last 1024 parts.")
            for q in [0.5, 0.99] {
                if let value = delay.quantile(q) {
                    out.sample("weir_stream_part_delay_recent_seconds", labels + [("quantile", String(q))], Double(value) / 1_000_000)
                }
            }
        }

        for session in await srtSessions() {
            let labels = [("stream", session.path.description), ("route", session.routeName), ("remote", session.remoteAddress)]
            let link = session.statistics
            out.family("weir_srt_rtt_seconds", "gauge", "SRT round-trip time of a publishing link.")
            out.sample("weir_srt_rtt_seconds", labels, link.roundTripMilliseconds / 1000)
            out.family("weir_srt_receive_rate_bits_per_second", "gauge", "SRT receive rate of a publishing link.")
            out.sample("weir_srt_receive_rate_bits_per_second", labels, link.receiveRateMbps * 1_000_000)
            out.family("weir_srt_bandwidth_bits_per_second", "gauge", "SRT estimated link bandwidth.")
            out.sample("weir_srt_bandwidth_bits_per_second", labels, link.bandwidthMbps * 1_000_000)
            out.family("weir_srt_packets_lost_total", "counter", "SRT packets reported lost on a publishing link.")
            out.sample("weir_srt_packets_lost_total", labels, link.packetsLost)
            out.family("weir_srt_packets_retransmitted_total", "counter", "SRT packets retransmitted on a publishing link.")
            out.sample("weir_srt_packets_retransmitted_total", labels, link.packetsRetransmitted)
            out.family("weir_srt_packets_dropped_total", "counter", "SRT packets dropped as too late on a publishing link.")
            out.sample("weir_srt_packets_dropped_total", labels, link.packetsDropped)
        }

        let reloads = await reloads()
        out.family("weir_reloads_total", "counter", "Configuration reloads applied.")
        out.sample("weir_reloads_total", [], Int64(reloads.applied))
        out.family("weir_reload_failures_total", "counter", "Configuration reloads refused (invalid files, listeners that could not bind).")
        out.sample("weir_reload_failures_total", [], Int64(reloads.failed))

        out.family("weir_publish_refusals_total", "counter", "Publishes refused or cut off, by reason (no_route, busy, unauthorized, bitrate, publishers).")
        for (reason, count) in refusals.snapshot.sorted(by: { $0.key < $1.key }) {
            out.sample("weir_publish_refusals_total", [("reason", reason)], count)
        }

        out.family("weir_http_requests_total", "counter", "HTTP responses, by status code.")
        for (status, count) in http.statusCounts.sorted(by: { $0.key < $1.key }) {
            out.sample("weir_http_requests_total", [("status", String(status))], count)
        }

        out.family("weir_http_refused_connections_total", "counter", "HTTP connections closed at once because their address had too many (http.max_connections_per_address).")
        out.sample("weir_http_refused_connections_total", [], httpLimits.refusedConnections)

        out.family(
            "weir_rtmp_refused_connections_total", "counter",
            "RTMP connections closed before they could publish, by reason (per_address: rtmp.max_connections_per_address; handshake_timeout: rtmp.handshake_timeout).")
        for reason in RTMPServer.Refusal.allCases {
            out.sample("weir_rtmp_refused_connections_total", [("reason", reason.rawValue)], rtmpRefusals[reason.rawValue])
        }

        let process = ProcessStatistics.read()
        out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
        out.sample("process_resident_memory_bytes", [], process.residentBytes)
        out.family("process_cpu_seconds_total", "counter", "User and system CPU time spent in seconds.")
        out.sample("process_cpu_seconds_total", [], process.cpuSeconds)
        out.family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.")
        out.sample("process_start_time_seconds", [], process.startTimeSeconds)
        out.family("process_open_fds", "gauge", "Open file descriptors.")
        out.sample("process_open_fds", [], Int64(process.openFiles))

        return WebResponse(
            status: 200,
            headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store")],
            body: ByteBuffer(string: out.text))
    }
}
