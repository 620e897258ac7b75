@testable import Host
import NIOCore
import Testing
import WeirCore

/// The responder's own answers, its immediate path and the viewer count it keeps.
@Suite struct WebResponderTests {
    /// Answers `/live/KEY/video.m3u8` at once and `/slow` only after waiting.
    struct Handler: WebHandler {
        func respond(to request: WebRequest) async -> WebResponse? {
            request.path == "/slow" ? .text(200, "slow") : immediate(request)
        }

        func respondNow(to request: WebRequest) -> WebImmediateAnswer {
            if request.path == "/slow" { return .later }
            return immediate(request).map { .response($0) } ?? .notMine
        }

        private func immediate(_ request: WebRequest) -> WebResponse? {
            request.path.hasSuffix(".m3u8") ? WebResponse(status: 200, headers: [("access-control-allow-origin", "x")]) : nil
        }
    }

    @Test(arguments: [
        ("/live/cam1/video.m3u8", "live/cam1"),
        ("/a/b/c/d.m3u8", "a/b"),
        ("/live/cam1", nil),
        ("//x/y.m3u8", nil),
        ("/a//y.m3u8", nil),
        ("live/cam1/video.m3u8", nil),
        ("/", nil),
        ("", nil),
    ] as [(String, String?)])
    func streamPathOfARequest(path: String, stream: String?) {
        #expect(WebResponder.streamPath(path) == stream)
    }

    @Test func immediateAnswersCountViewersLikeWaitedOnes() async throws {
        let statistics = HTTPStatistics()
        let responder = WebResponder(handlers: [Handler()], statistics: statistics)
        let playlist = WebRequest(method: "GET", target: "/live/cam1/video.m3u8", remoteAddress: "::1:5000")
        let now = try #require(responder.respondNow(to: playlist))
        let waited = await responder.respond(to: WebRequest(method: "GET", target: "/live/cam1/video.m3u8", remoteAddress: "10.0.0.2:7"))
        #expect(now.status == 200 && waited.status == 200)
        // A CORS header the handler set, in any case, is not added twice.
        #expect(now.headers.filter { HTTPHeaderName.matches($0.0, "Access-Control-Allow-Origin") }.count == 1)
        #expect(responder.respondNow(to: WebRequest(method: "GET", target: "/slow")) == nil)
        #expect(responder.respondNow(to: WebRequest(method: "GET", target: "/healthz"))?.status == 200)
        #expect(responder.respondNow(to: WebRequest(method: "DELETE", target: "/x"))?.status == 405)
        #expect(responder.respondNow(to: WebRequest(method: "GET", target: "/nothing"))?.status == 404)
        #expect(statistics.viewers() == ["live/cam1": 2])
    }
}
