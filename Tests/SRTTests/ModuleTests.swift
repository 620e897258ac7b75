import Testing
import WeirCore
@testable import SRT

@Suite struct ModuleTests {
    @Test func describesAnIngestModuleWithGlobalAndRouteOptions() {
        let descriptor = SRTModule.descriptor
        #expect(descriptor.name == "srt" && descriptor.kind == .ingest)
        #expect(descriptor.globalOptions.map(\.name) == ["listen", "latency", "max_connections", "idle_timeout"])
        #expect(descriptor.options.map(\.name) == ["passphrase", "pbkeylen", "latency"])
        for spec in descriptor.globalOptions + descriptor.options {
            if let value = spec.defaultValue { #expect(spec.type.accepts(value), "\(spec.name)") }
        }
        #expect(descriptor.globalOptions.first { $0.name == "listen" }?.reload == .restart)
    }

    @Test func globalOptionsResolveWithDefaults() throws {
        let table = RouteTable(routes: [])
        let defaults = SRTServer.Configuration(options: OptionValues(), routes: table)
        #expect(defaults.listen == ConfigAddress(host: "0.0.0.0", port: 8890))
        #expect(defaults.latency == .milliseconds(120))
        #expect(defaults.maxConnections == SRTModule.defaultMaxConnections)
        #expect(defaults.idleTimeout == .seconds(30))

        let written = OptionValues(specs: SRTModule.descriptor.globalOptions, values: [
            "listen": .address(try ConfigAddress(parsing: "127.0.0.1:9000")),
            "latency": .duration(.milliseconds(500)),
            "max_connections": .integer(3),
            "idle_timeout": .duration(.zero),
        ])
        let configuration = SRTServer.Configuration(options: written, routes: table)
        #expect(configuration.listen.port == 9000 && configuration.latency == .milliseconds(500) && configuration.maxConnections == 3)
        #expect(configuration.idleTimeout == nil)
    }

    static func routeOptions(_ values: [String: ConfigValue], explicit: Set<String> = []) -> OptionValues {
        var options = OptionValues(specs: SRTModule.descriptor.options, values: values)
        for key in explicit {
            if let value = options[key] { options.set(key, value, location: SourceLocation(file: "r.yaml", line: 1, column: 1)) }
        }
        return options
    }

    @Test func validatesThePassphraseLength() {
        #expect(SRTModule.validate(Self.routeOptions([:])).isEmpty)
        #expect(SRTModule.validate(Self.routeOptions(["passphrase": .string("0123456789")])).isEmpty)
        #expect(SRTModule.validate(Self.routeOptions(["passphrase": .string(String(repeating: "p", count: 79))])).isEmpty)
        let short = SRTModule.validate(Self.routeOptions(["passphrase": .string("012345678")]))
        #expect(short.map(\.key) == ["passphrase"])
        #expect(short.first?.message.contains("10 to 79") == true)
        #expect(SRTModule.validate(Self.routeOptions(["passphrase": .string(String(repeating: "p", count: 80))])).map(\.key) == ["passphrase"])
        #expect(SRTModule.validate(Self.routeOptions(["passphrase": .string("0123456789\u{0}")])).map(\.key) == ["passphrase"])
    }

    @Test func validatesKeyLengthAndLatency() {
        let keyWithoutPassphrase = SRTModule.validate(Self.routeOptions(["pbkeylen": .string("32")], explicit: ["pbkeylen"]))
        #expect(keyWithoutPassphrase.map(\.key) == ["pbkeylen"])
        #expect(SRTModule.validate(Self.routeOptions(["pbkeylen": .string("32"), "passphrase": .string("0123456789")])).isEmpty)
        #expect(SRTModule.validate(Self.routeOptions(["latency": .duration(.seconds(61))])).map(\.key) == ["latency"])
        #expect(SRTModule.validate(Self.routeOptions(["latency": .duration(.milliseconds(200))])).isEmpty)
        #expect(throws: ConfigValueError.self) { try OptionType.enumeration(["0", "16", "24", "32"]).parse("20") }
    }
}
