/// The resolved options of one mapping: a module's route options, its global options, or a nested object.
///
/// Keys keep schema order. Absent keys that have a default hold it (with no source location),
/// so a module reads every option the same way whether or not the operator wrote it:
///
/// ```swift
/// let segment = options.duration("segment") ?? .seconds(2)
/// let window = options.integer("window") ?? 12
/// ```
///
/// Each accessor returns nil when the key is unknown, unset without a default, or of another type.
/// Equality ignores source locations, so moving a line in a file is not a configuration change.
public struct OptionValues: Sendable, Hashable, CustomStringConvertible {
    /// One key and its value.
    public struct Entry: Sendable {
        public var key: String
        public var value: ConfigValue
        /// Where the value was written; nil when it is the default.
        public var location: SourceLocation?

        public init(key: String, value: ConfigValue, location: SourceLocation? = nil) {
            self.key = key
            self.value = value
            self.location = location
        }
    }

    public private(set) var entries: [Entry]
    /// Where the mapping itself was written, if it was.
    public var location: SourceLocation?

    /// No options.
    public init() {
        entries = []
        location = nil
    }

    /// Options in the given order; a repeated key keeps its last value.
    ///
    /// - Parameters:
    ///   - entries: Keys, values and where each was written.
    ///   - location: Where the mapping was written.
    public init(entries: [Entry], location: SourceLocation? = nil) {
        self.entries = []
        self.location = location
        for entry in entries {
            set(entry.key, entry.value, location: entry.location)
        }
    }

    /// Options for a schema: each given value, and the default of every other key that has one.
    ///
    /// Use this to build options in tests or from code; the loader uses it too.
    /// - Parameters:
    ///   - specs: The schema, which decides key order and defaults.
    ///   - values: Values that override the defaults. Keys not in `specs` are kept after the others, sorted.
    ///   - location: Where the mapping was written.
    public init(specs: [OptionSpec], values: [String: ConfigValue] = [:], location: SourceLocation? = nil) {
        self.entries = []
        self.location = location
        for spec in specs {
            if let value = values[spec.name] ?? spec.effectiveDefault {
                set(spec.name, value)
            }
        }
        let known = Set(specs.map(\.name))
        for key in values.keys.sorted() where !known.contains(key) {
            if let value = values[key] {
                set(key, value)
            }
        }
    }

    /// The keys in order.
    public var keys: [String] { entries.map(\.key) }

    public var isEmpty: Bool { entries.isEmpty }

    public subscript(key: String) -> ConfigValue? {
        entries.first { $0.key == key }?.value
    }

    /// Where the value of `key` was written; nil when it is a default or absent.
    public func location(of key: String) -> SourceLocation? {
        entries.first { $0.key == key }?.location
    }

    /// Whether `key` was written in the file rather than taken from the schema default.
    public func isExplicit(_ key: String) -> Bool {
        location(of: key) != nil
    }

    /// Sets or replaces the value of `key`, keeping its position if it was already there.
    public mutating func set(_ key: String, _ value: ConfigValue, location: SourceLocation? = nil) {
        let entry = Entry(key: key, value: value, location: location)
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index] = entry
        } else {
            entries.append(entry)
        }
    }

    public func string(_ key: String) -> String? { self[key]?.stringValue }
    public func bool(_ key: String) -> Bool? { self[key]?.boolValue }
    public func integer(_ key: String) -> Int? { self[key]?.integerValue }
    public func duration(_ key: String) -> ConfigDuration? { self[key]?.durationValue }
    public func bitrate(_ key: String) -> ConfigBitrate? { self[key]?.bitrateValue }
    public func address(_ key: String) -> ConfigAddress? { self[key]?.addressValue }
    public func pattern(_ key: String) -> StreamPathPattern? { self[key]?.patternValue }
    public func object(_ key: String) -> OptionValues? { self[key]?.objectValue }
    public func list(_ key: String) -> [ConfigValue]? { self[key]?.listValue }

    /// A list of strings, or nil if the key is absent or any element is not a string.
    public func strings(_ key: String) -> [String]? {
        guard let list = list(key) else { return nil }
        let strings = list.compactMap(\.stringValue)
        return strings.count == list.count ? strings : nil
    }

    /// A list of mappings (e.g. a transcode ladder), or nil if the key is absent or any element is not a mapping.
    public func objects(_ key: String) -> [OptionValues]? {
        guard let list = list(key) else { return nil }
        let objects = list.compactMap(\.objectValue)
        return objects.count == list.count ? objects : nil
    }

    public static func == (lhs: OptionValues, rhs: OptionValues) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
        for entry in entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }

    /// YAML flow style: `{ segment: 2s, part: 200ms, window: 12 }`.
    public var description: String {
        guard !entries.isEmpty else { return "{}" }
        return "{ " + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + " }"
    }
}
