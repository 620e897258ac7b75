import NIOCore
import WeirCore

extension HLSHandler {
    /// `index.m3u8`: waits for every track's first part (or any complete segment, so a declared
    /// track that never sends does not hold viewers back), at most three target durations.
    func multivariant(_ window: SegmentWindow) -> Plan {
        let deadline = Self.deadline(window.snapshot())
        let render: (WindowSnapshot) -> WebResponse = { snapshot in
            guard let body = cache.body(for: key(snapshot, track: ""), version: snapshot.version, render: {
                PlaylistRenderer.multivariant(snapshot)
            }) else { return snapshot.ended ? HLSResponse.notFound() : HLSResponse.unavailable() }
            return HLSResponse.playlist(body, maxAge: 1)
        }
        return .hold(Hold(window: window, deadline: deadline, decide: { snapshot in
            let ready = snapshot.tracks.filter(PlaylistRenderer.isReady)
            if ready.isEmpty { return snapshot.ended ? .respond(HLSResponse.notFound()) : .wait }
            let complete = ready.count == snapshot.tracks.count || ready.contains { !$0.segments.isEmpty }
            return snapshot.ended || complete ? .respond(render(snapshot)) : .wait
        }, timeout: render))
    }

    /// `TRACK.m3u8`, with blocking reload when `_HLS_msn` (and `_HLS_part`) are given.
    func mediaPlaylist(_ window: SegmentWindow, track name: String, query: [String: String]) -> Plan {
        let directives: DeliveryDirectives
        do {
            directives = try DeliveryDirectives(query: query)
        } catch {
            return .respond(HLSResponse.error(400, error.description))
        }
        let first = window.snapshot()
        guard first.track(named: name) != nil else { return .respond(HLSResponse.notFound()) }
        let deadline = Self.deadline(first)
        // Whether the directives were checked against the window as the request found it: an
        // advance limit applies when the request arrives, not while it waits.
        var checked = false
        return .hold(Hold(window: window, deadline: deadline) { snapshot in
            guard let track = snapshot.track(named: name) else { return .respond(HLSResponse.notFound()) }
            // A stream that has not produced its first part yet is waited for, like a blocking request.
            guard PlaylistRenderer.isReady(track) else { return snapshot.ended ? .respond(HLSResponse.notFound()) : .wait }
            if snapshot.ended { return .respond(renderMedia(snapshot, track: name, maxAge: 1)) }
            guard directives.msn != nil else { return .respond(renderMedia(snapshot, track: name, maxAge: 1)) }
            if !checked {
                if let refusal = BlockingReload.refusal(directives, track: track, snapshot: snapshot) {
                    return .respond(HLSResponse.error(400, refusal))
                }
                checked = true
            }
            guard BlockingReload.isSatisfied(directives, track: track) else { return .wait }
            return .respond(renderMedia(snapshot, track: name, maxAge: 60))
        })
    }

    private func renderMedia(_ snapshot: WindowSnapshot, track: String, maxAge: Int) -> WebResponse {
        guard let body = cache.body(for: key(snapshot, track: track), version: snapshot.version, render: {
            PlaylistRenderer.media(snapshot, track: track)
        }) else { return HLSResponse.notFound() }
        return HLSResponse.playlist(body, maxAge: maxAge)
    }

    private func key(_ snapshot: WindowSnapshot, track: String) -> PlaylistCache.Key {
        PlaylistCache.Key(path: snapshot.path, epoch: snapshot.epoch, track: track)
    }
}

