import WeirCore

/// A configuration key as the man pages document it: its dotted path and its schema entry.
///
/// Paths join nested mappings with `.` (`ingest.rtmp.listen`) and mark the elements of a list of
/// mappings with `[]` (`transcode.ladder[].height`), so that every key has one name in the pages
/// and in the tests that compare the pages with the schema.
struct DocumentedOption: Equatable {
    var path: String
    var spec: OptionSpec

    /// The given keys and every key nested in them, depth first, in schema order.
    ///
    /// - Parameters:
    ///   - specs: The keys of one mapping.
    ///   - prefix: The path of that mapping, empty at the top of a file.
    static func flatten(_ specs: [OptionSpec], prefix: String = "") -> [DocumentedOption] {
        var result: [DocumentedOption] = []
        for spec in specs {
            let path = prefix.isEmpty ? spec.name : prefix + "." + spec.name
            result.append(DocumentedOption(path: path, spec: spec))
            switch spec.type {
            case .object(let nested):
                result += flatten(nested, prefix: path)
            case .list(.object(let nested)):
                result += flatten(nested, prefix: path + "[]")
            default:
                break
            }
        }
        return result
    }

    /// Whether the key is a mapping whose own keys are documented below it.
    var isMapping: Bool {
        if case .object = spec.type { return true }
        return false
    }

    /// What the pages print under the key: type, default or whether it is required, and when a
    /// change applies, e.g. `duration, default 2s, reload: next-publish`.
    ///
    /// The default is written as `weir check` prints it, which reads back as the same value.
    var facts: [Fact] {
        if isMapping { return [.type("mapping")] }
        var facts: [Fact] = [.type(spec.type.description)]
        if let value = spec.defaultValue {
            facts.append(.defaultValue(value.description))
        } else if spec.required {
            facts.append(.required)
        } else {
            facts.append(.unset)
        }
        facts.append(.reload(spec.reload.rawValue))
        return facts
    }

    /// One piece of ``facts``.
    enum Fact: Equatable {
        case type(String)
        case defaultValue(String)
        case required
        case unset
        case reload(String)
    }
}
