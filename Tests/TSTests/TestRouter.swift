import Synchronization
import WeirCore

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

/// Grants paths of the `studio` app to the `ts` ingest, each with a real bus (one video and one
/// audio track declared), and refuses the rest; records requests, refusals and how each
/// publication ended.
///
/// Not under test: it stands in for the host's router so the TS sessions can be observed.
final class TestRouter: StreamRouter {
    struct Ending: Equatable {
        var path: String
        var clean: Bool
    }

    private struct State {
        var requests: [PublishRequest] = []
        var refusals: [PublishRefusal] = []
        var recorders: [String: [EventRecorder]] = [:]
        var endings: [Ending] = []
    }

    static let videoTrack = TrackID(1)
    static let audioTrack = TrackID(2)

    private let state = Mutex(State())
    private let catalog = StreamCatalog()
    let app: String

    init(app: String = "studio") {
        self.app = app
    }

    var requests: [PublishRequest] { state.withLock { $0.requests } }
    var refusals: [PublishRefusal] { state.withLock { $0.refusals } }
    var endings: [Ending] { state.withLock { $0.endings } }

    /// The recorders of every publish granted on `path`, oldest first.
    func recorders(_ path: String) -> [EventRecorder] { state.withLock { $0.recorders[path] ?? [] } }

    /// The recorder of the latest publish on `path`.
    func recorder(_ path: String) -> EventRecorder? { recorders(path).last }

    /// The live event on `path`, to stop it from the server's side.
    func stream(_ path: String) -> LiveStream? {
        guard let path = try? StreamPath(path) else { return nil }
        return catalog.stream(at: path)
    }

    func openPublish(_ request: PublishRequest) -> Result<Publication, PublishRefusal> {
        state.withLock { $0.requests.append(request) }
        let path = request.path.description
        guard request.path.app == app, request.ingest == "ts" else {
            return refuse(.noRoute(path))
        }
        let bus = StreamBus(
            path: path,
            policy: SegmentationPolicy(segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000)))
        bus.declare(TrackDeclaration(id: Self.videoTrack, name: "video", kind: .video))
        bus.declare(TrackDeclaration(id: Self.audioTrack, name: "audio", kind: .audio))
        let window = SegmentWindow(path: path, epoch: "test", startedAt: 0, targetDuration: 3, windowSize: 6, maxPartsPerSegment: 20)
        guard let stream = catalog.claim(request.path, make: {
            LiveStream(path: request.path, routeName: "studio", bus: bus, window: window, startedAt: 0)
        }), let generation = stream.attach(replacing: false) else {
            return refuse(.busy(path))
        }
        let recorder = EventRecorder()
        recorder.record(bus.subscribe(policy: SubscriberPolicy(capacity: 1_000_000)))
        state.withLock { $0.recorders[path, default: []].append(recorder) }
        return .success(Publication(stream: stream, generation: generation) { [self] clean in
            state.withLock { $0.endings.append(Ending(path: path, clean: clean)) }
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
func eventually(timeout: Duration = .seconds(15), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
