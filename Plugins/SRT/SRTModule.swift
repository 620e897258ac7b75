public import WeirCore

/// The SRT ingest module: what the host registers and validates configuration against.
///
/// Global options (under `ingest: srt:` in the main configuration) set up the listener; a route
/// that names `srt` in its `ingest` list may add a passphrase, a key length and a latency for
/// the streams it takes:
///
/// ```yaml
/// ingest: [rtmp, { srt: { passphrase: "0123456789", latency: 200ms } }]
/// ```
public enum SRTModule {
    public static let name = "srt"
    public static let defaultListen = ConfigAddress(host: "0.0.0.0", port: 8890)
    public static let defaultLatency = ConfigDuration.milliseconds(120)
    public static let defaultMaxConnections = 256
    public static let defaultIdleTimeout = ConfigDuration.seconds(30)
    /// libsrt's limits on a passphrase, in bytes.
    public static let passphraseLengths = 10...79
    /// Longest receive latency accepted; libsrt takes milliseconds in an `int32_t`.
    public static let maximumLatency = ConfigDuration.seconds(60)

    public static let descriptor = ModuleDescriptor(
        name: name,
        kind: .ingest,
        summary: "SRT ingest (listener): streamid=publish:APP/KEY or #!::r=APP/KEY,m=publish publishes stream path APP/KEY.",
        options: [
            OptionSpec(
                "passphrase", type: .string, reload: .nextPublish,
                doc: "Encrypts the route's SRT streams (AES): publishers must give the same passphrase, 10 to 79 characters. Without it, encrypted publishers are refused."),
            OptionSpec(
                "pbkeylen", type: .enumeration(["0", "16", "24", "32"]), default: .string("0"), reload: .nextPublish,
                doc: "AES key length in bytes when a passphrase is set: 16, 24 or 32 imposes it on the publisher; 0 takes the publisher's choice (16 when it makes none)."),
            OptionSpec(
                "latency", type: .duration, reload: .nextPublish,
                doc: "SRT receive latency for the route's streams, overriding the global `latency`: how long lost packets may take to be retransmitted."),
        ],
        globalOptions: [
            OptionSpec(
                "listen", type: .address, default: .address(defaultListen), reload: .restart,
                doc: "UDP address the SRT listener binds. It is open while at least one route names `srt` in its `ingest`: libsrt's receive thread wakes a hundred times a second even when nobody is connected."),
            OptionSpec(
                "latency", type: .duration, default: .duration(defaultLatency), reload: .nextPublish,
                doc: "Default SRT receive latency (a route may override it); the larger of this and the publisher's latency applies."),
            OptionSpec(
                "max_connections", type: .integer(range: 1...10_000), default: .integer(defaultMaxConnections),
                reload: .nextPublish,
                doc: "Most SRT publishers connected at once; further callers are refused with reason 1402 (overload)."),
            OptionSpec(
                "idle_timeout", type: .duration, default: .duration(defaultIdleTimeout), reload: .nextPublish,
                doc: "A publisher that stays connected but sends no data for this long is disconnected and its publish ends; 0 disables the limit. (libsrt itself drops a peer silent for 5 s.)"),
        ],
        validate: { validate($0) }
    )

    /// Checks of a route's `srt` entry beyond the option types.
    static func validate(_ options: OptionValues) -> [OptionIssue] {
        var issues: [OptionIssue] = []
        if let passphrase = options.string("passphrase") {
            let length = passphrase.utf8.count
            if !passphraseLengths.contains(length) {
                issues.append(OptionIssue(
                    key: "passphrase",
                    "must be \(passphraseLengths.lowerBound) to \(passphraseLengths.upperBound) characters long, found \(length)"))
            }
            if passphrase.utf8.contains(0) {
                issues.append(OptionIssue(key: "passphrase", "must not contain NUL characters"))
            }
        } else if let keyLength = options.string("pbkeylen"), keyLength != "0", options.isExplicit("pbkeylen") {
            issues.append(OptionIssue(key: "pbkeylen", "has no effect without a passphrase"))
        }
        if let latency = options.duration("latency"), latency > maximumLatency {
            issues.append(OptionIssue(key: "latency", "must be at most \(maximumLatency), found \(latency)"))
        }
        return issues
    }
}
