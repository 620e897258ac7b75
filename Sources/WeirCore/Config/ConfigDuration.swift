/// A length of time read from configuration, such as `2s`, `200ms`, `1.5s`, `30m` or `7d`.
///
/// Held as an integer count of microseconds so that no floating point reaches the media path;
/// convert to a track's timescale with ``ticks(timescale:)``.
public struct ConfigDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: Int64

    public init(microseconds: Int64) {
        self.microseconds = microseconds
    }

    public static func microseconds(_ value: Int64) -> ConfigDuration {
        ConfigDuration(microseconds: value)
    }

    /// A duration of `value` milliseconds, saturating at the limits of Int64.
    public static func milliseconds(_ value: Int64) -> ConfigDuration {
        ConfigDuration(microseconds: saturatingProduct(value, 1_000))
    }

    /// A duration of `value` seconds, saturating at the limits of Int64.
    public static func seconds(_ value: Int64) -> ConfigDuration {
        ConfigDuration(microseconds: saturatingProduct(value, 1_000_000))
    }

    private static func saturatingProduct(_ value: Int64, _ factor: Int64) -> Int64 {
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        guard overflow else { return product }
        return value < 0 ? .min : .max
    }

    public static let zero = ConfigDuration(microseconds: 0)

    /// The units accepted after the number, with their length in microseconds.
    static let units: [(suffix: String, microseconds: Int64)] = [
        ("us", 1),
        ("µs", 1),
        ("ms", 1_000),
        ("s", 1_000_000),
        ("m", 60_000_000),
        ("h", 3_600_000_000),
        ("d", 86_400_000_000),
    ]

    /// Reads a duration: a non-negative decimal number and a unit (`us`, `ms`, `s`, `m`, `h`, `d`).
    ///
    /// A bare `0` is accepted; any other number needs a unit, because `2` alone is ambiguous.
    /// - Parameters:
    ///   - text: The text as written in the configuration.
    public init(parsing text: String) throws(ConfigValueError) {
        guard !text.isEmpty else {
            throw ConfigValueError("empty duration (write e.g. 2s or 200ms)")
        }
        guard text.utf8.count <= ScaledDecimal.maximumLength else {
            throw ConfigValueError("invalid duration: text is too long")
        }
        if text.hasPrefix("-") {
            throw ConfigValueError("invalid duration '\(text)': must not be negative")
        }
        if text == "0" {
            self.init(microseconds: 0)
            return
        }
        let numberEnd = text.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? text.endIndex
        let number = text[..<numberEnd]
        let unit = String(text[numberEnd...])
        guard !number.isEmpty else {
            throw ConfigValueError("invalid duration '\(text)' (write e.g. 2s, 200ms, 1.5s)")
        }
        guard !unit.isEmpty else {
            throw ConfigValueError("invalid duration '\(text)': missing unit (write e.g. \(text)s or \(text)ms)")
        }
        guard let multiplier = Self.units.first(where: { $0.suffix == unit })?.microseconds else {
            throw ConfigValueError("invalid duration '\(text)': unknown unit '\(unit)' (use us, ms, s, m, h or d)")
        }
        do {
            self.init(microseconds: try ScaledDecimal.scale(number, by: multiplier))
        } catch {
            switch error {
            case .overflow: throw ConfigValueError("invalid duration '\(text)': too large")
            case .tooPrecise: throw ConfigValueError("invalid duration '\(text)': finer than one microsecond")
            case .notANumber: throw ConfigValueError("invalid duration '\(text)' (write e.g. 2s, 200ms, 1.5s)")
            }
        }
    }

    /// The duration in units of `1/timescale` seconds, rounded down.
    ///
    /// - Parameters:
    ///   - timescale: Ticks per second, e.g. 90000 or an audio sample rate; must be positive.
    /// - Returns: The tick count, or nil if it does not fit in Int64 or the timescale is not positive.
    public func ticks(timescale: Int64) -> Int64? {
        guard timescale > 0, microseconds >= 0 else { return nil }
        let product = microseconds.multipliedFullWidth(by: timescale)
        // The quotient fits in Int64 only while the product is below 1_000_000 * 2^63.
        guard product.high < 500_000 else { return nil }
        return Int64(1_000_000).dividingFullWidth(product).quotient
    }

    public static func < (lhs: ConfigDuration, rhs: ConfigDuration) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    /// The shortest form that reads back to the same value: `7d`, `30m`, `2s`, `1.5s`, `200ms`, `250us`.
    public var description: String {
        let value = microseconds
        if value == 0 { return "0s" }
        if value < 0 { return "\(value)us" }
        for (suffix, size) in [("d", Int64(86_400_000_000)), ("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000)]
        where value % size == 0 {
            return "\(value / size)\(suffix)"
        }
        if value > 1_000_000 {
            let fraction = String(value % 1_000_000)
            let padded = String(repeating: "0", count: 6 - fraction.count) + fraction
            let trimmed = padded.reversed().drop { $0 == "0" }.reversed()
            return "\(value / 1_000_000).\(String(trimmed))s"
        }
        if value % 1_000 == 0 { return "\(value / 1_000)ms" }
        return "\(value)us"
    }
}
