public import WeirCore

/// The RTMP ingest module: what the host registers and validates configuration against.
///
/// The module has global options only (under `ingest: rtmp:` in the main configuration); routes
/// enable it by naming `rtmp` in their `ingest` list.
public enum RTMPModule {
    public static let defaultListen = ConfigAddress(host: "0.0.0.0", port: 1935)
    public static let defaultChunkSize = 4096
    public static let defaultMaxMessageSize = 8 * 1024 * 1024
    public static let defaultMaxConnectionsPerAddress = 16

    public static let descriptor = ModuleDescriptor(
        name: "rtmp",
        kind: .ingest,
        summary: "RTMP ingest (OBS, ffmpeg, GStreamer): rtmp://HOST/APP/KEY publishes stream path APP/KEY.",
        options: [],
        globalOptions: [
            OptionSpec(
                "listen", type: .address, default: .address(defaultListen), reload: .restart,
                doc: "TCP address the RTMP listener binds."),
            OptionSpec(
                "chunk_size", type: .integer(range: 128...65536), default: .integer(defaultChunkSize),
                reload: .nextPublish,
                doc: "Chunk size the server announces and uses for what it sends, in bytes."),
            OptionSpec(
                "max_message_size", type: .integer(range: 65536...(1 << 30)), default: .integer(defaultMaxMessageSize),
                reload: .nextPublish,
                doc: "Largest RTMP message (one video frame, for example) a publisher may send, in bytes; larger ones close the connection."),
            OptionSpec(
                "handshake_timeout", type: .duration, default: .duration(.seconds(10)), reload: .nextPublish,
                doc: "Time a client has to complete the RTMP handshake; 0 disables the limit."),
            OptionSpec(
                "idle_timeout", type: .duration, default: .duration(.seconds(30)), reload: .nextPublish,
                doc: "A client that sends nothing for this long is disconnected and its publish ends; 0 disables the limit."),
            OptionSpec(
                "max_connections_per_address", type: .integer(range: 0...100_000), default: .integer(defaultMaxConnectionsPerAddress),
                reload: .nextPublish,
                doc: "Most simultaneous RTMP connections from one client address; more are closed at once, logged and counted. 0 means no limit."),
        ]
    )
}
