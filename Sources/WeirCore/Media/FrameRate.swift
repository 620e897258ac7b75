/// A frame rate as an exact fraction (30000/1001 stays exact).
public struct FrameRate: Sendable, Hashable {
    public var frames: Int64
    public var seconds: Int64

    public init(frames: Int64, per seconds: Int64 = 1) {
        self.frames = frames
        self.seconds = max(1, seconds)
    }

    /// For manifests only (`FRAME-RATE=29.970`).
    public var valueForDisplay: Double { Double(frames) / Double(seconds) }
}
