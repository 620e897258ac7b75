import Testing
import WeirCore

@Suite struct MediaTimeTests {
    @Test func convertsBetweenTimescalesRoundingDown() {
        let t = MediaTime(ticks: 1001, timescale: 1000)
        #expect(t.converted(to: 90_000).ticks == 90_090)
        #expect(MediaTime(ticks: 1, timescale: 3).converted(to: 1000).ticks == 333)
        #expect(MediaTime(ticks: -1, timescale: 3).converted(to: 1000).ticks == -334)
    }

    @Test func comparesAcrossTimescales() {
        #expect(MediaTime(ticks: 1, timescale: 1) == MediaTime(ticks: 90_000, timescale: 90_000))
        #expect(MediaTime(ticks: 1023, timescale: 48_000) < MediaTime(ticks: 1920, timescale: 90_000))
        #expect(Set([MediaTime(ticks: 1, timescale: 1), MediaTime(ticks: 1000, timescale: 1000)]).count == 1)
    }

    @Test func rescalesHugeValuesWithoutOverflow() {
        let tenYears = Int64(10 * 365 * 86_400) * 90_000
        let t = MediaTime(ticks: tenYears, timescale: 90_000)
        #expect(t.converted(to: 1_000_000).ticks == Int64(10 * 365 * 86_400) * 1_000_000)
        let big = MediaTime(ticks: Int64.max / 2, timescale: 90_000)
        #expect(big.converted(to: 48_000).ticks > 0)
    }

    @Test func arithmeticKeepsTheLeftTimescale() {
        let sum = MediaTime(ticks: 90_000, timescale: 90_000) + MediaTime(ticks: 500, timescale: 1000)
        #expect(sum == MediaTime(ticks: 135_000, timescale: 90_000))
        #expect(sum.timescale == 90_000)
    }
}
