import WeirCore

/// The schema of the main configuration file and of route files, as data.
///
/// Module sections (`ingest:`, `process:`, `outputs:`) are built from the registered modules'
/// descriptors, so a new module's global options are validated and documented without code here.
enum ConfigSchema {
    /// The default main configuration file.
    static let defaultMainFile = "/etc/weir/weir.yaml"

    /// Log levels in increasing severity, as swift-log names them.
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Keys of the main file.
    ///
    /// - Parameters:
    ///   - modules: The registered modules, whose global options form the module sections.
    static func main(modules: [ModuleDescriptor]) -> [OptionSpec] {
        var specs = [
            OptionSpec(
                "include",
                type: .string,
                default: .string("conf.d"),
                reload: .live,
                doc: "Directory of route files, relative to this file. Every *.yaml in it is read in name order."
            ),
            OptionSpec(
                "log",
                type: .object([
                    OptionSpec(
                        "level",
                        type: .enumeration(logLevels),
                        default: .string("info"),
                        reload: .live,
                        doc: "Least severe message that is logged: trace, debug, info, notice, warning, error or critical."
                    ),
                ]),
                reload: .live,
                doc: "Logging."
            ),
            OptionSpec(
                "http",
                type: .object([
                    OptionSpec(
                        "listen",
                        type: .address,
                        default: .address(ConfigAddress(host: "0.0.0.0", port: 8080)),
                        reload: .restart,
                        doc: "Address of the HTTP server that serves playlists, segments, the API and metrics."
                    ),
                    OptionSpec(
                        "max_connections_per_address",
                        type: .integer(range: 0...1_000_000),
                        default: .integer(1024),
                        reload: .live,
                        doc: "Most simultaneous HTTP connections from one client address; more are closed at once and counted. 0 means no limit. Keep it high when viewers come through a CDN or a large NAT."
                    ),
                    OptionSpec(
                        "idle_timeout",
                        type: .duration,
                        default: .duration(.seconds(60)),
                        reload: .live,
                        doc: "A keep-alive connection with no request for this long is closed."
                    ),
                    OptionSpec(
                        "max_request_target",
                        type: .integer(range: 256...65536),
                        default: .integer(8192),
                        reload: .live,
                        doc: "Longest request target (path and query) in bytes; longer requests get 414."
                    ),
                ]),
                reload: .live,
                doc: "The HTTP server."
            ),
            OptionSpec(
                "limits",
                type: .object([
                    OptionSpec(
                        "max_publishers",
                        type: .integer(range: 1...1_000_000),
                        default: .integer(256),
                        reload: .live,
                        doc: "Most publishers connected at once over all ingests; more are refused and counted."
                    ),
                ]),
                reload: .live,
                doc: "Server-wide limits."
            ),
        ]
        for kind in ModuleKind.allCases {
            let members = modules.filter { $0.kind == kind }.map { module in
                OptionSpec(module.name, type: .object(module.globalOptions), reload: .live, doc: module.summary)
            }
            specs.append(OptionSpec(
                kind.sectionKey,
                type: .object(members),
                reload: .live,
                doc: "Global options of \(kind) modules, one mapping per module name."
            ))
        }
        return specs
    }

