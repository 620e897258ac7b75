import Testing
import WeirCore

@Suite struct ConfigDurationTests {
    @Test(arguments: [
        ("2s", Int64(2_000_000)),
        ("200ms", 200_000),
        ("1.5s", 1_500_000),
        ("7d", 604_800_000_000),
        ("1h", 3_600_000_000),
        ("30m", 1_800_000_000),
        ("250us", 250),
        ("0.5ms", 500),
        ("0", 0),
        ("0s", 0),
        ("1.250s", 1_250_000),
        ("0.000001s", 1),
        (".5s", 500_000),
    ])
    func parses(text: String, microseconds: Int64) throws {
        #expect(try ConfigDuration(parsing: text).microseconds == microseconds)
    }

    @Test(arguments: [
        "2x", "-1s", "", "99999999999999999999s", "9223372036854775807d", "s", "2", "1.", ".", "1..2s",
        "2 s", " 2s", "0.0000001s", "1.5", "2S", "1e3s", "0x10s", "２s", "--1s", "1.2.3s",
        String(repeating: "1", count: 100) + "s",
    ])
    func rejects(text: String) {
        #expect(throws: ConfigValueError.self) { try ConfigDuration(parsing: text) }
    }

    @Test func messagesNameTheProblem() {
        #expect(throws: ConfigValueError("invalid duration '2x': unknown unit 'x' (use us, ms, s, m, h or d)")) {
            try ConfigDuration(parsing: "2x")
        }
        #expect(throws: ConfigValueError("invalid duration '-1s': must not be negative")) {
            try ConfigDuration(parsing: "-1s")
        }
        #expect(throws: ConfigValueError("invalid duration '99999999999999999999s': too large")) {
            try ConfigDuration(parsing: "99999999999999999999s")
        }
    }

    @Test(arguments: ["2s", "200ms", "1.5s", "7d", "1h", "30m", "250us", "0s", "1.000001s", "90s", "61m"])
    func descriptionReadsBack(text: String) throws {
        let duration = try ConfigDuration(parsing: text)
        #expect(try ConfigDuration(parsing: duration.description) == duration)
    }

    @Test func descriptionIsShortest() throws {
        #expect(ConfigDuration.seconds(120).description == "2m")
        #expect(ConfigDuration.milliseconds(1500).description == "1.5s")
        #expect(ConfigDuration.milliseconds(200).description == "200ms")
        #expect(ConfigDuration.microseconds(1_000_001).description == "1.000001s")
    }

    @Test func convertsToTicks() {
        #expect(ConfigDuration.seconds(2).ticks(timescale: 90_000) == 180_000)
        #expect(ConfigDuration.milliseconds(200).ticks(timescale: 48_000) == 9_600)
        #expect(ConfigDuration.microseconds(1).ticks(timescale: 90_000) == 0)
        #expect(ConfigDuration.microseconds(.max).ticks(timescale: 90_000) == Int64.max / 1_000_000 * 90_000 + (Int64.max % 1_000_000) * 90_000 / 1_000_000)
        #expect(ConfigDuration.microseconds(.max).ticks(timescale: 1_000_000) == .max)
        #expect(ConfigDuration.microseconds(.max).ticks(timescale: 1_000_001) == nil)
        #expect(ConfigDuration.microseconds(-1).ticks(timescale: 90_000) == nil)
        #expect(ConfigDuration.microseconds(.max).ticks(timescale: 1) == Int64.max / 1_000_000)
        #expect(ConfigDuration.seconds(1).ticks(timescale: 0) == nil)
    }

    @Test func constructorsSaturate() {
        #expect(ConfigDuration.seconds(.max).microseconds == .max)
        #expect(ConfigDuration.seconds(.min).microseconds == .min)
        #expect(ConfigDuration.milliseconds(3).microseconds == 3_000)
    }
}
