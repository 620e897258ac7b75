import Testing
import WeirCore

@Suite struct ConfigBitrateTests {
    @Test(arguments: [
        ("2800k", Int64(2_800_000)),
        ("6M", 6_000_000),
        ("128000", 128_000),
        ("1.5M", 1_500_000),
        ("800K", 800_000),
        ("2800kbps", 2_800_000),
        ("1G", 1_000_000_000),
        ("0.5k", 500),
    ])
    func parses(text: String, bitsPerSecond: Int64) throws {
        #expect(try ConfigBitrate(parsing: text).bitsPerSecond == bitsPerSecond)
    }

    @Test(arguments: [
        "", "-1k", "0", "0k", "abc", "2x", "1.5", "99999999999999999999", "9999999999999G", "k", "1.2.3M",
        "2 M", "1e6", "M5",
    ])
    func rejects(text: String) {
        #expect(throws: ConfigValueError.self) { try ConfigBitrate(parsing: text) }
    }

    @Test func descriptionIsShortestExactForm() throws {
        #expect(try ConfigBitrate(parsing: "2800000").description == "2800k")
        #expect(try ConfigBitrate(parsing: "6000k").description == "6M")
        #expect(try ConfigBitrate(parsing: "128500").description == "128500")
    }
}
