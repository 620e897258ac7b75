/// Header-name comparison as HTTP defines it: ASCII case-insensitive.
public enum HTTPHeaderName {
    /// Whether `a` and `b` name the same header; compares bytes, without building lowercased
    /// copies (this runs for every header of every response).
    public static func matches(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lower($0) == lower($1) }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
