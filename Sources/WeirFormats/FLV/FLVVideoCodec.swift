/// The codec of a video tag, from the legacy `CodecID` or the Enhanced RTMP FourCC.
public enum FLVVideoCodec: Sendable, Hashable {
    /// H.264 (legacy codec id 7, FourCC `avc1`).
    case avc
    /// H.265 (FourCC `hvc1`, or the widely used non-standard legacy codec id 12).
    case hevc
    /// AV1 (FourCC `av01`).
    case av1
    /// VP9 (FourCC `vp09`).
    case vp9
    /// Any other codec: the packed FourCC, or the legacy codec id (below 16).
    case other(UInt32)

    /// Maps an Enhanced RTMP FourCC.
    ///
    /// - Parameters:
    ///   - fourCC: The four characters packed big-endian.
    public init(fourCC: UInt32) {
        switch fourCC {
        case FLVFourCC.avc1: self = .avc
        case FLVFourCC.hvc1: self = .hevc
        case FLVFourCC.av01: self = .av1
        case FLVFourCC.vp09: self = .vp9
        default: self = .other(fourCC)
        }
    }

    /// Maps a legacy FLV `CodecID`.
    ///
    /// - Parameters:
    ///   - legacyCodecID: The 4-bit codec id.
    public init(legacyCodecID: UInt8) {
        switch legacyCodecID {
        case 7: self = .avc
        case 12: self = .hevc
        default: self = .other(UInt32(legacyCodecID))
        }
    }

    /// Whether coded frames of this codec carry a composition time offset and length-prefixed NAL units.
    public var isNALUnitBased: Bool {
        self == .avc || self == .hevc
    }

    /// A readable name: the FourCC, or `codec-N` for an unknown legacy id.
    public var name: String {
        switch self {
        case .avc: "avc1"
        case .hevc: "hvc1"
        case .av1: "av01"
        case .vp9: "vp09"
        case .other(let code) where code < 16: "codec-\(code)"
        case .other(let code): FLVFourCC.string(code)
        }
    }
}
