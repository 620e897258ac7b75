import Testing
import TS
import WeirCore

/// The descriptor, listen URLs, and the checks across routes.
@Suite struct ModuleTests {
    static func options(_ values: [String: ConfigValue]) -> OptionValues {
        OptionValues(specs: TSModule.descriptor.options, values: values)
    }

    static func issues(_ values: [String: ConfigValue]) -> [String] {
        (TSModule.descriptor.validate?(options(values)) ?? []).map(\.message)
    }

    @Test func descriptorNamesTheModuleAndItsDefaults() {
        let descriptor = TSModule.descriptor
        #expect(descriptor.name == "ts" && descriptor.kind == .ingest)
        let defaults = Self.options([:])
        #expect(defaults.duration("idle_timeout") == .seconds(5))
        #expect(defaults.integer("udp_receive_buffer") == 4 * 1024 * 1024)
        #expect(defaults.strings("listen") == nil && defaults.string("stream") == nil)
        #expect(Self.issues([:]).isEmpty, "HTTP push alone needs no option")
    }

    @Test func validListenersPass() {
        let issues = Self.issues([
            "listen": .list([.string("udp://0.0.0.0:9000"), .string("udp://239.1.1.1:9000"), .string("tcp://127.0.0.1:9001")]),
            "stream": .string("studio/cam1"),
        ])
        #expect(issues.isEmpty, "\(issues)")
    }

    @Test(arguments: [
        ("srt://0.0.0.0:9000", "expected udp://"),
        ("udp://0.0.0.0", "missing ':PORT'"),
        ("udp://0.0.0.0:70000", "port must be"),
        ("udp://0.0.0.0:0", "port 0"),
        ("udp://0.0.0.0:9000/live", "no path"),
        ("tcp://239.1.1.1:9000", "multicast group"),
        ("udp://10.0.0.1:9000?interface=127.0.0.1", "only applies to a multicast"),
        ("udp://239.1.1.1:9000?ttl=3", "unknown parameter"),
        ("udp://bad host:9000", "not a host name"),
    ])
    func badListenURLsAreExplained(url: String, message: String) {
        let issues = Self.issues(["listen": .list([.string(url)]), "stream": .string("studio/cam1")])
        #expect(issues.count == 1 && issues.first?.contains(message) == true, "\(issues)")
    }

    @Test func listenNeedsAValidStreamAndUDPNeedsAnIdleTimeout() {
        #expect(Self.issues(["listen": .list([.string("udp://:9000")])]).first?.contains("stream: APP/KEY") == true)
        #expect(Self.issues(["listen": .list([.string("udp://:9000")]), "stream": .string("cam1")]).first?.contains("invalid stream path") == true)
        #expect(Self.issues([
            "listen": .list([.string("udp://:9000"), .string("udp://0.0.0.0:9000")]), "stream": .string("studio/cam1"),
        ]).first?.contains("listed twice") == true)
        #expect(Self.issues([
            "listen": .list([.string("udp://:9000")]), "stream": .string("studio/cam1"), "idle_timeout": .duration(.zero),
        ]).first?.contains("idle_timeout") == true)
        #expect(Self.issues([
            "listen": .list([.string("tcp://:9000")]), "stream": .string("studio/cam1"), "idle_timeout": .duration(.zero),
        ]).isEmpty)
    }

    @Test func listenURLsHaveOneCanonicalForm() throws {
        let empty = try TSListenURL(parsing: "UDP://:9000")
        #expect(empty.description == "udp://0.0.0.0:9000" && !empty.isMulticast)
        let group = try TSListenURL(parsing: "udp://239.1.1.1:9000?interface=192.0.2.2")
        #expect(group.isMulticast && group.interface == "192.0.2.2" && group.transport == .udp)
        #expect(group.description == "udp://239.1.1.1:9000?interface=192.0.2.2")
        let v6 = try TSListenURL(parsing: "tcp://[::1]:9001")
        #expect(v6.host == "::1" && v6.port == 9001 && v6.description == "tcp://[::1]:9001")
        #expect(try TSListenURL(parsing: "udp://[ff02::1]:9000").isMulticast)
        #expect(try !TSListenURL(parsing: "udp://223.255.255.255:9000").isMulticast)
    }

    @Test func planChecksListenersAcrossRoutes() throws {
        let plan = try TSIngest.plan(for: [
            try studioRoute(listen: ["udp://:9000", "tcp://127.0.0.1:9001"], stream: "studio/cam1"),
            try studioRoute(name: "push-only", match: "push/*"),
        ])
        #expect(plan.map(\.url.description) == ["udp://0.0.0.0:9000", "tcp://127.0.0.1:9001"])
        #expect(plan.allSatisfy { $0.stream.description == "studio/cam1" && $0.routeName == "studio" })
        #expect(plan.first?.receiveBuffer == TSModule.defaultReceiveBuffer)

        var second = try studioRoute(name: "b", listen: ["udp://0.0.0.0:9000"], stream: "studio/cam2")
        second.ingestModules[0].location = WeirCore.SourceLocation(file: "b.yaml", line: 7, column: 9)
        let routes = [try studioRoute(name: "a", listen: ["udp://:9000"], stream: "studio/cam1"), second]
        let duplicate = TSIngestError.duplicateListener(url: "udp://0.0.0.0:9000", routes: ["a", "b"])
        #expect(throws: duplicate) { try TSIngest.plan(for: routes) }
        #expect(duplicate.configError(in: routes).description.hasPrefix("b.yaml:7:9: listen URL udp://0.0.0.0:9000 is declared by more than one route"))
        #expect(throws: TSIngestError.self) {
            try TSIngest.plan(for: [try studioRoute(listen: ["udp://:9000"], stream: "other/cam1")])
        }
        // A route that does not take `ts` declares no listener, whatever its options say.
        var other = try studioRoute(listen: ["udp://:9000"], stream: "studio/cam1")
        other.ingest = ["rtmp"]
        #expect(try TSIngest.plan(for: [other]).isEmpty)
    }
}
