import NIOCore
import WeirCore
import WeirFormats

/// What a publisher's `@setDataFrame`/`onMetaData` tells about its stream.
///
/// Advisory only: the codec headers are authoritative. The frame rate fills in when the SPS
/// carries no timing information.
struct RTMPStreamMetadata: Sendable, Equatable {
    var frameRate: Double?
    var width: Double?
    var height: Double?
    /// Kilobits per second, as encoders write it.
    var videoDataRate: Double?
    var audioDataRate: Double?
    /// `videocodecid`: a legacy FLV codec id (7 for H.264) or, from Enhanced RTMP publishers,
    /// a FourCC as a number (`hvc1` is 1752589105); some encoders write the FourCC as a string.
    var videoCodec: FLVVideoCodec?

    init() {}

    /// Reads the values of a data message: `@setDataFrame`, `onMetaData`, {…} or `onMetaData`, {…}.
    ///
    /// - Returns: nil when the message is not metadata.
    init?(values: [AMF0Value]) {
        guard let index = values.firstIndex(where: { $0.stringValue == "onMetaData" }),
              let properties = values.dropFirst(index + 1).first(where: { $0.objectValue != nil })?.objectValue
        else { return nil }
        func number(_ key: String) -> Double? {
            guard let value = properties[key]?.numberValue, value.isFinite, value > 0 else { return nil }
            return value
        }
        frameRate = number("framerate") ?? number("fps")
        width = number("width")
        height = number("height")
        videoDataRate = number("videodatarate")
        audioDataRate = number("audiodatarate")
        videoCodec = properties["videocodecid"].flatMap(Self.videoCodec)
    }

    /// Reads a `videocodecid` value: below 16 a legacy codec id, above a packed FourCC.
    static func videoCodec(_ value: AMF0Value) -> FLVVideoCodec? {
        if let number = value.numberValue {
            // nil for fractions, negatives, NaN and anything past 32 bits.
            guard let code = UInt32(exactly: number) else { return nil }
            return code < 16 ? FLVVideoCodec(legacyCodecID: UInt8(code)) : FLVVideoCodec(fourCC: code)
        }
        if let text = value.stringValue {
            let bytes = Array(text.utf8)
            guard bytes.count == 4 else { return nil }
            return FLVVideoCodec(fourCC: bytes.reduce(0) { $0 << 8 | UInt32($1) })
        }
        return nil
    }

    /// The metadata frame rate as an exact fraction: whole rates stay whole and NTSC rates
    /// (29.97, 59.94, 23.976) become n×1000/1001.
    var exactFrameRate: FrameRate? {
        guard let rate = frameRate, rate > 0, rate <= 1000 else { return nil }
        let whole = rate.rounded()
        if abs(rate - whole) < 0.005 { return FrameRate(frames: Int64(whole), per: 1) }
        let ntsc = (rate * 1.001).rounded()
        if abs(rate - ntsc / 1.001) < 0.005 { return FrameRate(frames: Int64(ntsc) * 1000, per: 1001) }
        return FrameRate(frames: Int64((rate * 1000).rounded()), per: 1000)
    }
}
