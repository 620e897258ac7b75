import WeirCore

/// Renders a resolved configuration as YAML with every effective option, defaults included.
///
/// The output reads back as a valid single-file view of the configuration; comments say where
/// each route was defined and which options are unset.
enum CheckReport {
    static func render(_ configuration: WeirConfiguration, modules: [ModuleDescriptor]) -> String {
        var lines: [String] = []
        let routeCount = configuration.routes.count
        lines.append("# configuration OK: \(routeCount) route\(routeCount == 1 ? "" : "s") from \(configuration.sourceFiles.count) file\(configuration.sourceFiles.count == 1 ? "" : "s")")
        for file in configuration.sourceFiles {
            lines.append("#   \(file)")
        }
        lines.append("include: \(ConfigValue.string(configuration.includeDirectory))")
        lines.append("log: { level: \(configuration.logLevel.rawValue) }")
        lines.append("http: { listen: \(ConfigValue.address(configuration.httpListen)) }")
        for kind in ModuleKind.allCases {
            let members = modules.filter { $0.kind == kind }
            guard !members.isEmpty else { continue }
            lines.append("\(kind.sectionKey):")
            for module in members {
                lines.append("  \(module.name): \(configuration.globalOptions(for: module.name))")
            }
        }
        if configuration.routes.isEmpty {
            lines.append("routes: []")
        } else {
            lines.append("routes:")
        }
        for route in configuration.routes {
            lines.append("  - name: \(ConfigValue.string(route.name))  # \(route.location)")
            lines.append("    match: \(ConfigValue.pattern(route.pattern))")
            lines.append("    ingest: \(ConfigValue.list(route.ingest.map(ConfigValue.string)))")
            if !route.process.isEmpty {
                lines.append("    process:")
                for instance in route.process {
                    lines.append(entry(instance, modules: modules))
                }
            }
            lines.append("    outputs:")
            for instance in route.outputs {
                lines.append(entry(instance, modules: modules))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `      - hls: { segment: 2s, ... }  # unset: max_segment`.
    private static func entry(_ instance: ModuleInstance, modules: [ModuleDescriptor]) -> String {
        var line = "      - \(instance.name): \(instance.options)"
        let specs = modules.first { $0.name == instance.name }?.options ?? []
        let unset = specs.map(\.name).filter { instance.options[$0] == nil }
        if !unset.isEmpty {
            line += "  # unset: \(unset.joined(separator: ", "))"
        }
        return line
    }
}
