@testable import HLS
import Testing
import WeirCore

@Suite struct MediaPlaylistTests {
    let e = Fixture.epoch

    @Test func videoWithAudioRenditionReport() throws {
        let window = Fixture.window()
        Fixture.fill(window, "video", segments: 0..<2, openParts: 1)
        Fixture.fill(window, "audio", segments: 0..<2, openParts: 2)
        let text = try #require(PlaylistRenderer.media(window.snapshot(), track: "video"))
        let expected = [
            "#EXTM3U",
            "#EXT-X-VERSION:9",
            "#EXT-X-TARGETDURATION:1",
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.600,HOLD-BACK=3",
            "#EXT-X-PART-INF:PART-TARGET=0.200",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-DISCONTINUITY-SEQUENCE:0",
            "#EXT-X-MAP:URI=\"video/\(e)/init-0.mp4\"",
            "#EXT-X-PROGRAM-DATE-TIME:2026-11-22T03:10:02.123Z",
        ] + Fixture.segmentLines("video", 0) + Fixture.segmentLines("video", 1) + [
            "#EXT-X-PART:DURATION=0.200,URI=\"video/\(e)/2.0.m4s\",INDEPENDENT=YES",
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"video/\(e)/2.1.m4s\"",
            "#EXT-X-RENDITION-REPORT:URI=\"audio.m3u8\",LAST-MSN=2,LAST-PART=1",
            "",
        ]
        #expect(Fixture.lines(text) == expected)
    }

