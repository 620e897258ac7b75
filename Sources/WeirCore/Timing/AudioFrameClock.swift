/// Counts audio time in codec frames rather than trusting rounded wire timestamps.
///
/// AAC at 48 kHz has 21.333 ms frames; RTMP stamps them in whole milliseconds. Deriving sample
/// times from those stamps would give frames of 1023 and 1025 samples. The clock instead
/// advances by exactly one frame per packet and resynchronises to the wire only when the two
/// drift apart by more than a frame and a half (a gap or a dropped frame).
public struct AudioFrameClock: Sendable {
    public let sampleRate: Int32
    public let samplesPerFrame: Int64
    private var next: Int64?

    public init(sampleRate: Int32, samplesPerFrame: Int) {
        self.sampleRate = max(1, sampleRate)
        self.samplesPerFrame = Int64(max(1, samplesPerFrame))
    }

    /// The decode time of the frame stamped `wireTime`, in samples.
    public mutating func time(for wireTime: MediaTime) -> MediaTime {
        let fromWire = wireTime.converted(to: sampleRate).ticks
        var time = fromWire
        if let next, abs(fromWire - next) <= samplesPerFrame + samplesPerFrame / 2 {
            time = next
        }
        next = time + samplesPerFrame
        return MediaTime(ticks: time, timescale: sampleRate)
    }
}
