public import NIOCore

/// One LL-HLS part: a single `moof`+`mdat` of one track.
public struct Part: Sendable {
    public var index: Int
    public var duration: MediaTime
    /// Starts with a keyframe (always true for audio).
    public var independent: Bool
    public var data: ByteBuffer

    public init(index: Int, duration: MediaTime, independent: Bool, data: ByteBuffer) {
        self.index = index
        self.duration = duration
        self.independent = independent
        self.data = data
    }
}
