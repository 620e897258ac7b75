import WeirCore

/// Renders module descriptors for `weir plugins`.
enum PluginsReport {
    static func render(_ modules: [ModuleDescriptor]) -> String {
        var lines: [String] = []
        for (index, module) in modules.enumerated() {
            if index > 0 { lines.append("") }
            lines.append("\(module.name) (\(module.kind))")
            lines.append("  \(module.summary)")
            lines.append("  main configuration, under '\(module.kind.sectionKey): \(module.name):':")
            append(module.globalOptions, indent: 4, to: &lines)
            let where_ = module.kind == .ingest ? "route 'ingest: [\(module.name)]'" : "route '\(module.kind.sectionKey): - \(module.name):'"
            lines.append("  \(where_) options:")
            append(module.options, indent: 4, to: &lines)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One line per option (`name  type  default  reload`) and its documentation below.
    static func append(_ specs: [OptionSpec], indent: Int, to lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        guard !specs.isEmpty else {
            lines.append(pad + "(none)")
            return
        }
        for spec in specs {
            var fields = ["\(spec.name): \(spec.type)"]
            if let value = spec.defaultValue {
                fields.append("default \(value)")
            } else if spec.required {
                fields.append("required")
            } else if case .object = spec.type {
                // Nested keys below carry their own defaults.
            } else {
                fields.append("no default")
            }
            fields.append("reload: \(spec.reload)")
            lines.append(pad + fields.joined(separator: ", "))
            lines.append(pad + "    " + spec.doc)
            if case .object(let nested) = spec.type {
                append(nested, indent: indent + 2, to: &lines)
            } else if case .list(.object(let nested)) = spec.type, !nested.isEmpty {
                append(nested, indent: indent + 2, to: &lines)
            }
        }
    }
}
