/// Four-character codes packed big-endian into a `UInt32`, as Enhanced RTMP sends them.
enum FLVFourCC {
    static let avc1 = make("avc1")
    static let hvc1 = make("hvc1")
    static let av01 = make("av01")
    static let vp09 = make("vp09")
    static let mp4a = make("mp4a")

    /// Packs the first four ASCII characters of `code`.
    static func make(_ code: StaticString) -> UInt32 {
        var value: UInt32 = 0
        code.withUTF8Buffer { bytes in
            for byte in bytes.prefix(4) {
                value = value << 8 | UInt32(byte)
            }
        }
        return value
    }

    /// The four characters of a packed code; non-printable bytes become `?`.
    static func string(_ code: UInt32) -> String {
        let bytes = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: code >> UInt32($0)) }
        return String(decoding: bytes.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
