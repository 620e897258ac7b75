/// Ingest bitrate over the last few seconds, in one-second buckets.
struct BitrateMeter: Sendable {
    static let seconds = 5
    private var buckets = [Int64](repeating: 0, count: BitrateMeter.seconds)
    private var current: Int64?
    private var start: ContinuousClock.Instant?

    /// Adds a packet; returns the average bits per second over the full window once it has
    /// one, so a burst at the start of a publish is not mistaken for the rate.
    mutating func add(bytes: Int, at now: ContinuousClock.Instant) -> Int64? {
        if start == nil { start = now }
        guard let start else { return nil }
        let elapsed = now - start
        let second = elapsed.components.seconds
        if current != second {
            if let current {
                for s in (current + 1)...max(current + 1, min(second, current + Int64(Self.seconds))) { buckets[Int(s % Int64(Self.seconds))] = 0 }
            }
            current = second
        }
        buckets[Int(second % Int64(Self.seconds))] += Int64(bytes)
        guard second >= Int64(Self.seconds) else { return nil }
        return buckets.reduce(0, +) * 8 / Int64(Self.seconds)
    }
}
