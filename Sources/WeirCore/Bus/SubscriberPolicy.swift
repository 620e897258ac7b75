/// How a subscriber's bounded queue behaves when the subscriber falls behind.
public struct SubscriberPolicy: Sendable, Hashable {
    /// Most packets held for the subscriber; control events (formats, boundaries, the end) are
    /// always kept because losing one would corrupt the output rather than thin it.
    public var capacity: Int

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// A viewer-facing live output: when full, packets are dropped until the next keyframe.
    public static let live = SubscriberPolicy(capacity: 512)
}
