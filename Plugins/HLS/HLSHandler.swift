public import WeirCore
import Foundation
import NIOCore

/// Serves HLS for every stream in a catalog: playlists from the live window, with blocking
/// reload, and init segments, segments and parts from memory.
///
/// Routes (see the HTTP contract):
/// `/APP/KEY/index.m3u8`, `/APP/KEY/TRACK.m3u8`, `/APP/KEY/TRACK/EPOCH/init-N.mp4`,
/// `/APP/KEY/TRACK/EPOCH/MSN.m4s` and `/APP/KEY/TRACK/EPOCH/MSN.PART.m4s`. Paths ending in
/// `.m3u8`, `.m4s` or `.mp4` are this handler's; a malformed or unsafe one is a 404. Only GET
/// and HEAD are answered; a HEAD gets the GET response and the server drops the body (keeping
/// its Content-Length). Every response carries the CORS headers.
public struct HLSHandler: WebHandler {
    public let catalog: StreamCatalog
    let cache: PlaylistCache
    let access: (any PlaylistAccess)?

    /// Requests wait at most this many target durations (RFC 8216bis 6.2.5.2).
    static let holdTargets = 3

    public init(catalog: StreamCatalog, access: (any PlaylistAccess)? = nil) {
        self.catalog = catalog
        self.cache = PlaylistCache()
        self.access = access
    }

    public func respond(to request: WebRequest) async -> WebResponse? {
        switch plan(request) {
        case .notMine: return nil
        case .respond(let response): return response
        case .hold(let hold): return await self.hold(hold)
        }
    }

    public func respondNow(to request: WebRequest) -> WebImmediateAnswer {
        switch plan(request) {
        case .notMine: return .notMine
        case .respond(let response): return .response(response)
        case .hold(let hold):
            if case .respond(let response) = hold.decide(hold.window.snapshot()) { return .response(response) }
            return .later
        }
    }

    /// How to answer `request`, decided without waiting.
    func plan(_ request: WebRequest) -> Plan {
        guard request.method == "GET" || request.method == "HEAD" else { return .notMine }
        let resource: HLSResource
        switch HLSResource.parse(request.path) {
        case .notHLS: return .notMine
        case .invalid: return .respond(HLSResponse.notFound())
        case .resource(let parsed): resource = parsed
        }
        guard let stream = catalog.stream(at: resource.stream) else { return .respond(HLSResponse.notFound()) }
        let window = stream.window
        switch resource.kind {
        case .multivariant, .mediaPlaylist:
            var propagate: String?
            if let access {
                switch access.check(request, stream: stream) {
                case .denied(let reason): return .respond(HLSResponse.error(403, reason))
                case .allowed(let query): propagate = query
                }
            }
            let plan: Plan
            if case .mediaPlaylist(let track) = resource.kind {
                plan = mediaPlaylist(window, track: track, query: request.query)
            } else {
                plan = multivariant(window)
            }
            return propagate.map { query in plan.map { Self.propagating(query, into: $0) } } ?? plan
        case .initSegment(let track, let epoch, let number):
            guard epoch == window.epoch, let trackWindow = window.snapshot().track(named: track),
                  let initSegment = trackWindow.initSegment(number) else { return .respond(HLSResponse.notFound()) }
            return .respond(HLSResponse.media(initSegment.data, kind: trackWindow.kind))
        case .segment(let track, let epoch, let sequence):
            guard epoch == window.epoch else { return .respond(HLSResponse.notFound()) }
            return media(window, track: track) { track, _ in MediaAvailability.segment(sequence, in: track) }
        case .part(let track, let epoch, let sequence, let part):
            guard epoch == window.epoch else { return .respond(HLSResponse.notFound()) }
            return media(window, track: track) { track, snapshot in
                MediaAvailability.part(sequence, part, in: track, maxParts: snapshot.maxPartsPerSegment)
            }
        }
    }

    /// Appends `query` to every playlist URI of a playlist response (media playlists in the
    /// multivariant playlist, rendition reports in media playlists).
    public static func propagating(_ query: String, into response: WebResponse) -> WebResponse {
        guard response.status == 200, let text = response.body.getString(at: response.body.readerIndex, length: response.body.readableBytes) else {
            return response
        }
        var rewritten = response
        let body = text.replacingOccurrences(of: ".m3u8\"", with: ".m3u8?" + query + "\"")
            .replacingOccurrences(of: ".m3u8\n", with: ".m3u8?" + query + "\n")
        rewritten.body = ByteBuffer(string: body)
        // A per-viewer token makes the response personal: shared caches must not keep it.
        rewritten.headers = rewritten.headers.map { $0.0.lowercased() == "cache-control" ? ($0.0, "private, max-age=1") : $0 }
        return rewritten
    }

    /// When a request that waits must be answered.
    static func deadline(_ snapshot: WindowSnapshot) -> ContinuousClock.Instant {
        ContinuousClock.now + .seconds(holdTargets * max(1, snapshot.targetDuration))
    }
}
