/// Counters of what a stream bus carried, read for metrics and the stream API.
public struct StreamStatistics: Sendable, Hashable {
    public var packets: Int64
    public var bytes: Int64
    public var videoFrames: Int64
    public var audioFrames: Int64
    /// Time between the last two keyframes of the source video.
    public var keyframeInterval: MediaTime?
    /// Packets subscribers lost by falling behind.
    public var droppedBySubscribers: Int64

    public init(packets: Int64, bytes: Int64, videoFrames: Int64, audioFrames: Int64, keyframeInterval: MediaTime?, droppedBySubscribers: Int64) {
        self.packets = packets
        self.bytes = bytes
        self.videoFrames = videoFrames
        self.audioFrames = audioFrames
        self.keyframeInterval = keyframeInterval
        self.droppedBySubscribers = droppedBySubscribers
    }
}
