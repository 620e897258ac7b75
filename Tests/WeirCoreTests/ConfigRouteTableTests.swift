import Testing
import WeirCore

@Suite struct ConfigRouteTableTests {
    static func route(_ name: String, _ pattern: String, ingest: [String], line: Int) throws -> RouteConfiguration {
        RouteConfiguration(
            name: name,
            pattern: try StreamPathPattern(parsing: pattern),
            ingest: ingest,
            outputs: [ModuleInstance(name: "hls", kind: .output, options: OptionValues(), location: SourceLocation(file: "r.yaml", line: line, column: 9))],
            location: SourceLocation(file: "r.yaml", line: line, column: 5)
        )
    }

    @Test func firstMatchingRouteForTheIngestWins() throws {
        let table = RouteTable(routes: [
            try Self.route("special", "live/vip", ingest: ["rtmp"], line: 1),
            try Self.route("srt-only", "live/*", ingest: ["srt"], line: 2),
            try Self.route("live", "live/*", ingest: ["rtmp", "srt"], line: 3),
            try Self.route("catch-all", "**", ingest: ["rtmp"], line: 4),
        ])
        #expect(table.route(for: "live/vip", ingest: "rtmp")?.name == "special")
        #expect(table.route(for: "live/vip", ingest: "srt")?.name == "srt-only")
        #expect(table.route(for: "live/cam1", ingest: "rtmp")?.name == "live")
        #expect(table.route(for: "other/x/y", ingest: "rtmp")?.name == "catch-all")
        #expect(table.route(for: "other/x", ingest: "srt") == nil)
        #expect(table.route(for: "live/cam1", ingest: "ts") == nil)
        #expect(table.route(named: "live")?.pattern.text == "live/*")
    }

    @Test func routeEqualityIgnoresLocations() throws {
        let a = try Self.route("live", "live/*", ingest: ["rtmp"], line: 1)
        let b = try Self.route("live", "live/*", ingest: ["rtmp"], line: 7)
        let c = try Self.route("live", "live/**", ingest: ["rtmp"], line: 1)
        #expect(a == b)
        #expect(a != c)
    }
}
