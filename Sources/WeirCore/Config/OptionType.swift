/// The type of a configuration option, which decides how its text is read and checked.
public indirect enum OptionType: Sendable, Hashable {
    /// Any scalar text.
    case string
    /// `true` or `false` (also `yes`/`no`, `on`/`off`).
    case bool
    /// A whole number, optionally limited to a range.
    case integer(range: ClosedRange<Int>?)
    /// A length of time such as `2s` or `200ms`, read as ``ConfigDuration``.
    case duration
    /// A bit rate such as `2800k` or `6M`, read as ``ConfigBitrate``.
    case bitrate
    /// One of a fixed set of words; the value is a ``ConfigValue/string(_:)``.
    case enumeration([String])
    /// A YAML sequence whose elements all have the given type.
    case list(OptionType)
    /// A YAML mapping with the given keys.
    case object([OptionSpec])
    /// `HOST:PORT`, `:PORT` or `[IPv6]:PORT`, read as ``ConfigAddress``.
    case address
    /// A stream-path glob such as `live/*`, read as ``StreamPathPattern``.
    case streamPattern

    /// Whether values of this type are written as one YAML scalar.
    public var isScalar: Bool {
        switch self {
        case .list, .object: false
        default: true
        }
    }

    /// Reads the text of a YAML scalar as a value of this scalar type.
    ///
    /// - Parameters:
    ///   - text: The scalar as written, without quotes.
    /// - Returns: The typed value; lists and objects are never scalars and always throw.
    public func parse(_ text: String) throws(ConfigValueError) -> ConfigValue {
        switch self {
        case .string:
            return .string(text)
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "on": return .bool(true)
            case "false", "no", "off": return .bool(false)
            default: throw ConfigValueError("expected true or false, found '\(text)'")
            }
        case .integer(let range):
            guard text.utf8.count <= 40, let value = Int(text) else {
                if text.utf8.count <= 40, !text.isEmpty,
                   text.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy({ $0.isASCII && $0.isNumber }) {
                    throw ConfigValueError("integer '\(text)' is too large")
                }
                throw ConfigValueError("expected an integer, found '\(text)'")
            }
            if let range, !range.contains(value) {
                throw ConfigValueError("value \(value) is out of range \(range.lowerBound)...\(range.upperBound)")
            }
            return .integer(value)
        case .duration:
            return .duration(try ConfigDuration(parsing: text))
        case .bitrate:
            return .bitrate(try ConfigBitrate(parsing: text))
        case .enumeration(let cases):
            guard cases.contains(text) else {
                var message = "invalid value '\(text)': expected one of \(cases.joined(separator: ", "))"
                if let suggestion = KeySuggestion.closest(to: text, in: cases) {
                    message += " (did you mean '\(suggestion)'?)"
                }
                throw ConfigValueError(message)
            }
            return .string(text)
        case .address:
            return .address(try ConfigAddress(parsing: text))
        case .streamPattern:
            return .pattern(try StreamPathPattern(parsing: text))
        case .list:
            throw ConfigValueError("expected a list, found '\(text)'")
        case .object:
            throw ConfigValueError("expected a mapping, found '\(text)'")
        }
    }

    /// Whether `value` is a well-formed value of this type; used to check descriptors' defaults.
    public func accepts(_ value: ConfigValue) -> Bool {
        switch (self, value) {
        case (.string, .string), (.duration, .duration), (.bitrate, .bitrate),
             (.address, .address), (.streamPattern, .pattern), (.bool, .bool):
            return true
        case (.integer(let range), .integer(let number)):
            return range?.contains(number) ?? true
        case (.enumeration(let cases), .string(let text)):
            return cases.contains(text)
        case (.list(let element), .list(let values)):
            return values.allSatisfy(element.accepts)
        case (.object(let specs), .object(let values)):
            return values.entries.allSatisfy { entry in
                specs.first { $0.name == entry.key }.map { $0.type.accepts(entry.value) } ?? false
            }
        default:
            return false
        }
    }
}
