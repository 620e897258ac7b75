import WeirCore
import Yams

/// Reads YAML nodes of one file as typed configuration values, collecting every error.
///
/// Readers return nil for a value with errors after recording them, and go on reading the
/// rest, so one pass reports every problem. A node budget bounds the work on files that
/// multiply nodes through aliases.
struct NodeReader {
    /// The file name used in locations.
    let file: String
    /// Every error found so far, in reading order.
    private(set) var errors: [ConfigError] = []
    private var remainingNodes: Int
    private var budgetReported = false
    /// A better message for an unknown key than "unknown key", given the key and the mapping's context name.
    var unknownKeyHint: ((_ key: String, _ context: String) -> String?)?

    /// The most nodes read from one file before it is refused; far above any real configuration.
    static let nodeBudget = 200_000

    init(file: String) {
        self.file = file
        self.remainingNodes = Self.nodeBudget
    }

    /// Where `node` starts.
    func location(of node: Node) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(file: file, line: 1, column: 1) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    /// The most errors reported for one file; past it, one more error says the rest were left out.
    static let maximumErrors = 100

    /// Records an error at `node`.
    mutating func report(_ message: String, at node: Node) {
        report(message, at: location(of: node))
    }

    /// Records an error at a location.
    mutating func report(_ message: String, at location: SourceLocation) {
        if errors.count < Self.maximumErrors {
            errors.append(ConfigError(message, at: location))
        } else if errors.count == Self.maximumErrors {
            errors.append(ConfigError("too many errors in this file; the rest are not shown", at: location))
        }
    }

    /// Counts a node against the budget; false once the budget is spent.
    private mutating func spend(_ node: Node) -> Bool {
        remainingNodes -= 1
        guard remainingNodes < 0 else { return true }
        if !budgetReported {
            budgetReported = true
            report("file has more than \(Self.nodeBudget) values (are aliases repeating a large block?)", at: node)
        }
        return false
    }

    /// Whether `node` is YAML's null: an empty value, `~` or `null`, unquoted.
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The text of a non-null scalar, or nil.
    static func text(of node: Node) -> String? {
        guard case .scalar(let scalar) = node, !isNull(node) else { return nil }
        return scalar.string
    }

    /// How a node is named in "found ..." messages.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return "nothing" }
            let text = scalar.string.count > 40 ? String(scalar.string.prefix(40)) + "…" : scalar.string
            return "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// Reads `node` as a value of `type`.
    ///
    /// - Parameters:
    ///   - node: The value node.
    ///   - type: The expected type.
    ///   - context: How the enclosing mapping is named in messages about its keys, e.g. "hls options".
    /// - Returns: The value, or nil after recording errors.
    mutating func read(_ node: Node, as type: OptionType, context: String) -> ConfigValue? {
        guard spend(node) else { return nil }
        switch type {
        case .list(let element):
            guard case .sequence(let sequence) = node else {
                report("expected a list of \(element), found \(Self.describe(node))", at: node)
                return nil
            }
            var values: [ConfigValue] = []
            var valid = true
            for item in sequence {
                if let value = read(item, as: element, context: context) {
                    values.append(value)
                } else {
                    valid = false
                }
            }
            return valid ? .list(values) : nil
        case .object(let specs):
            return readObject(node, specs: specs, context: context).map(ConfigValue.object)
        default:
            guard case .scalar = node else {
                report("expected \(Self.article(type)), found \(Self.describe(node))", at: node)
                return nil
            }
            guard let text = Self.text(of: node) else {
                report("missing value: expected \(Self.article(type))", at: node)
                return nil
            }
            do {
                return try type.parse(text)
            } catch {
                report(error.message, at: node)
                return nil
            }
        }
    }

    /// Reads a mapping against a schema: unknown keys, wrong types and missing required keys are errors;
    /// absent keys take their defaults.
    ///
    /// - Parameters:
    ///   - node: The mapping node; null reads as an empty mapping.
    ///   - specs: The schema.
    ///   - context: How the mapping is named in messages, e.g. "route" or "hls options".
    /// - Returns: The options, or nil after recording errors.
    mutating func readObject(_ node: Node, specs: [OptionSpec], context: String) -> OptionValues? {
        if Self.isNull(node) {
            let missing = specs.filter(\.required)
            for spec in missing {
                report("missing required key '\(spec.name)' in \(context)", at: node)
            }
            return missing.isEmpty ? OptionValues(specs: specs, location: location(of: node)) : nil
        }
        guard case .mapping(let mapping) = node else {
            report("expected a mapping for \(context), found \(Self.describe(node))", at: node)
            return nil
        }
        var entries: [OptionValues.Entry] = []
        var valid = true
        var seen = Set<String>()
        for (keyNode, valueNode) in mapping {
            guard let key = Self.text(of: keyNode) else {
                report("expected a key name in \(context), found \(Self.describe(keyNode))", at: keyNode)
                valid = false
                continue
            }
            seen.insert(key)
            guard let spec = specs.first(where: { $0.name == key }) else {
                report(unknownKeyHint?(key, context) ?? Self.unknownKeyMessage(key, context: context, known: specs.map(\.name)), at: keyNode)
                valid = false
                continue
            }
            let nestedContext = if case .object = spec.type { key } else { context }
            if let value = read(valueNode, as: spec.type, context: nestedContext) {
                entries.append(OptionValues.Entry(key: key, value: value, location: location(of: valueNode)))
            } else {
                valid = false
            }
        }
        for spec in specs where spec.required && !seen.contains(spec.name) {
            report("missing required key '\(spec.name)' in \(context)", at: node)
            valid = false
        }
        guard valid else { return nil }
        // Schema order, so printed and compared options do not depend on how the file orders them.
        let ordered = specs.compactMap { spec in
            entries.first { $0.key == spec.name }
                ?? spec.effectiveDefault.map { OptionValues.Entry(key: spec.name, value: $0) }
        }
        return OptionValues(entries: ordered, location: location(of: node))
    }

    /// "unknown key 'segmnet' in hls options (did you mean 'segment'?)".
    static func unknownKeyMessage(_ key: String, context: String, known: [String]) -> String {
        var message = "unknown key '\(key)' in \(context)"
        if let suggestion = KeySuggestion.closest(to: key, in: known) {
            message += " (did you mean '\(suggestion)'?)"
        } else if known.isEmpty {
            message += " (it takes no options)"
        } else {
            message += " (known keys: \(known.joined(separator: ", ")))"
        }
        return message
    }

    /// "a duration", "an integer", "one of a, b".
    static func article(_ type: OptionType) -> String {
        switch type {
        case .integer(let range):
            if let range { "an integer in \(range.lowerBound)...\(range.upperBound)" } else { "an integer" }
        case .address: "an address (HOST:PORT)"
        case .enumeration(let cases): "one of \(cases.joined(separator: ", "))"
        case .bool: "true or false"
        default: "a \(type)"
        }
    }
}
