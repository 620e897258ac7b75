/// A bit rate read from configuration, such as `2800k`, `6M` or `128000`.
///
/// Suffixes are decimal (`k` = 1000, `M` = 1000000, `G` = 10^9), as encoders use them;
/// an optional trailing `bps` is allowed (`2800kbps`).
public struct ConfigBitrate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bitsPerSecond: Int64

    public init(bitsPerSecond: Int64) {
        self.bitsPerSecond = bitsPerSecond
    }

    /// Reads a positive bit rate.
    ///
    /// - Parameters:
    ///   - text: The text as written in the configuration.
    public init(parsing text: String) throws(ConfigValueError) {
        guard !text.isEmpty else {
            throw ConfigValueError("empty bit rate (write e.g. 2800k or 6M)")
        }
        guard text.utf8.count <= ScaledDecimal.maximumLength else {
            throw ConfigValueError("invalid bit rate: text is too long")
        }
        if text.hasPrefix("-") {
            throw ConfigValueError("invalid bit rate '\(text)': must be positive")
        }
        var body = Substring(text)
        if body.hasSuffix("bps") {
            body = body.dropLast(3)
        }
        var multiplier: Int64 = 1
        switch body.last {
        case "k", "K": multiplier = 1_000
        case "m", "M": multiplier = 1_000_000
        case "g", "G": multiplier = 1_000_000_000
        default: break
        }
        if multiplier > 1 {
            body = body.dropLast()
        }
        if let unit = body.first(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) {
            throw ConfigValueError("invalid bit rate '\(text)': unexpected '\(unit)' (write e.g. 2800k, 6M or 128000)")
        }
        let value: Int64
        do {
            value = try ScaledDecimal.scale(body, by: multiplier)
        } catch {
            switch error {
            case .overflow: throw ConfigValueError("invalid bit rate '\(text)': too large")
            case .tooPrecise: throw ConfigValueError("invalid bit rate '\(text)': finer than one bit per second")
            case .notANumber: throw ConfigValueError("invalid bit rate '\(text)' (write e.g. 2800k, 6M or 128000)")
            }
        }
        guard value > 0 else {
            throw ConfigValueError("invalid bit rate '\(text)': must be positive")
        }
        self.init(bitsPerSecond: value)
    }

    public static func < (lhs: ConfigBitrate, rhs: ConfigBitrate) -> Bool {
        lhs.bitsPerSecond < rhs.bitsPerSecond
    }

    /// The shortest exact form: `6M`, `2800k`, `128500`.
    public var description: String {
        let value = bitsPerSecond
        guard value > 0 else { return String(value) }
        if value % 1_000_000_000 == 0 { return "\(value / 1_000_000_000)G" }
        if value % 1_000_000 == 0 { return "\(value / 1_000_000)M" }
        if value % 1_000 == 0 { return "\(value / 1_000)k" }
        return String(value)
    }
}
