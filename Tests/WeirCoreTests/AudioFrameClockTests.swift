import Testing
import WeirCore

@Suite struct AudioFrameClockTests {
    @Test func countsFramesDespiteMillisecondRounding() {
        var clock = AudioFrameClock(sampleRate: 48_000, samplesPerFrame: 1024)
        var previous: Int64?
        for i in 0..<200 {
            let ms = (Int64(i) * 1024 * 1000) / 48_000  // what RTMP carries
            let t = clock.time(for: MediaTime(ticks: ms, timescale: 1000))
            #expect(t.timescale == 48_000)
            if let previous { #expect(t.ticks - previous == 1024) }
            previous = t.ticks
        }
    }

    @Test func resynchronisesAfterAGap() {
        var clock = AudioFrameClock(sampleRate: 44_100, samplesPerFrame: 1024)
        _ = clock.time(for: MediaTime(ticks: 0, timescale: 1000))
        _ = clock.time(for: MediaTime(ticks: 23, timescale: 1000))
        let afterGap = clock.time(for: MediaTime(ticks: 1000, timescale: 1000))
        #expect(afterGap.ticks == 44_100)
    }
}
