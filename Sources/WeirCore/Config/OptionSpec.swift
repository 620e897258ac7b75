/// One configuration key: its name, type, default, documentation and reload behaviour.
///
/// Validation, `weir check`, `weir plugins`, the reload diff and the man pages all read these,
/// so the documentation lives next to the key it documents.
public struct OptionSpec: Sendable, Hashable {
    public var name: String
    public var type: OptionType
    /// The value used when the key is absent; nil means the key is required or simply unset.
    public var defaultValue: ConfigValue?
    /// Whether the key must be written. A required key has no default.
    public var required: Bool
    /// One or two sentences for `weir plugins` and the man pages.
    public var doc: String
    /// When a running server can take a change of this key.
    public var reload: ReloadBehavior

    /// - Parameters:
    ///   - name: The YAML key.
    ///   - type: How the value is read.
    ///   - defaultValue: The value when the key is absent, or nil.
    ///   - required: Whether the key must be written.
    ///   - reload: When a running server can take a change.
    ///   - doc: Documentation for operators.
    public init(
        _ name: String,
        type: OptionType,
        default defaultValue: ConfigValue? = nil,
        required: Bool = false,
        reload: ReloadBehavior,
        doc: String
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.required = required
        self.reload = reload
        self.doc = doc
    }

    /// The value an absent key takes: the default, or for an optional mapping its nested defaults.
    public var effectiveDefault: ConfigValue? {
        if let defaultValue { return defaultValue }
        if !required, case .object(let specs) = type {
            return .object(OptionValues(specs: specs))
        }
        return nil
    }
}
