public import WeirCore

/// The `stream_type` of an elementary stream in a program map (ISO/IEC 13818-1 table 2-34).
///
/// A raw-value wrapper rather than a closed enum, so that user private and reserved types from
/// the network stay representable; they are counted and skipped, never fatal.
public struct MPEGTSStreamType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The 8-bit `stream_type`.
    public let rawValue: UInt8

    /// Creates a stream type.
    ///
    /// - Parameters:
    ///   - rawValue: The `stream_type` byte.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// ISO/IEC 11172-2 video.
    public static let mpeg1Video = MPEGTSStreamType(rawValue: 0x01)
    /// ITU-T H.262 / ISO/IEC 13818-2 video.
    public static let mpeg2Video = MPEGTSStreamType(rawValue: 0x02)
    /// ISO/IEC 11172-3 audio (MP1, MP2, MP3).
    public static let mpeg1Audio = MPEGTSStreamType(rawValue: 0x03)
    /// ISO/IEC 13818-3 audio.
    public static let mpeg2Audio = MPEGTSStreamType(rawValue: 0x04)
    /// PES packets with private data (subtitles, AC-3 in DVB, KLV, …).
    public static let privateData = MPEGTSStreamType(rawValue: 0x06)
    /// AAC with the ADTS transport syntax (ISO/IEC 13818-7).
    public static let aacADTS = MPEGTSStreamType(rawValue: 0x0F)
    /// ISO/IEC 14496-2 video.
    public static let mpeg4Video = MPEGTSStreamType(rawValue: 0x10)
    /// AAC with the LATM transport syntax (ISO/IEC 14496-3).
    public static let aacLATM = MPEGTSStreamType(rawValue: 0x11)
    /// Metadata carried in PES packets (timed ID3).
    public static let metadata = MPEGTSStreamType(rawValue: 0x15)
    /// H.264 / AVC video.
    public static let h264 = MPEGTSStreamType(rawValue: 0x1B)
    /// H.265 / HEVC video.
    public static let h265 = MPEGTSStreamType(rawValue: 0x24)
    /// AC-3 audio (ATSC).
    public static let ac3 = MPEGTSStreamType(rawValue: 0x81)
    /// SCTE-35 splice information sections.
    public static let scte35 = MPEGTSStreamType(rawValue: 0x86)
    /// E-AC-3 audio (ATSC).
    public static let eac3 = MPEGTSStreamType(rawValue: 0x87)

    /// The codec Weir packages from this stream type, nil for the types it skips.
    public var codec: Codec? {
        switch self {
        case .h264: .h264
        case .h265: .h265
        case .aacADTS: .aac
        default: nil
        }
    }

    /// Whether the stream carries pictures Weir packages.
    public var isPackagedVideo: Bool {
        self == .h264 || self == .h265
    }

    /// A short name for logs and metrics labels, such as `h264` or `mp2`.
    public var description: String {
        switch self {
        case .mpeg1Video: "mpeg1video"
        case .mpeg2Video: "mpeg2video"
        case .mpeg1Audio, .mpeg2Audio: "mp2"
        case .privateData: "private"
        case .aacADTS: "aac"
        case .mpeg4Video: "mpeg4video"
        case .aacLATM: "latm"
        case .metadata: "metadata"
        case .h264: "h264"
        case .h265: "h265"
        case .ac3: "ac3"
        case .scte35: "scte35"
        case .eac3: "eac3"
        default: "0x" + String(rawValue, radix: 16)
        }
    }
}
