public import WeirCore

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

    /// Requests wait at most this many target durations (RFC 8216bis 6.2.5.2).
    static let holdTargets = 3

    public init(catalog: StreamCatalog) {
        self.catalog = catalog
        self.cache = PlaylistCache()
    }

    public func respond(to request: WebRequest) async -> WebResponse? {
        guard request.method == "GET" || request.method == "HEAD" else { return nil }
        let resource: HLSResource
        switch HLSResource.parse(request.path) {
        case .notHLS: return nil
        case .invalid: return HLSResponse.notFound()
        case .resource(let parsed): resource = parsed
        }
        guard let stream = catalog.stream(at: resource.stream) else { return HLSResponse.notFound() }
        let window = stream.window
        switch resource.kind {
        case .multivariant:
            return await multivariant(window)
        case .mediaPlaylist(let track):
            return await mediaPlaylist(window, track: track, query: request.query)
        case .initSegment(let track, let epoch, let number):
            guard epoch == window.epoch, let trackWindow = window.snapshot().track(named: track),
                  let initSegment = trackWindow.initSegment(number) else { return HLSResponse.notFound() }
            return HLSResponse.media(initSegment.data, kind: trackWindow.kind)
        case .segment(let track, let epoch, let sequence):
            guard epoch == window.epoch else { return HLSResponse.notFound() }
            return await media(window, track: track) { track, _ in MediaAvailability.segment(sequence, in: track) }
        case .part(let track, let epoch, let sequence, let part):
            guard epoch == window.epoch else { return HLSResponse.notFound() }
            return await media(window, track: track) { track, snapshot in
                MediaAvailability.part(sequence, part, in: track, maxParts: snapshot.maxPartsPerSegment)
            }
        }
    }

    /// When a request that waits must be answered.
    static func deadline(_ snapshot: WindowSnapshot) -> ContinuousClock.Instant {
        ContinuousClock.now + .seconds(holdTargets * max(1, snapshot.targetDuration))
    }
}
