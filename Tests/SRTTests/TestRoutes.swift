import WeirCore
@testable import SRT

/// Route configurations as the loader would produce them.
enum TestRoutes {
    static let location = SourceLocation(file: "test.yaml", line: 1, column: 1)

    /// - Parameters:
    ///   - srt: the route-level options of its `srt` entry, when it lists SRT.
    static func route(
        _ name: String, match: String, ingest: [String] = ["srt"], srt: [String: ConfigValue] = [:],
        settings: [String: ConfigValue] = [:]
    ) throws -> RouteConfiguration {
        let modules = ingest.map { module in
            ModuleInstance(
                name: module, kind: .ingest,
                options: module == "srt" ? OptionValues(specs: SRTModule.descriptor.options, values: srt) : OptionValues(),
                location: location)
        }
        return RouteConfiguration(
            name: name, pattern: try StreamPathPattern(parsing: match), ingest: ingest, ingestModules: modules, outputs: [],
            settings: OptionValues(entries: settings.map { OptionValues.Entry(key: $0.key, value: $0.value) }),
            location: location)
    }

    /// `live/*` open, `secure/*` with a passphrase, `rtmponly/*` without SRT.
    static func standard(passphrase: String = "0123456789", latency: ConfigDuration? = nil) throws -> RouteTable {
        var secure: [String: ConfigValue] = ["passphrase": .string(passphrase)]
        if let latency { secure["latency"] = .duration(latency) }
        return RouteTable(routes: [
            try route("live", match: "live/*", ingest: ["rtmp", "srt"]),
            try route("secure", match: "secure/*", srt: secure),
            try route("rtmponly", match: "rtmponly/*", ingest: ["rtmp"]),
        ])
    }
}
