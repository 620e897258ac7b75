public import WeirCore

/// The MPEG-TS ingest module: what the host registers and validates configuration against.
///
/// A route takes MPEG-TS in two ways. HTTP push needs no option: naming `ts` in the route's
/// `ingest` lets `PUT`/`POST /ingest/APP/KEY.ts` publish any path the route matches. UDP and
/// TCP sources carry no stream name, so each route entry may declare `listen` URLs bound to the
/// one stream path given by `stream`.
public enum TSModule {
    public static let defaultIdleTimeout = ConfigDuration.seconds(5)
    /// Large enough for a burst of a few megabits at once (a keyframe of a high-rate stream).
    public static let defaultReceiveBuffer = 4 * 1024 * 1024
    public static let receiveBufferRange = (64 * 1024)...(512 * 1024 * 1024)

    public static let descriptor = ModuleDescriptor(
        name: "ts",
        kind: .ingest,
        summary: "MPEG-TS ingest: udp:// (unicast, multicast) and tcp:// listeners bound to one stream, and HTTP PUT/POST to /ingest/APP/KEY.ts.",
        options: [
            OptionSpec(
                "listen", type: .list(.string), reload: .restart,
                doc: "Sockets that receive a TS stream for `stream`: udp://HOST:PORT (a multicast group address joins the group; add ?interface=ADDR to join on one interface) and tcp://HOST:PORT (one publisher at a time). A reload binds new URLs, closes removed ones and keeps the rest."),
            OptionSpec(
                "stream", type: .string, reload: .nextPublish,
                doc: "The stream path APP/KEY the `listen` sockets publish; required with `listen`, and the route must match it."),
            OptionSpec(
                "idle_timeout", type: .duration, default: .duration(defaultIdleTimeout), reload: .nextPublish,
                doc: "A TS source (UDP, TCP or HTTP) that sends nothing for this long ends its stream; 0 disables the limit for TCP and HTTP, and is not allowed with UDP, whose silence is its only end."),
            OptionSpec(
                "udp_receive_buffer", type: .integer(range: receiveBufferRange), default: .integer(defaultReceiveBuffer),
                reload: .live,
                doc: "Kernel receive buffer of each UDP socket, in bytes, so a burst is not dropped while the server is busy. The size the kernel granted is logged; raise net.core.rmem_max if it is smaller."),
        ],
        validate: validate
    )

    @Sendable
    static func validate(_ options: OptionValues) -> [OptionIssue] {
        var issues: [OptionIssue] = []
        let urls = options.strings("listen") ?? []
        var seen: Set<String> = []
        var hasUDP = false
        for text in urls {
            do {
                let url = try TSListenURL(parsing: text)
                if url.port == 0 {
                    issues.append(OptionIssue(key: "listen", "'\(text)': port 0 is not a fixed port a publisher can send to"))
                }
                if !seen.insert(url.description).inserted {
                    issues.append(OptionIssue(key: "listen", "'\(text)' is listed twice"))
                }
                if url.transport == .udp { hasUDP = true }
            } catch {
                issues.append(OptionIssue(key: "listen", error.description))
            }
        }
        if let stream = options.string("stream") {
            do {
                _ = try StreamPath(stream)
            } catch {
                issues.append(OptionIssue(key: "stream", "invalid stream path '\(stream)': \(error) (write APP/KEY)"))
            }
        } else if !urls.isEmpty {
            issues.append(OptionIssue(key: "listen", "listen needs `stream: APP/KEY`, the path these sockets publish"))
        }
        if hasUDP, options.duration("idle_timeout") == .zero {
            issues.append(OptionIssue(key: "idle_timeout", "a UDP source has no other end than silence: idle_timeout must be above 0"))
        }
        return issues
    }
}
