@testable import HLS
import Testing
import WeirCore

@Suite struct FormattingTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_795_317_002_123, "2026-11-22T03:10:02.123Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (4_102_444_799_999, "2099-12-31T23:59:59.999Z"),
        (-5, "1970-01-01T00:00:00.000Z"),
    ])
    func programDateTime(millis: Int64, expected: String) {
        #expect(ProgramDateTime.string(millisecondsSince1970: millis) == expected)
    }

    @Test func seconds() {
        var out = ""
        for millis: Int64 in [0, 7, 42, 200, 2_000, 12_345] {
            ManifestNumber.appendSeconds(millis: millis, to: &out)
            out += " "
        }
        #expect(out == "0.000 0.007 0.042 0.200 2.000 12.345 ")
    }

    @Test func rounding() {
        #expect(ManifestNumber.roundedMillis(MediaTime(ticks: 1_024, timescale: 48_000)) == 21)
        #expect(ManifestNumber.roundedMillis(MediaTime(ticks: 18_045, timescale: 90_000)) == 201)
        #expect(ManifestNumber.ceilingMillis(MediaTime(ticks: 18_001, timescale: 90_000)) == 201)
        #expect(ManifestNumber.ceilingMillis(MediaTime(ticks: 18_000, timescale: 90_000)) == 200)
        #expect(ManifestNumber.ceilingMillis(MediaTime(ticks: 9_600, timescale: 44_100)) == 218)
        #expect(ManifestNumber.ceilingMillis(MediaTime(ticks: 0, timescale: 90_000)) == 0)
    }
}
