/// Durations in fixed buckets (for Prometheus) plus the most recent samples (for percentiles).
public struct LatencyHistogram: Sendable, Hashable {
    /// Upper bounds of the buckets, in microseconds.
    public static let bounds: [Int64] = [
        50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    ]
    static let recentCapacity = 1024

    /// Cumulative counts per bound, then the total (the +Inf bucket).
    public private(set) var counts = [Int64](repeating: 0, count: LatencyHistogram.bounds.count)
    public private(set) var count: Int64 = 0
    public private(set) var sumMicros: Int64 = 0
    private var recent: [Int64] = []
    private var next = 0

    public init() {}

    public mutating func record(microseconds: Int64) {
        let value = max(0, microseconds)
        count += 1
        sumMicros += value
        for (i, bound) in Self.bounds.enumerated() where value <= bound { counts[i] += 1 }
        if recent.count < Self.recentCapacity {
            recent.append(value)
        } else {
            recent[next] = value
            next = (next + 1) % Self.recentCapacity
        }
    }

    public mutating func record(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        record(microseconds: seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }

    /// The `p`-quantile (0...1) of the most recent samples, in microseconds.
    public func quantile(_ p: Double) -> Int64? {
        guard !recent.isEmpty else { return nil }
        let sorted = recent.sorted()
        let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))
        return sorted[index]
    }
}
