/// The codecs Weir packages. The codec configuration bytes of a ``TrackFormat`` are the
/// ISO-BMFF record of that codec (`avcC`, `hvcC`, `av1C`) or the AAC AudioSpecificConfig.
public enum Codec: String, Sendable, Hashable {
    case h264
    case h265
    case av1
    case aac
}
