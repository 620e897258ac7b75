@testable import Host
import Testing
import WeirCore

@Suite struct RouteDiffTests {
    static func route(_ name: String, match: String = "live/*", window: Int = 12, segment: String = "2s") throws -> RouteConfiguration {
        let location = SourceLocation(file: "r.yaml", line: 1, column: 1)
        var options = OptionValues(specs: HLSModuleDescriptorForTests.specs)
        options.set("window", .integer(window))
        options.set("segment", .duration(try ConfigDuration(parsing: segment)))
        return RouteConfiguration(
            name: name, pattern: try StreamPathPattern(parsing: match), ingest: ["rtmp"],
            outputs: [ModuleInstance(name: "hls", kind: .output, options: options, location: location)], location: location)
    }

    @Test func classifiesChangesByTheSchema() throws {
        let old = [try Self.route("live"), try Self.route("gone", match: "old/*")]
        let new = [try Self.route("live", window: 5, segment: "4s"), try Self.route("fresh", match: "new/*")]
        let diff = RouteDiff(old: old, new: new, modules: ModuleRegistry.descriptors)
        #expect(diff.added == ["fresh"])
        #expect(diff.removed == ["gone"])
        #expect(diff.rematched.isEmpty)
        let byKey = Dictionary(uniqueKeysWithValues: diff.options.map { ($0.key, $0.reload) })
        #expect(byKey["window"] == .live)
        #expect(byKey["segment"] == .nextPublish)
    }

    @Test func aChangedPatternRematchesLiveStreams() throws {
        let diff = RouteDiff(old: [try Self.route("live")], new: [try Self.route("live", match: "live/cam*")], modules: ModuleRegistry.descriptors)
        #expect(diff.rematched == ["live"])
        #expect(diff.options.isEmpty)
    }

    @Test func identicalTablesMakeNoDiff() throws {
        let diff = RouteDiff(old: [try Self.route("live")], new: [try Self.route("live")], modules: ModuleRegistry.descriptors)
        #expect(diff.isEmpty)
    }
}

enum HLSModuleDescriptorForTests {
    static var specs: [OptionSpec] { ModuleRegistry.descriptors.first { $0.name == "hls" }?.options ?? [] }
}
