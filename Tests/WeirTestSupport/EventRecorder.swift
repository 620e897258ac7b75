import Synchronization
public import WeirCore

/// Records what a bus subscriber receives, until the stream ends.
public final class EventRecorder: Sendable {
    private let state = Mutex<(events: [StreamEvent], ended: Bool)>(([], false))

    public init() {}

    public var events: [StreamEvent] { state.withLock { $0.events } }
    public var ended: Bool { state.withLock { $0.ended } }

    public func record(_ subscription: StreamSubscription) {
        Task {
            for await event in subscription {
                state.withLock { $0.events.append(event) }
            }
            state.withLock { $0.ended = true }
        }
    }
}
