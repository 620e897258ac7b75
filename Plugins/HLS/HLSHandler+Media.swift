import WeirCore

extension HLSHandler {
    /// A segment or part: served from memory, or waited for when it is just ahead of the live
    /// edge (the preload hint names it), for at most three target durations.
    func media(
        _ window: SegmentWindow, track name: String,
        availability: @escaping (TrackWindow, WindowSnapshot) -> MediaAvailability
    ) -> Plan {
        let first = window.snapshot()
        guard first.track(named: name) != nil else { return .respond(HLSResponse.notFound()) }
        return .hold(Hold(window: window, deadline: Self.deadline(first)) { snapshot in
            guard let track = snapshot.track(named: name) else { return .respond(HLSResponse.notFound()) }
            switch availability(track, snapshot) {
            case .available(let data): return .respond(HLSResponse.media(data, kind: track.kind))
            case .upcoming: return snapshot.ended ? .respond(HLSResponse.notFound()) : .wait
            case .unavailable: return .respond(HLSResponse.notFound())
            }
        })
    }
}
