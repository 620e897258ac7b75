public import NIOCore

/// One LL-HLS part: a single `moof`+`mdat` of one track, or a gap.
public struct Part: Sendable {
    public var index: Int
    public var duration: MediaTime
    /// Starts with a keyframe (always true for audio).
    public var independent: Bool
    /// Stands for media time this track has no media for (`GAP=YES`); its data is empty.
    public var isGap: Bool
    public var data: ByteBuffer

    public init(index: Int, duration: MediaTime, independent: Bool, isGap: Bool = false, data: ByteBuffer) {
        self.index = index
        self.duration = duration
        self.independent = independent
        self.isGap = isGap
        self.data = data
    }
}
