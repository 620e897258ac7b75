@testable import HLS
import NIOCore
import Testing
import WeirCore

/// What the handler answers on the event loop, without a task: the same responses as the
/// waiting path, and `.later` exactly when an answer has to wait.
@Suite struct ImmediateAnswerTests {
    let e = Fixture.epoch

    func live() -> SegmentWindow {
        let window = Fixture.window(targetDuration: 10, maxParts: 8)
        Fixture.fill(window, "video", segments: 0..<2, openParts: 1)
        Fixture.fill(window, "audio", segments: 0..<2, openParts: 1)
        return window
    }

    @Test(arguments: [
        "/live/cam1/index.m3u8",
        "/live/cam1/video.m3u8",
        "/live/cam1/video.m3u8?_HLS_msn=1",
        "/live/cam1/video.m3u8?_HLS_msn=2&_HLS_part=0",
        "/live/cam1/video.m3u8?_HLS_msn=9",
        "/live/cam1/video.m3u8?_HLS_part=1",
        "/live/cam1/video/\(Fixture.epoch)/1.m4s",
        "/live/cam1/video/\(Fixture.epoch)/2.0.m4s",
        "/live/cam1/video/\(Fixture.epoch)/0.m4s",
        "/live/cam1/video/stale/1.m4s",
        "/live/cam1/nope.m3u8",
        "/live/other/index.m3u8",
        "/live/../x.m3u8",
    ])
    func answeredAtOnceAsTheWaitingPathWould(target: String) async throws {
        let window = live()
        let (_, handler) = Fixture.stream(window)
        let request = WebRequest(method: "GET", target: target)
        guard case .response(let now) = handler.respondNow(to: request) else {
            Issue.record("\(target) was not answered at once")
            return
        }
        let waited = try #require(await handler.respond(to: request))
        #expect(now.status == waited.status)
        #expect(now.text == waited.text)
        #expect(now.headers.map(\.0) == waited.headers.map(\.0))
        #expect(now.headers.map(\.1) == waited.headers.map(\.1))
    }

    @Test(arguments: [
        "/live/cam1/video.m3u8?_HLS_msn=2&_HLS_part=1",
        "/live/cam1/video.m3u8?_HLS_msn=3",
        "/live/cam1/video/\(Fixture.epoch)/2.1.m4s",
        "/live/cam1/video/\(Fixture.epoch)/2.m4s",
    ])
    func waitingRequestsAreLeftForLater(target: String) {
        let (_, handler) = Fixture.stream(live())
        guard case .later = handler.respondNow(to: WebRequest(method: "GET", target: target)) else {
            Issue.record("\(target) was answered without waiting")
            return
        }
    }

    @Test func playlistsOfAStreamWithoutPartsAreLeftForLater() {
        let (_, handler) = Fixture.stream(Fixture.window(targetDuration: 10, maxParts: 8))
        for target in ["/live/cam1/index.m3u8", "/live/cam1/video.m3u8"] {
            guard case .later = handler.respondNow(to: WebRequest(method: "GET", target: target)) else {
                Issue.record("\(target) was answered before the first part")
                continue
            }
        }
    }

    @Test func otherPathsAreNotTheHandlers() {
        let (_, handler) = Fixture.stream(live())
        guard case .notMine = handler.respondNow(to: WebRequest(method: "GET", target: "/metrics")) else {
            Issue.record("/metrics was taken by the HLS handler")
            return
        }
    }
}
