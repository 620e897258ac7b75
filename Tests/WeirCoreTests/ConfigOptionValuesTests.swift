import Testing
import WeirCore

@Suite struct ConfigOptionValuesTests {
    static let specs = [
        OptionSpec("segment", type: .duration, default: .duration(.seconds(2)), reload: .nextPublish, doc: "Segment."),
        OptionSpec("max_segment", type: .duration, reload: .nextPublish, doc: "Unset by default."),
        OptionSpec("window", type: .integer(range: 3...1000), default: .integer(12), reload: .live, doc: "Window."),
        OptionSpec("low_latency", type: .bool, default: .bool(true), reload: .nextPublish, doc: "LL-HLS."),
        OptionSpec("name", type: .string, required: true, reload: .live, doc: "Name."),
        OptionSpec(
            "nested",
            type: .object([OptionSpec("level", type: .enumeration(["a", "b"]), default: .string("a"), reload: .live, doc: "L.")]),
            reload: .live,
            doc: "Nested."
        ),
    ]

    @Test func absentKeysReturnTheirDefaults() {
        let values = OptionValues(specs: Self.specs)
        #expect(values.duration("segment") == .seconds(2))
        #expect(values.integer("window") == 12)
        #expect(values.bool("low_latency") == true)
        #expect(values.object("nested")?.string("level") == "a")
        #expect(values.duration("max_segment") == nil)
        #expect(values.string("name") == nil)
        #expect(values.keys == ["segment", "window", "low_latency", "nested"])
        #expect(!values.isExplicit("segment"))
    }

    @Test func givenValuesOverrideDefaultsInSchemaOrder() {
        let values = OptionValues(specs: Self.specs, values: ["window": .integer(5), "max_segment": .duration(.seconds(3))])
        #expect(values.integer("window") == 5)
        #expect(values.duration("max_segment") == .seconds(3))
        #expect(values.keys == ["segment", "max_segment", "window", "low_latency", "nested"])
    }

    @Test func accessorsReturnNilForAnotherType() {
        let values = OptionValues(specs: Self.specs)
        #expect(values.integer("segment") == nil)
        #expect(values.string("window") == nil)
        #expect(values.list("segment") == nil)
        #expect(values.duration("unknown") == nil)
    }

    @Test func equalityIgnoresLocations() {
        let here = SourceLocation(file: "a.yaml", line: 1, column: 1)
        let there = SourceLocation(file: "b.yaml", line: 9, column: 3)
        let a = OptionValues(entries: [.init(key: "window", value: .integer(5), location: here)], location: here)
        let b = OptionValues(entries: [.init(key: "window", value: .integer(5), location: there)], location: there)
        let c = OptionValues(entries: [.init(key: "window", value: .integer(6), location: here)])
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != c)
        #expect(a.location(of: "window") == here)
    }

    @Test func listsOfStringsAndObjects() {
        let rung = OptionValues(entries: [.init(key: "height", value: .integer(720))])
        let values = OptionValues(entries: [
            .init(key: "keys", value: .list([.string("a"), .string("b")])),
            .init(key: "ladder", value: .list([.object(rung)])),
            .init(key: "mixed", value: .list([.string("a"), .integer(1)])),
        ])
        #expect(values.strings("keys") == ["a", "b"])
        #expect(values.objects("ladder")?.first?.integer("height") == 720)
        #expect(values.strings("mixed") == nil)
        #expect(values.description == "{ keys: [a, b], ladder: [{ height: 720 }], mixed: [a, 1] }")
    }

    @Test func typesParseScalars() throws {
        #expect(try OptionType.integer(range: 3...1000).parse("12") == .integer(12))
        #expect(throws: ConfigValueError("value 2 is out of range 3...1000")) {
            try OptionType.integer(range: 3...1000).parse("2")
        }
        #expect(throws: ConfigValueError("integer '99999999999999999999' is too large")) {
            try OptionType.integer(range: nil).parse("99999999999999999999")
        }
        #expect(throws: ConfigValueError.self) { try OptionType.integer(range: nil).parse("1.5") }
        #expect(try OptionType.bool.parse("yes") == .bool(true))
        #expect(try OptionType.bool.parse("False") == .bool(false))
        #expect(throws: ConfigValueError.self) { try OptionType.bool.parse("maybe") }
        #expect(throws: ConfigValueError("invalid value 'warn': expected one of debug, info, warning (did you mean 'warning'?)")) {
            try OptionType.enumeration(["debug", "info", "warning"]).parse("warn")
        }
        #expect(try OptionType.bitrate.parse("6M") == .bitrate(ConfigBitrate(bitsPerSecond: 6_000_000)))
        #expect(try OptionType.address.parse(":80") == .address(ConfigAddress(host: "", port: 80)))
    }

    @Test func typesCheckDefaults() {
        #expect(OptionType.integer(range: 3...10).accepts(.integer(3)))
        #expect(!OptionType.integer(range: 3...10).accepts(.integer(11)))
        #expect(!OptionType.duration.accepts(.integer(2)))
        #expect(OptionType.list(.string).accepts(.list([.string("a")])))
        #expect(!OptionType.enumeration(["a"]).accepts(.string("b")))
        for spec in Self.specs {
            if let value = spec.effectiveDefault {
                #expect(spec.type.accepts(value), "default of \(spec.name)")
            }
        }
    }

    @Test func suggestionsNeedASmallDistance() {
        #expect(KeySuggestion.closest(to: "segmnet", in: ["segment", "part"]) == "segment")
        #expect(KeySuggestion.closest(to: "widnow", in: ["segment", "window"]) == "window")
        #expect(KeySuggestion.closest(to: "xyz", in: ["log", "http"]) == nil)
        #expect(KeySuggestion.closest(to: "htpp", in: ["log", "http"]) == "http")
    }
}
