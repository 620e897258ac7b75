public import NIOCore
public import WeirCore

extension MPEGTSMediaAdapter {
    /// One coded frame, ready to become a ``MediaPacket`` on whichever track the ingest maps
    /// its kind to.
    public struct Sample: Hashable, Sendable {
        /// Decode time: 90 kHz ticks for video, samples for audio, on the stream's normalised timeline.
        public var dts: MediaTime
        /// Presentation minus decode time, in the same timescale.
        public var compositionOffset: Int32
        /// The frame's sample count for audio; zero for video.
        public var duration: Int32
        public var isKeyframe: Bool
        /// Video: 4-byte length-prefixed NAL units. Audio: one raw AAC frame.
        public var data: ByteBuffer

        /// Creates a sample.
        ///
        /// - Parameters:
        ///   - dts: The decode time.
        ///   - compositionOffset: Presentation minus decode time.
        ///   - duration: The audio frame duration, or zero.
        ///   - isKeyframe: Whether decoding can start here.
        ///   - data: The payload.
        public init(dts: MediaTime, compositionOffset: Int32 = 0, duration: Int32 = 0, isKeyframe: Bool, data: ByteBuffer) {
            self.dts = dts
            self.compositionOffset = compositionOffset
            self.duration = duration
            self.isKeyframe = isKeyframe
            self.data = data
        }

        /// The presentation time.
        public var pts: MediaTime {
            MediaTime(ticks: dts.ticks + Int64(compositionOffset), timescale: dts.timescale)
        }

        /// The sample as a packet of `track`.
        ///
        /// - Parameters:
        ///   - track: The bus track the ingest maps this sample's kind to.
        public func packet(track: TrackID) -> MediaPacket {
            MediaPacket(
                track: track, dts: dts, compositionOffset: compositionOffset, duration: duration, isKeyframe: isKeyframe,
                data: data)
        }
    }
}
