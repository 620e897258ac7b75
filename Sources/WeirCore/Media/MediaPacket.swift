public import NIOCore

/// One coded frame of one track.
///
/// Times are in the track's timescale. Video payloads are length-prefixed NAL units (4-byte
/// lengths) as they go into an `mdat`; AAC payloads are raw access units.
public struct MediaPacket: Sendable {
    public var track: TrackID
    /// Decode time, in the track's timescale, on the stream's normalised timeline.
    public var dts: MediaTime
    /// Presentation minus decode time, in the same timescale; negative values are valid.
    public var compositionOffset: Int32
    /// Known for audio (a frame's sample count); zero for video, whose duration is the gap to
    /// the next packet.
    public var duration: Int32
    public var isKeyframe: Bool
    public var data: ByteBuffer

    public init(track: TrackID, dts: MediaTime, compositionOffset: Int32 = 0, duration: Int32 = 0, isKeyframe: Bool, data: ByteBuffer) {
        self.track = track
        self.dts = dts
        self.compositionOffset = compositionOffset
        self.duration = duration
        self.isKeyframe = isKeyframe
        self.data = data
    }

    public var pts: MediaTime { MediaTime(ticks: dts.ticks + Int64(compositionOffset), timescale: dts.timescale) }
}
