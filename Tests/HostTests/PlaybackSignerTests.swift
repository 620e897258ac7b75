import HLS
@testable import Host
import NIOCore
import Testing
import WeirCore

@Suite struct PlaybackSignerTests {
    static func stream() throws -> LiveStream {
        let path = try StreamPath("live/cam")
        let policy = SegmentationPolicy(segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000))
        let window = SegmentWindow(path: "live/cam", epoch: "e", startedAt: 0, targetDuration: 3, windowSize: 6, maxPartsPerSegment: 40)
        return LiveStream(path: path, routeName: "live", bus: StreamBus(path: "live/cam", policy: policy), window: window, startedAt: 0)
    }

    static func signer(secret: String?) throws -> PlaybackSigner {
        var settings = OptionValues(specs: ConfigSchema.routeSettings)
        if let secret {
            var playback = OptionValues(specs: ConfigSchema.playbackOptions)
            playback.set("secret", .string(secret))
            settings.set("playback", .object(playback))
        }
        let route = RouteConfiguration(
            name: "live", pattern: try StreamPathPattern(parsing: "live/*"), ingest: ["rtmp"], outputs: [],
            settings: settings, location: SourceLocation(file: "r.yaml", line: 1, column: 1))
        let table = RouteTable(routes: [route])
        return PlaybackSigner(routes: { table }, now: { 1_000 })
    }

    static func request(_ query: [String: String]) -> WebRequest {
        WebRequest(method: "GET", path: "/live/cam/index.m3u8", query: query)
    }

    @Test func unsignedRoutesAreOpen() throws {
        #expect(try Self.signer(secret: nil).check(Self.request([:]), stream: try Self.stream()) == .allowed(propagate: nil))
    }

    @Test func aValidTokenIsAcceptedAndPassedOn() throws {
        let token = PlaybackSigner.token(secret: "k3y", path: "live/cam", expires: 2_000)
        // The token is the HMAC of "live/cam:2000" under "k3y", as any HMAC-SHA256 tool computes it.
        #expect(token == SHA256.hex(SHA256.hmac(key: Array("k3y".utf8), message: Array("live/cam:2000".utf8))))
        let decision = try Self.signer(secret: "k3y").check(Self.request(["expires": "2000", "token": token]), stream: try Self.stream())
        #expect(decision == .allowed(propagate: "expires=2000&token=\(token)"))
    }

    @Test(arguments: [
        [:],
        ["expires": "2000"],
        ["expires": "2000", "token": "00"],
        ["expires": "500", "token": PlaybackSigner.token(secret: "k3y", path: "live/cam", expires: 500)],
        ["expires": "2000", "token": PlaybackSigner.token(secret: "other", path: "live/cam", expires: 2000)],
        ["expires": "2001", "token": PlaybackSigner.token(secret: "k3y", path: "live/cam", expires: 2000)],
    ])
    func badOrExpiredTokensAreDenied(_ query: [String: String]) throws {
        let decision = try Self.signer(secret: "k3y").check(Self.request(query), stream: try Self.stream())
        guard case .denied = decision else {
            Issue.record("expected a denial for \(query), got \(decision)")
            return
        }
    }

    @Test func theTokenIsCarriedIntoPlaylistURIs() {
        let playlist = "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,URI=\"audio.m3u8\"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nvideo.m3u8\n"
        let response = WebResponse(status: 200, headers: [("Cache-Control", "public, max-age=1")], body: ByteBuffer(string: playlist))
        let signed = HLSHandlerForTests.propagate("expires=1&token=ab", into: response)
        let text = String(buffer: signed.body)
        #expect(text.contains("URI=\"audio.m3u8?expires=1&token=ab\""))
        #expect(text.contains("\nvideo.m3u8?expires=1&token=ab\n"))
        #expect(signed.headers.contains { $0.0 == "Cache-Control" && $0.1 == "private, max-age=1" })
    }
}

enum HLSHandlerForTests {
    static func propagate(_ query: String, into response: WebResponse) -> WebResponse {
        HLSHandler.propagating(query, into: response)
    }
}