    /// Keys of one route. `process` and `outputs` hold module entries, which the loader reads
    /// against each named module's descriptor; their types here are for documentation.
    static let route: [OptionSpec] = [
        OptionSpec(
            "name",
            type: .string,
            required: true,
            reload: .live,
            doc: "Unique name of the route, used in logs and metrics. Letters, digits, '-', '_' and '.'."
        ),
        OptionSpec(
            "match",
            type: .streamPattern,
            required: true,
            reload: .nextPublish,
            doc: "Stream paths this route takes, as a glob: * within a segment, ** across segments, ? one character. The first matching route wins."
        ),
        OptionSpec(
            "ingest",
            type: .list(.string),
            required: true,
            reload: .nextPublish,
            doc: "Ingest modules that may publish to this route, e.g. [rtmp]."
        ),
        OptionSpec(
            "process",
            type: .list(.object([])),
            reload: .nextPublish,
            doc: "Processing modules, in order; each entry is MODULE: { options }."
        ),
        OptionSpec(
            "outputs",
            type: .list(.object([])),
            required: true,
            reload: .nextPublish,
            doc: "Output modules; each entry is MODULE: { options }."
        ),
        OptionSpec(
            "reconnect_window",
            type: .duration,
            default: .duration(.seconds(10)),
            reload: .live,
            doc: "How long an event waits for its broadcaster to come back after the connection drops. A publisher that returns on the same path within it continues the same event: viewers keep their playlists and media sequence, with a discontinuity marked. 0 ends the event at once."
        ),
        OptionSpec(
            "takeover_after",
            type: .duration,
            default: .duration(.seconds(5)),
            reload: .live,
            doc: "A new publisher on a path whose current publisher has sent nothing for this long takes the event over (the old, half-dead connection is closed), instead of being refused as busy. 0 never takes over."
        ),
        OptionSpec(
            "max_bitrate",
            type: .bitrate,
            default: .bitrate(ConfigBitrate(bitsPerSecond: 50_000_000)),
            reload: .live,
            doc: "Highest ingest bitrate of one stream, averaged over 5 seconds; a publisher above it is disconnected and the refusal logged and counted."
        ),
        OptionSpec(
            "auth",
            type: .object(authOptions),
            reload: .live,
            doc: "Who may publish. With neither keys nor on_publish, anyone who can reach the ingest port may publish paths this route matches."
        ),
        OptionSpec(
            "playback",
            type: .object(playbackOptions),
            reload: .live,
            doc: "Signed playback URLs. When a secret is set, playlists are served only with a valid expires and token query (see weir-routes(5)); segments and parts stay unsigned so caches share them."
        ),
    ]

    /// Signed playback of a route.
    static let playbackOptions: [OptionSpec] = [
        OptionSpec(
            "secret",
            type: .string,
            reload: .live,
            doc: "HMAC-SHA256 key. token = hex(HMAC-SHA256(secret, \"APP/KEY:EXPIRES\")), where EXPIRES is a Unix time in seconds; the URL is index.m3u8?expires=EXPIRES&token=TOKEN."
        ),
    ]

    /// Publish authorisation of a route.
    static let authOptions: [OptionSpec] = [
        OptionSpec(
            "keys",
            type: .list(.string),
            reload: .live,
            doc: "Publish keys. A publisher is accepted when its stream key (the last path element, as in rtmp://HOST/APP/KEY) or its key query parameter (rtmp://HOST/APP/NAME?key=KEY) is one of them."
        ),
        OptionSpec(
            "on_publish",
            type: .object(hookOptions),
            reload: .live,
            doc: "An HTTP hook asked before each publish (after the keys check): a 2xx answer allows it, anything else refuses it."
        ),
    ]

    /// The `on_publish` hook of a route's `auth`.
    static let hookOptions: [OptionSpec] = [
        OptionSpec(
            "url",
            type: .string,
            reload: .live,
            doc: "http:// URL that receives a POST with a JSON body: stream, app, key, ingest, remote_address and query. The hook is asked only when this is set."
        ),
        OptionSpec(
            "timeout",
            type: .duration,
            default: .duration(.seconds(2)),
            reload: .live,
            doc: "How long to wait for the hook's answer."
        ),
        OptionSpec(
            "default",
            type: .enumeration(["allow", "deny"]),
            default: .string("deny"),
            reload: .live,
            doc: "What to do when the hook cannot be reached or does not answer in time."
        ),
    ]

    /// Route keys that hold scalar settings, as opposed to the structural keys the reader handles itself.
    static let routeSettings: [OptionSpec] = route.filter { !["name", "match", "ingest", "process", "outputs"].contains($0.name) }

    /// Keys of a route file.
    static let routeFile: [OptionSpec] = [
        OptionSpec("routes", type: .list(.object(route)), reload: .live, doc: "The routes of this file, in priority order."),
    ]
}
