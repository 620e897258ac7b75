@testable import HLS
import Testing
import WeirCore

@Suite struct HLSSettingsTests {
    func options(_ values: [String: ConfigValue] = [:]) -> OptionValues {
        OptionValues(specs: HLSModule.descriptor.options, values: values)
    }

    func issues(_ values: [String: ConfigValue]) -> [OptionIssue] {
        HLSModule.descriptor.validate?(options(values)) ?? []
    }

    @Test func descriptorSchema() {
        let descriptor = HLSModule.descriptor
        #expect(descriptor.name == "hls")
        #expect(descriptor.kind == .output)
        #expect(descriptor.options.map(\.name) == ["segment", "part", "max_segment", "window"])
        #expect(descriptor.options.map(\.reload) == [.nextPublish, .nextPublish, .nextPublish, .live])
        #expect(descriptor.options.map(\.defaultValue) == [
            .duration(.seconds(2)), .duration(.milliseconds(200)), nil, .integer(12),
        ])
        #expect(descriptor.options[3].type == .integer(range: 3...1000))
        for spec in descriptor.options {
            #expect(!spec.doc.isEmpty)
            #expect(!spec.required)
            if let value = spec.defaultValue { #expect(spec.type.accepts(value)) }
        }
    }

    @Test func defaults() {
        let settings = HLSSettings(options: options())
        #expect(settings.policy.segment == MediaTime(ticks: 2, timescale: 1))
        #expect(settings.policy.part == MediaTime(ticks: 200, timescale: 1_000))
        #expect(settings.policy.maxSegment == MediaTime(ticks: 3, timescale: 1))
        #expect(settings.targetDuration == 3)
        #expect(settings.windowSize == 12)
        #expect(settings.maxPartsPerSegment >= 15)
        #expect(issues([:]).isEmpty)
    }

    @Test func maxSegmentDefaultIsRoundedDownToWholeParts() {
        let settings = HLSSettings(options: options(["part": .duration(.milliseconds(700))]))
        #expect(settings.policy.maxSegment == MediaTime(ticks: 2_800, timescale: 1_000))
        #expect(settings.targetDuration == 3)
    }

    @Test func explicitMaxSegment() {
        let settings = HLSSettings(options: options(["max_segment": .duration(.milliseconds(4_500)), "window": .integer(20)]))
        #expect(settings.policy.maxSegment == MediaTime(ticks: 4_500, timescale: 1_000))
        #expect(settings.targetDuration == 5)
        #expect(settings.windowSize == 20)
    }

    @Test(arguments: [
        (["part": ConfigValue.duration(.seconds(2))], "part"),
        (["part": .duration(.seconds(3))], "part"),
        (["part": .duration(.milliseconds(40))], "part"),
        (["segment": .duration(.seconds(31)), "part": .duration(.seconds(1))], "segment"),
        (["max_segment": .duration(.seconds(1))], "max_segment"),
        (["max_segment": .duration(.seconds(61))], "max_segment"),
        (["window": .integer(4)], "window"),
    ])
    func rejected(values: [String: ConfigValue], key: String) {
        let found = issues(values)
        #expect(found.map(\.key) == [key], "\(found)")
        #expect(found.allSatisfy { !$0.message.isEmpty })
    }

    @Test(arguments: [
        ["part": ConfigValue.duration(.milliseconds(50))],
        ["segment": .duration(.seconds(30)), "window": .integer(5)],
        ["max_segment": .duration(.seconds(2))],
        ["window": .integer(5)],
        ["segment": .duration(.seconds(1)), "part": .duration(.milliseconds(250)), "window": .integer(6)],
    ])
    func accepted(values: [String: ConfigValue]) {
        #expect(issues(values).isEmpty)
    }
}
