extension CMAFTrackDescription {
    /// The codec of a track and the configuration record its decoder needs.
    public enum SampleEntry: Sendable, Hashable {
        /// H.264 with its AVCDecoderConfigurationRecord (ISO/IEC 14496-15) and coded size.
        case avc1(avcC: [UInt8], width: UInt16, height: UInt16)
        /// H.265 with its HEVCDecoderConfigurationRecord, parameter sets included, and coded size.
        case hvc1(hvcC: [UInt8], width: UInt16, height: UInt16)
        /// AV1 with its AV1CodecConfigurationRecord and coded size.
        case av01(av1C: [UInt8], width: UInt16, height: UInt16)
        /// AAC with its AudioSpecificConfig (ISO/IEC 14496-3).
        case mp4a(audioSpecificConfig: [UInt8], sampleRate: UInt32, channelCount: UInt16)

        /// Whether the track is video (a `vide` handler) rather than audio.
        public var isVideo: Bool {
            switch self {
            case .avc1, .hvc1, .av01: true
            case .mp4a: false
            }
        }

        /// The width and height for `tkhd`; zero for audio.
        var displaySize: (UInt16, UInt16) {
            switch self {
            case .avc1(_, let width, let height), .hvc1(_, let width, let height), .av01(_, let width, let height):
                (width, height)
            case .mp4a:
                (0, 0)
            }
        }
    }
}
