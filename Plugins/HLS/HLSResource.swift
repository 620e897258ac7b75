import WeirCore

/// What an HLS request path names, parsed strictly.
///
/// Paths arrive without percent-decoding. Every segment must pass ``StreamPath/isSafe(_:)``
/// (which refuses `%`, `\`, empty segments from `//`, and a leading dot, so `..` and `.x`),
/// and numbers must be plain decimals without leading zeros, so each resource has exactly one
/// URI and caches never hold two copies of it.
struct HLSResource: Hashable {
    enum Kind: Hashable {
        /// `/APP/KEY/index.m3u8`
        case multivariant
        /// `/APP/KEY/TRACK.m3u8`
        case mediaPlaylist(track: String)
        /// `/APP/KEY/TRACK/EPOCH/init-N.mp4`
        case initSegment(track: String, epoch: String, number: Int)
        /// `/APP/KEY/TRACK/EPOCH/MSN.m4s`
        case segment(track: String, epoch: String, sequence: Int64)
        /// `/APP/KEY/TRACK/EPOCH/MSN.PART.m4s`
        case part(track: String, epoch: String, sequence: Int64, part: Int)
    }

    enum Parsed: Hashable {
        /// Not an HLS path; another handler may take it.
        case notHLS
        /// Looks like an HLS resource but is malformed or unsafe: answer 404.
        case invalid
        case resource(HLSResource)
    }

    var stream: StreamPath
    var kind: Kind

    static let multivariantName = "index"
    /// Digits of the longest sequence or index accepted; keeps every value far from overflow.
    static let maximumDigits = 15

    /// Classifies a request path: HLS paths end in `.m3u8`, `.m4s` or `.mp4`.
    static func parse(_ path: String) -> Parsed {
        guard path.hasSuffix(".m3u8") || path.hasSuffix(".m4s") || path.hasSuffix(".mp4") else { return .notHLS }
        guard path.utf8.count <= 1_024, path.utf8.first == UInt8(ascii: "/") else { return .invalid }
        let segments = path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard segments.allSatisfy(StreamPath.isSafe), segments.count == 3 || segments.count == 5,
              let stream = try? StreamPath(app: segments[0], key: segments[1]) else { return .invalid }
        let kind: Kind?
        if segments.count == 3 {
            kind = playlist(segments[2])
        } else {
            kind = file(track: segments[2], epoch: segments[3], name: segments[4])
        }
        guard let kind else { return .invalid }
        return .resource(HLSResource(stream: stream, kind: kind))
    }

    private static func playlist(_ name: String) -> Kind? {
        guard name.hasSuffix(".m3u8") else { return nil }
        let base = String(name.dropLast(".m3u8".count))
        guard StreamPath.isSafe(base) else { return nil }
        return base == multivariantName ? .multivariant : .mediaPlaylist(track: base)
    }

    private static func file(track: String, epoch: String, name: String) -> Kind? {
        if name.hasPrefix("init-"), name.hasSuffix(".mp4") {
            let digits = name.dropFirst("init-".count).dropLast(".mp4".count)
            return decimal(digits).map { .initSegment(track: track, epoch: epoch, number: Int($0)) }
        }
        guard name.hasSuffix(".m4s") else { return nil }
        let numbers = name.dropLast(".m4s".count).split(separator: ".", omittingEmptySubsequences: false)
        switch numbers.count {
        case 1:
            return decimal(numbers[0]).map { .segment(track: track, epoch: epoch, sequence: $0) }
        case 2:
            guard let sequence = decimal(numbers[0]), let part = decimal(numbers[1]) else { return nil }
            return .part(track: track, epoch: epoch, sequence: sequence, part: Int(part))
        default:
            return nil
        }
    }

    /// A canonical non-negative decimal: digits only, no sign, no leading zero.
    static func decimal(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= maximumDigits,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              text == "0" || text.utf8.first != UInt8(ascii: "0") else { return nil }
        return Int64(text)
    }
}
