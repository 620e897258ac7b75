/// A typed configuration value, resolved from YAML against an ``OptionType``.
///
/// Enumeration values are ``string(_:)``. An ``object(_:)`` keeps its keys in schema order
/// and the source location of each key.
public indirect enum ConfigValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case integer(Int)
    case duration(ConfigDuration)
    case bitrate(ConfigBitrate)
    case address(ConfigAddress)
    case pattern(StreamPathPattern)
    case list([ConfigValue])
    case object(OptionValues)

    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    public var integerValue: Int? {
        if case .integer(let value) = self { value } else { nil }
    }

    public var durationValue: ConfigDuration? {
        if case .duration(let value) = self { value } else { nil }
    }

    public var bitrateValue: ConfigBitrate? {
        if case .bitrate(let value) = self { value } else { nil }
    }

    public var addressValue: ConfigAddress? {
        if case .address(let value) = self { value } else { nil }
    }

    public var patternValue: StreamPathPattern? {
        if case .pattern(let value) = self { value } else { nil }
    }

    public var listValue: [ConfigValue]? {
        if case .list(let value) = self { value } else { nil }
    }

    public var objectValue: OptionValues? {
        if case .object(let value) = self { value } else { nil }
    }
}
