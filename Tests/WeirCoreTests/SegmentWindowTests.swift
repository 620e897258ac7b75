import NIOCore
import Testing
import WeirCore

@Suite struct SegmentWindowTests {
    static func window(size: Int) -> SegmentWindow {
        let w = SegmentWindow(path: "live/t", epoch: "e", startedAt: 0, targetDuration: 3, windowSize: size, maxPartsPerSegment: 20)
        w.addTrack(name: "video", kind: .video, rendition: "source")
        return w
    }

    static func addSegment(_ w: SegmentWindow, _ sequence: Int64) {
        for part in 0..<3 {
            w.appendPart(
                track: "video", sequence: sequence, discontinuity: false, programDateTime: sequence * 2000,
                startTime: MediaTime(ticks: sequence * 180_000 + Int64(part) * 60_000, timescale: 90_000),
                duration: MediaTime(ticks: 60_000, timescale: 90_000), independent: part == 0,
                data: ByteBuffer(bytes: [UInt8(sequence & 0xff), UInt8(part)]))
        }
        w.closeSegment(track: "video")
    }

    @Test func segmentBytesAreThePartsJoined() throws {
        let w = Self.window(size: 5)
        Self.addSegment(w, 0)
        let segment = try #require(w.snapshot().track(named: "video")?.segments.first)
        #expect(segment.data == ByteBuffer(bytes: [0, 0, 0, 1, 0, 2]))
        #expect(segment.parts.map(\.data) == [ByteBuffer(bytes: [0, 0]), ByteBuffer(bytes: [0, 1]), ByteBuffer(bytes: [0, 2])])
        #expect(segment.duration == MediaTime(ticks: 2, timescale: 1))
    }

    @Test func windowSizeChangesApplyAtBoundariesAndNeverMoveBack() throws {
        let w = Self.window(size: 3)
        for s in 0..<6 { Self.addSegment(w, Int64(s)) }
        #expect(w.snapshot().track(named: "video")?.firstListedSequence == 3)

        // Growing keeps the first listed segment until the window has filled up again.
        w.setWindowSize(5)
        #expect(w.snapshot().track(named: "video")?.firstListedSequence == 3)
        Self.addSegment(w, 6)
        #expect(w.snapshot().track(named: "video")?.firstListedSequence == 3)
        Self.addSegment(w, 7)
        Self.addSegment(w, 8)
        #expect(w.snapshot().track(named: "video")?.firstListedSequence == 4)

        // Shrinking waits for the next segment boundary.
        w.setWindowSize(2)
        #expect(w.snapshot().track(named: "video")?.firstListedSequence == 4)
        Self.addSegment(w, 9)
        #expect(w.snapshot().track(named: "video")?.firstListedSequence == 8)
    }

    @Test func evictsBeyondTheWindowAndCountsDiscontinuities() throws {
        let w = Self.window(size: 2)
        for s in 0..<20 { Self.addSegment(w, Int64(s)) }
        let track = try #require(w.snapshot().track(named: "video"))
        #expect(track.segments.count == 2 + SegmentWindow.extraSegments)
        #expect(track.segments.last?.sequence == 19)
    }

    @Test func waitersAreReleasedByChangesAndByTheirDeadline() async {
        let w = Self.window(size: 3)
        let version = w.snapshot().version
        async let changed = w.waitForChange(after: version, deadline: .now + .seconds(30))
        try? await Task.sleep(for: .milliseconds(20))
        Self.addSegment(w, 0)
        #expect(await changed)
        let timedOut = await w.waitForChange(after: w.snapshot().version, deadline: .now + .milliseconds(50))
        #expect(!timedOut)
    }
}
