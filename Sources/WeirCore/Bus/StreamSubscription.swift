import NIOCore
import Synchronization

/// One subscriber's view of a stream bus: a bounded queue read as an async sequence.
///
/// The publisher never waits for a subscriber. When the queue is full the subscriber drops
/// packets until the next keyframe of the lead video track (or of any audio track when there is
/// no video) and counts what it dropped; control events are never dropped.
public final class StreamSubscription: AsyncSequence, Sendable {
    public typealias Element = StreamEvent

    private struct State {
        var queue = CircularBuffer<StreamEvent>(initialCapacity: 64)
        var packetCount = 0
        var waiter: CheckedContinuation<StreamEvent?, Never>?
        var dropping = false
        var dropped: Int64 = 0
        var finished = false
    }

    public let policy: SubscriberPolicy
    private let state = Mutex(State())
    private let onCancel: @Sendable (StreamSubscription) -> Void

    init(policy: SubscriberPolicy, onCancel: @escaping @Sendable (StreamSubscription) -> Void) {
        self.policy = policy
        self.onCancel = onCancel
    }

    /// Packets this subscriber lost because it fell behind.
    public var droppedPackets: Int64 { state.withLock { $0.dropped } }

    /// Stops the subscription; the sequence ends after what is queued.
    public func cancel() {
        onCancel(self)
        deliver(nil)
    }

    func enqueue(_ event: StreamEvent, resumeKeyframe: Bool) {
        deliver(event, resumeKeyframe: resumeKeyframe)
    }

    private func deliver(_ event: StreamEvent?, resumeKeyframe: Bool = false) {
        let waiter: CheckedContinuation<StreamEvent?, Never>? = state.withLock { s in
            if s.finished { return nil }
            guard let event else {
                s.finished = true
                defer { s.waiter = nil }
                return s.waiter
            }
            if case .packet = event {
                if s.dropping {
                    guard resumeKeyframe, s.packetCount < policy.capacity else {
                        s.dropped += 1
                        return nil
                    }
                    s.dropping = false
                } else if s.packetCount >= policy.capacity {
                    s.dropping = true
                    s.dropped += 1
                    return nil
                }
            }
            if case .end = event { s.finished = true }
            if let waiter = s.waiter {
                s.waiter = nil
                return waiter
            }
            if case .packet = event { s.packetCount += 1 }
            s.queue.append(event)
            return nil
        }
        waiter?.resume(returning: event)
    }

    fileprivate func next() async -> StreamEvent? {
        if let event = take() { return event }
        return await withCheckedContinuation { (continuation: CheckedContinuation<StreamEvent?, Never>) in
            let immediate: StreamEvent?? = state.withLock { s in
                if let event = s.queue.popFirst() {
                    if case .packet = event { s.packetCount -= 1 }
                    return .some(event)
                }
                if s.finished { return .some(nil) }
                s.waiter = continuation
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    private func take() -> StreamEvent? {
        state.withLock { s in
            guard let event = s.queue.popFirst() else { return nil }
            if case .packet = event { s.packetCount -= 1 }
            return event
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: StreamSubscription
        public mutating func next() async -> StreamEvent? { await subscription.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }
}