    @Test func aGapSegmentKeepsItsNumberAndIsMarkedNotToBeLoaded() throws {
        let window = Fixture.window()
        Fixture.fill(window, "audio", segments: 0..<1)
        // Segment 1 has no audio: two gap parts stand for its time.
        for part in 0..<2 {
            window.appendPart(
                track: "audio", sequence: 1, discontinuity: false, programDateTime: Fixture.startedAt + 600,
                startTime: MediaTime(ticks: Int64(28_800 + part * 9_600), timescale: 48_000),
                duration: MediaTime(ticks: 9_600, timescale: 48_000), independent: false, gap: true, data: .init())
        }
        window.closeSegment(track: "audio")
        Fixture.appendPart(window, "audio", 2, 0, discontinuity: true)
        let snapshot = window.snapshot()
        let audio = try #require(snapshot.track(named: "audio"))
        #expect(audio.segments.map(\.isGap) == [false, true])
        #expect(audio.segments[1].isIndependent)
        let lines = Fixture.lines(PlaylistRenderer.media(snapshot, track: "audio"))
        let gap = try #require(lines.firstIndex(of: "#EXT-X-GAP"))
        #expect(Array(lines[(gap - 2)...(gap + 4)]) == [
            "#EXT-X-PART:DURATION=0.200,URI=\"audio/\(e)/1.0.m4s\",GAP=YES",
            "#EXT-X-PART:DURATION=0.200,URI=\"audio/\(e)/1.1.m4s\",GAP=YES",
            "#EXT-X-GAP",
            "#EXTINF:0.400,",
            "audio/\(e)/1.m4s",
            "#EXT-X-DISCONTINUITY",
            "#EXT-X-PROGRAM-DATE-TIME:2026-11-22T03:10:03.323Z",
        ])
        #expect(lines.filter { $0 == "#EXT-X-GAP" }.count == 1)
    }

    @Test func audioPlaylistReportsVideo() throws {
        let window = Fixture.window()
        Fixture.fill(window, "video", segments: 0..<2, openParts: 1)
        Fixture.fill(window, "audio", segments: 0..<2, openParts: 2)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "audio"))
        #expect(lines.contains("#EXT-X-MAP:URI=\"audio/\(e)/init-0.mp4\""))
        #expect(lines.contains("#EXT-X-PART:DURATION=0.200,URI=\"audio/\(e)/2.1.m4s\",INDEPENDENT=YES"))
        #expect(lines.suffix(3) == [
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"audio/\(e)/2.2.m4s\"",
            "#EXT-X-RENDITION-REPORT:URI=\"video.m3u8\",LAST-MSN=2,LAST-PART=0",
            "",
        ])
    }

    @Test func headerFollowsTargetsAsTheContractShows() throws {
        let window = Fixture.window([.video], targetDuration: 3, partTarget: MediaTime(ticks: 202, timescale: 1_000))
        Fixture.fill(window, "video", segments: 0..<0, openParts: 1)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(Array(lines.prefix(5)) == [
            "#EXTM3U",
            "#EXT-X-VERSION:9",
            "#EXT-X-TARGETDURATION:3",
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.606,HOLD-BACK=9",
            "#EXT-X-PART-INF:PART-TARGET=0.202",
        ])
    }

    @Test func partTargetIsRoundedUpToMilliseconds() throws {
        // 18 017 ticks at 90 kHz is 200.19 ms: written as 0.201 so no part exceeds it.
        let window = Fixture.window([.video], partTarget: MediaTime(ticks: 18_017, timescale: 90_000))
        Fixture.fill(window, "video", segments: 0..<0, openParts: 1)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(lines.contains("#EXT-X-PART-INF:PART-TARGET=0.201"))
        #expect(lines.contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.603,HOLD-BACK=3"))
    }

    @Test func videoOnlyHasNoRenditionReport() throws {
        let window = Fixture.window([.video])
        Fixture.fill(window, "video", segments: 0..<1, openParts: 1)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(!lines.contains { $0.hasPrefix("#EXT-X-RENDITION-REPORT") })
        #expect(lines.contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"video/\(e)/1.1.m4s\""))
    }

    @Test func audioOnlyPlaylist() throws {
        let window = Fixture.window([.audio])
        Fixture.fill(window, "audio", segments: 0..<1, openParts: 1)
        let text = try #require(PlaylistRenderer.media(window.snapshot(), track: "audio"))
        let lines = Fixture.lines(text)
        #expect(Array(lines[7...]) == [
            "#EXT-X-MAP:URI=\"audio/\(e)/init-0.mp4\"",
            "#EXT-X-PROGRAM-DATE-TIME:2026-11-22T03:10:02.123Z",
        ] + Fixture.segmentLines("audio", 0) + [
            "#EXT-X-PART:DURATION=0.200,URI=\"audio/\(e)/1.0.m4s\",INDEPENDENT=YES",
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"audio/\(e)/1.1.m4s\"",
            "",
        ])
        #expect(PlaylistRenderer.media(window.snapshot(), track: "video") == nil)
    }

    @Test func discontinuityWithNewInitSegment() throws {
        let window = Fixture.window([.video])
        Fixture.fill(window, "video", segments: 0..<2)
        window.addInit(track: "video", format: Fixture.video2, data: .init(string: "init 1"))
        Fixture.fill(window, "video", segments: 2..<3, discontinuityAt: [2])
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        let expectedTail = Fixture.segmentLines("video", 1) + [
            "#EXT-X-DISCONTINUITY",
            "#EXT-X-MAP:URI=\"video/\(e)/init-1.mp4\"",
            "#EXT-X-PROGRAM-DATE-TIME:2026-11-22T03:10:03.323Z",
        ] + Fixture.segmentLines("video", 2) + [
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"video/\(e)/3.0.m4s\"",
            "",
        ]
        #expect(Array(lines.suffix(expectedTail.count)) == expectedTail)
        #expect(lines.filter { $0.hasPrefix("#EXT-X-MAP") }.count == 2)
        #expect(lines.filter { $0.hasPrefix("#EXT-X-PROGRAM-DATE-TIME") }.count == 2)
    }

    @Test func discontinuityWithoutFormatChangeKeepsTheMap() throws {
        let window = Fixture.window([.video])
        Fixture.fill(window, "video", segments: 0..<3, discontinuityAt: [1])
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(lines.filter { $0 == "#EXT-X-DISCONTINUITY" }.count == 1)
        #expect(lines.filter { $0.hasPrefix("#EXT-X-MAP") }.count == 1)
        let discontinuity = try #require(lines.firstIndex(of: "#EXT-X-DISCONTINUITY"))
        #expect(lines[discontinuity + 1] == "#EXT-X-PROGRAM-DATE-TIME:2026-11-22T03:10:02.723Z")
    }

    @Test func endedPlaylist() throws {
        let window = Fixture.window()
        Fixture.fill(window, "video", segments: 0..<1, openParts: 2)
        Fixture.fill(window, "audio", segments: 0..<1, openParts: 2)
        window.end()
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        let tail = Fixture.segmentLines("video", 1, parts: 2) + [
            "#EXT-X-RENDITION-REPORT:URI=\"audio.m3u8\",LAST-MSN=1,LAST-PART=1",
            "#EXT-X-ENDLIST",
            "",
        ]
        #expect(Array(lines.suffix(tail.count)) == tail)
        #expect(!lines.contains { $0.hasPrefix("#EXT-X-PRELOAD-HINT") })
    }

    @Test func windowSlidesWithMediaAndDiscontinuitySequence() throws {
        let window = Fixture.window([.video], windowSize: 3)
        Fixture.fill(window, "video", segments: 0..<10, discontinuityAt: [2, 6])
        // Kept: 3...9 (three listed plus four for late readers); 2 left with its discontinuity,
        // 6 is kept but no longer listed: both count.
        var lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(lines.contains("#EXT-X-MEDIA-SEQUENCE:7"))
        #expect(lines.contains("#EXT-X-DISCONTINUITY-SEQUENCE:2"))
        #expect(lines.filter { $0.hasPrefix("#EXTINF") }.count == 3)
        #expect(lines.filter { $0.hasSuffix(".m4s") && !$0.hasPrefix("#") } == [
            "video/\(e)/7.m4s", "video/\(e)/8.m4s", "video/\(e)/9.m4s",
        ])
        #expect(lines.contains("#EXT-X-MAP:URI=\"video/\(e)/init-0.mp4\""))
        #expect(lines.contains("#EXT-X-PROGRAM-DATE-TIME:2026-11-22T03:10:06.323Z"))
        #expect(!lines.contains("#EXT-X-DISCONTINUITY"))

        Fixture.fill(window, "video", segments: 10..<11, discontinuityAt: [10])
        lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(lines.contains("#EXT-X-MEDIA-SEQUENCE:8"))
        #expect(lines.contains("#EXT-X-DISCONTINUITY-SEQUENCE:2"))
        #expect(lines.filter { $0 == "#EXT-X-DISCONTINUITY" }.count == 1)
    }

    @Test func mediaSequenceStartsAtTheOpenSegmentWhenNothingIsComplete() throws {
        let window = Fixture.window([.video])
        Fixture.appendPart(window, "video", 0, 0)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(lines.contains("#EXT-X-MEDIA-SEQUENCE:0"))
        #expect(!lines.contains { $0.hasPrefix("#EXTINF") })
        #expect(lines.contains("#EXT-X-PART:DURATION=0.200,URI=\"video/\(e)/0.0.m4s\",INDEPENDENT=YES"))
    }

    @Test func partsAreListedOnlyForTheLastThreeTargetDurations() throws {
        // 2 s segments of ten parts, target duration 3: parts of segments starting within 9 s of the end.
        let window = Fixture.window([.video], targetDuration: 3, maxParts: 16)
        Fixture.fill(window, "video", segments: 0..<8, parts: 10, openParts: 2)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        func partCount(_ sequence: Int64) -> Int {
            lines.filter { $0.hasPrefix("#EXT-X-PART:") && $0.contains("/\(sequence).") }.count
        }
        #expect((0...3).map { partCount($0) } == [0, 0, 0, 0])
        #expect((4...8).map { partCount($0) } == [10, 10, 10, 10, 2])
        #expect(lines.filter { $0.hasPrefix("#EXTINF:2.000,") }.count == 8)
    }

    @Test func forcedCutHasNoIndependentFirstPart() throws {
        let window = Fixture.window([.video])
        Fixture.fill(window, "video", segments: 0..<1)
        Fixture.appendPart(window, "video", 1, 0, independent: false)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(lines.contains("#EXT-X-PART:DURATION=0.200,URI=\"video/\(e)/1.0.m4s\""))
        #expect(Fixture.lines(PlaylistRenderer.multivariant(window.snapshot())).contains("#EXT-X-INDEPENDENT-SEGMENTS") == false)
    }

    @Test func preloadHintAfterAClosedSegmentNamesTheNextSegment() throws {
        let window = Fixture.window([.video])
        Fixture.fill(window, "video", segments: 0..<2)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(lines.contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"video/\(e)/2.0.m4s\""))
    }

    @Test func preloadHintOfAFullSegmentNamesTheNextSegment() throws {
        let window = Fixture.window([.video], maxParts: 3)
        Fixture.fill(window, "video", segments: 0..<1, openParts: 3)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(lines.contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"video/\(e)/2.0.m4s\""))
    }

    @Test func renditionReportOfAClosedSegment() throws {
        let window = Fixture.window()
        Fixture.fill(window, "video", segments: 0..<3, openParts: 1)
        Fixture.fill(window, "audio", segments: 0..<3)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(lines.contains("#EXT-X-RENDITION-REPORT:URI=\"audio.m3u8\",LAST-MSN=2,LAST-PART=2"))
    }

    @Test func trackWithoutPartsHasNoPlaylist() {
        let window = Fixture.window()
        Fixture.fill(window, "video", segments: 0..<0, openParts: 1)
        #expect(PlaylistRenderer.media(window.snapshot(), track: "audio") == nil)
        #expect(PlaylistRenderer.media(window.snapshot(), track: "nope") == nil)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(!lines.contains { $0.hasPrefix("#EXT-X-RENDITION-REPORT") })
    }

    @Test func extinfHasThreeDecimals() throws {
        let window = Fixture.window([.video], targetDuration: 2)
        Fixture.fill(window, "video", segments: 0..<2, parts: 7)
        let lines = Fixture.lines(PlaylistRenderer.media(window.snapshot(), track: "video"))
        #expect(lines.filter { $0.hasPrefix("#EXTINF:") } == ["#EXTINF:1.400,", "#EXTINF:1.400,"])
    }
}
