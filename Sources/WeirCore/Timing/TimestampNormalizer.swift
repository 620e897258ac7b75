/// Turns a publisher's wrapping wire timestamps into one monotonic stream timeline.
///
/// RTMP stamps packets with 32-bit milliseconds that wrap after 49.7 days; MPEG-TS with 33-bit
/// 90 kHz ticks that wrap after 26.5 hours. The normaliser unwraps them and treats a jump
/// (an encoder restart, a spliced source) as a discontinuity: the timeline is rebased to continue
/// just after the last timestamp it handed out, and the caller is told so it can put a
/// discontinuity on the bus. One normaliser serves all tracks of a stream so they stay in sync.
public struct TimestampNormalizer: Sendable {
    public struct Result: Sendable, Equatable {
        /// The normalised time, in the wire timescale.
        public var time: MediaTime
        /// The timeline jumped before this timestamp.
        public var discontinuity: Bool
    }

    public let timescale: Int32
    private let wrapModulus: Int64
    /// A forward or backward step larger than this, between any two packets, is a jump.
    private let jumpThreshold: Int64
    private var lastRaw: Int64?
    private var wrapOffset: Int64 = 0
    /// Added to unwrapped times so the timeline continues across jumps.
    private var rebase: Int64 = 0
    private var lastOutput: Int64?

    /// - Parameters:
    ///   - wrapBits: width of the wire timestamp (32 for RTMP, 33 for MPEG-TS).
    ///   - timescale: ticks per second of the wire timestamp.
    ///   - jumpThreshold: largest step between packets still taken as continuous.
    public init(wrapBits: Int, timescale: Int32, jumpThreshold: MediaTime = MediaTime(ticks: 10, timescale: 1)) {
        self.timescale = timescale
        self.wrapModulus = Int64(1) << Int64(min(max(wrapBits, 8), 62))
        self.jumpThreshold = jumpThreshold.converted(to: timescale).ticks
    }

    /// Normalises one wire timestamp.
    ///
    /// - Parameters:
    ///   - raw: the timestamp as received; it is reduced modulo the wrap width.
    public mutating func normalize(_ raw: Int64) -> Result {
        let wrapped = ((raw % wrapModulus) + wrapModulus) % wrapModulus
        var unwrapped: Int64
        if let lastRaw {
            var step = wrapped - lastRaw
            // A step of more than half the range backwards is a wrap forwards, and vice versa.
            if step < -wrapModulus / 2 {
                wrapOffset += wrapModulus
                step += wrapModulus
            } else if step > wrapModulus / 2 {
                wrapOffset -= wrapModulus
                step -= wrapModulus
            }
            unwrapped = wrapped + wrapOffset
            self.lastRaw = wrapped
            if let lastOutput, abs(step) > jumpThreshold {
                // Continue one nominal frame (20 ms) after the last time handed out.
                let continueAt = lastOutput + MediaTime.rescale(20, from: 1_000, to: timescale)
                rebase = continueAt - unwrapped
                let time = unwrapped + rebase
                self.lastOutput = time
                return Result(time: MediaTime(ticks: time, timescale: timescale), discontinuity: true)
            }
        } else {
            unwrapped = wrapped
            self.lastRaw = wrapped
        }
        let time = unwrapped + rebase
        lastOutput = max(lastOutput ?? time, time)
        return Result(time: MediaTime(ticks: time, timescale: timescale), discontinuity: false)
    }
}
