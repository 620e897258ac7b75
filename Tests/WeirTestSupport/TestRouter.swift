import Synchronization
public import WeirCore

/// Grants publishes of one ingest to paths of some apps, each with a real bus (one video and
/// one audio track declared), and refuses the rest; records requests, refusals, what each bus
/// carried and how each publication ended.
///
/// Not under test: it stands in for the host's router so ingest sessions can be observed.
public final class TestRouter: StreamRouter {
    public struct Ending: Equatable, Sendable {
        public var path: String
        /// The publisher said it was done, rather than its connection being lost.
        public var clean: Bool

        public init(path: String, clean: Bool) {
            self.path = path
            self.clean = clean
        }
    }

    private struct State {
        var requests: [PublishRequest] = []
        var refusals: [PublishRefusal] = []
        var recorders: [String: [EventRecorder]] = [:]
        var endings: [Ending] = []
    }

    public static let videoTrack = TrackID(1)
    public static let audioTrack = TrackID(2)

    public let ingest: String
    public let apps: Set<String>
    private let state = Mutex(State())
    private let catalog = StreamCatalog()

    /// - Parameters:
    ///   - ingest: the ingest module whose publishes are granted.
    ///   - apps: the apps (first path element) granted; the app also names the route.
    public init(ingest: String, apps: Set<String>) {
        self.ingest = ingest
        self.apps = apps
    }

    public var requests: [PublishRequest] { state.withLock { $0.requests } }
    public var refusals: [PublishRefusal] { state.withLock { $0.refusals } }
    public var endings: [Ending] { state.withLock { $0.endings } }

    /// Publications of `path` ended so far, cleanly or by a lost connection.
    public func endCount(_ path: String) -> Int { endings.count { $0.path == path } }

    /// The recorders of every publish granted on `path`, oldest first.
    public func recorders(_ path: String) -> [EventRecorder] { state.withLock { $0.recorders[path] ?? [] } }

    /// The recorder of the latest publish on `path`.
    public func recorder(_ path: String) -> EventRecorder? { recorders(path).last }

    /// The live event on `path`, to stop it from the server's side.
    public func stream(_ path: String) -> LiveStream? {
        guard let path = try? StreamPath(path) else { return nil }
        return catalog.stream(at: path)
    }

    public func openPublish(_ request: PublishRequest) -> Result<Publication, PublishRefusal> {
        state.withLock { $0.requests.append(request) }
        let path = request.path.description
        guard apps.contains(request.path.app), request.ingest == ingest else {
            return refuse(.noRoute(path))
        }
        let bus = StreamBus(
            path: path,
            policy: SegmentationPolicy(segment: MediaTime(ticks: 2, timescale: 1), part: MediaTime(ticks: 200, timescale: 1000)))
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
