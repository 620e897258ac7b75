public import NIOCore
public import WeirCore

/// The payload of one reassembled PES packet of a packaged elementary stream.
///
/// For video this is one access unit in Annex B form; PES packets that carry neither a PTS nor
/// an access unit delimiter are appended to the unit before them, since some muxers split
/// large pictures that way. For
/// AAC it is one or more ADTS frames, all stamped with the PES time of the first.
public struct MPEGTSAccessUnit: Hashable, Sendable {
    /// The packet identifier of the stream.
    public var pid: UInt16
    /// The stream type from the program map.
    public var streamType: MPEGTSStreamType
    /// The codec of the stream.
    public var codec: Codec
    /// The 33-bit presentation time in 90 kHz ticks, nil when the PES carried none.
    public var pts: Int64?
    /// The 33-bit decode time in 90 kHz ticks; equal to ``pts`` when the PES carried only a PTS.
    public var dts: Int64?
    /// The PES payload.
    public var data: ByteBuffer
    /// The adaptation field's `random_access_indicator` on the first packet of the PES.
    public var randomAccess: Bool
    /// Data of this stream was lost (a continuity error or an oversized PES) since the previous
    /// unit, so predicted pictures that follow may reference missing ones.
    public var followsLoss: Bool
    /// How many time base discontinuities the PCR PID had signalled when this unit's PES header
    /// arrived: units of different values are on different clocks, even when a unit of the old
    /// clock completes after one of the new.
    public var timeBase: Int

    /// Creates an access unit.
    ///
    /// - Parameters:
    ///   - pid: The packet identifier.
    ///   - streamType: The stream type.
    ///   - codec: The codec.
    ///   - pts: The presentation time, 33 bits.
    ///   - dts: The decode time, 33 bits.
    ///   - data: The payload.
    ///   - randomAccess: The random access indicator.
    ///   - followsLoss: Whether data was lost before this unit.
    ///   - timeBase: The time base discontinuities signalled before the unit.
    public init(
        pid: UInt16, streamType: MPEGTSStreamType, codec: Codec, pts: Int64?, dts: Int64?, data: ByteBuffer,
        randomAccess: Bool = false, followsLoss: Bool = false, timeBase: Int = 0
    ) {
        self.pid = pid
        self.streamType = streamType
        self.codec = codec
        self.pts = pts
        self.dts = dts
        self.data = data
        self.randomAccess = randomAccess
        self.followsLoss = followsLoss
        self.timeBase = timeBase
    }
}
