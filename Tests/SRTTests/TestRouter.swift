import Synchronization
import WeirCore
@testable import SRT

/// Records what a bus subscriber receives, until the stream ends.
final class EventRecorder: Sendable {
    private let state = Mutex<(events: [StreamEvent], ended: Bool)>(([], false))

    var events: [StreamEvent] { state.withLock { $0.events } }
    var ended: Bool { state.withLock { $0.ended } }

    func record(_ subscription: StreamSubscription) {
        Task {
            for await event in subscription {
                state.withLock { $0.events.append(event) }
            }
            state.withLock { $0.ended = true }
        }
    }
}

/// Grants `live/*` and `secure/*` with a real bus (one video and one audio track declared) and
/// refuses the rest; records what happens.
///
/// Not under test: it stands in for the host's router so the SRT sessions can be observed.
final class TestRouter: StreamRouter {
    private struct State {
        var requests: [PublishRequest] = []
        var ends: [String: (clean: Int, lost: Int)] = [:]
        var recorders: [String: EventRecorder] = [:]
        var refusals: [PublishRefusal] = []
    }

    static let videoTrack = TrackID(1)
    static let audioTrack = TrackID(2)

    private let state = Mutex(State())
    private let catalog = StreamCatalog()

    var requests: [PublishRequest] { state.withLock { $0.requests } }
    var refusals: [PublishRefusal] { state.withLock { $0.refusals } }

    /// Publications of `path` ended so far, whether cleanly or by a lost connection.
    func endCount(_ path: String) -> Int { state.withLock { s in s.ends[path].map { $0.clean + $0.lost } ?? 0 } }

    /// The recorder of the latest publish on `path`.
    func recorder(_ path: String) -> EventRecorder? { state.withLock { $0.recorders[path] } }

    func stream(_ path: String) -> LiveStream? { (try? StreamPath(path)).flatMap { catalog.stream(at: $0) } }

    func openPublish(_ request: PublishRequest) -> Result<Publication, PublishRefusal> {
        state.withLock { $0.requests.append(request) }
        let path = request.path.description
        guard ["live", "secure"].contains(request.path.app), request.ingest == "srt" else {
            return refuse(.noRoute(path))
        }
        let bus = StreamBus(path: path, policy: SegmentationPolicy(segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000)))
        bus.declare(TrackDeclaration(id: Self.videoTrack, name: "video", kind: .video))
        bus.declare(TrackDeclaration(id: Self.audioTrack, name: "audio", kind: .audio))
        let window = SegmentWindow(path: path, epoch: "test", startedAt: 0, targetDuration: 3, windowSize: 6, maxPartsPerSegment: 20)
        guard let stream = catalog.claim(request.path, make: {
            LiveStream(path: request.path, routeName: request.path.app, bus: bus, window: window, startedAt: 0)
        }), let generation = stream.attach(replacing: false) else {
            return refuse(.busy(path))
        }
        let recorder = EventRecorder()
        recorder.record(bus.subscribe(policy: SubscriberPolicy(capacity: 1_000_000)))
        state.withLock { $0.recorders[path] = recorder }
        return .success(Publication(stream: stream, generation: generation) { [self] clean in
            state.withLock { s in
                var ends = s.ends[path] ?? (0, 0)
                if clean { ends.clean += 1 } else { ends.lost += 1 }
                s.ends[path] = ends
            }
            _ = stream.detach(generation: generation)
            bus.end()
        })
    }

    private func refuse(_ refusal: PublishRefusal) -> Result<Publication, PublishRefusal> {
        state.withLock { $0.refusals.append(refusal) }
        return .failure(refusal)
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
