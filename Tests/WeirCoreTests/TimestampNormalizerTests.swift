import Testing
import WeirCore

@Suite struct TimestampNormalizerTests {
    @Test func unwrapsThirtyTwoBitMilliseconds() {
        var n = TimestampNormalizer(wrapBits: 32, timescale: 1000)
        let start: Int64 = 0xFFFF_FF00
        var last: Int64 = -1
        for i in 0..<20 {
            let raw = (start + Int64(i) * 33) & 0xFFFF_FFFF
            let r = n.normalize(raw)
            #expect(!r.discontinuity)
            #expect(r.time.ticks == start + Int64(i) * 33)
            #expect(r.time.ticks > last)
            last = r.time.ticks
        }
    }

    @Test func smallBackwardStepsAreNotJumps() {
        var n = TimestampNormalizer(wrapBits: 32, timescale: 1000)
        _ = n.normalize(1000)
        let r = n.normalize(980)  // audio interleaved slightly behind video
        #expect(!r.discontinuity)
        #expect(r.time.ticks == 980)
    }

    @Test func aJumpIsRebasedAndReported() {
        var n = TimestampNormalizer(wrapBits: 32, timescale: 1000)
        _ = n.normalize(5000)
        _ = n.normalize(5033)
        let jump = n.normalize(900_000)
        #expect(jump.discontinuity)
        #expect(jump.time.ticks == 5053)
        let next = n.normalize(900_033)
        #expect(!next.discontinuity)
        #expect(next.time.ticks == 5086)
        // A restart from zero is a jump backwards.
        let restart = n.normalize(0)
        #expect(restart.discontinuity)
        #expect(restart.time.ticks == 5106)
    }

    @Test func unwrapsThirtyThreeBitTicks() {
        var n = TimestampNormalizer(wrapBits: 33, timescale: 90_000)
        let wrap: Int64 = 1 << 33
        _ = n.normalize(wrap - 3000)
        let r = n.normalize(0)
        #expect(!r.discontinuity)
        #expect(r.time.ticks == wrap)
    }
}
