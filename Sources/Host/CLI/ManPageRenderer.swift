import Foundation
import WeirCore

/// Fills the man page templates in `man/` with the option reference generated from the schema.
///
/// A template is roff. A line `.\" weir-docs: SECTION` (a roff comment, so the template alone
/// still renders) is replaced by the generated section; `@VERSION@` and `@DATE@` are replaced
/// anywhere. Every key the pages document comes from ``ConfigSchema`` and the registered
/// modules' descriptors, so the pages cannot drift from what the loader accepts.
///
/// Generated keys are `.TP` entries whose tag is `.B PATH` (see ``DocumentedOption``); the
/// option sections of the pages (titles ending in KEYS or OPTIONS) hold only such entries.
enum ManPageRenderer {
    /// The text that starts a line naming a generated section.
    static let marker = #".\" weir-docs: "#

    /// The sections a template can ask for.
    enum Section: String, CaseIterable {
        /// weir.yaml(5): the main file's own keys (include, log, http).
        case mainKeys = "main-keys"
        /// weir.yaml(5): the ingest, process and outputs mappings of module global options.
        case moduleKeys = "module-keys"
        /// weir-routes(5): the keys of one route.
        case routeKeys = "route-keys"
        /// weir-routes(5): every module and the options of its entry in a route.
        case moduleOptions = "module-options"
        /// weir(8): the modules compiled in, one line each.
        case moduleList = "module-list"
    }

    /// Renders a template.
    ///
    /// - Parameters:
    ///   - template: The roff source with markers.
    ///   - modules: The registered modules.
    ///   - version: Replaces `@VERSION@`.
    ///   - date: Replaces `@DATE@`, as `YYYY-MM-DD`.
    /// - Returns: The man page, ending in a newline.
    /// - Throws: ``ManPageTemplateError`` for a marker naming no known section.
    static func render(template: String, modules: [ModuleDescriptor], version: String, date: String) throws(ManPageTemplateError) -> String {
        var output: [String] = []
        var lines = template.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        for (index, line) in lines.enumerated() {
            if line.hasPrefix(marker) {
                let name = line.dropFirst(marker.count).trimmingCharacters(in: .whitespaces)
                guard let section = Section(rawValue: name) else {
                    let known = Section.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ManPageTemplateError(line: index + 1, message: "unknown section '\(name)' (known: \(known))")
                }
                output += self.section(section, modules: modules)
            } else {
                output.append(line.replacingOccurrences(of: "@VERSION@", with: version).replacingOccurrences(of: "@DATE@", with: date))
            }
        }
        return output.joined(separator: "\n") + "\n"
    }

    /// The roff lines of one generated section.
    static func section(_ section: Section, modules: [ModuleDescriptor]) -> [String] {
        let moduleSections = Set(ModuleKind.allCases.map(\.sectionKey))
        switch section {
        case .mainKeys:
            let specs = ConfigSchema.main(modules: modules).filter { !moduleSections.contains($0.name) }
            return entries(DocumentedOption.flatten(specs))
        case .moduleKeys:
            var lines: [String] = []
            for kind in ModuleKind.allCases {
                guard let spec = ConfigSchema.main(modules: modules).first(where: { $0.name == kind.sectionKey }) else { continue }
                lines.append(".SS \(escape(kind.sectionKey))")
                lines += entries(DocumentedOption.flatten([spec]))
                if !modules.contains(where: { $0.kind == kind }) {
                    lines.append(".PP")
                    lines.append(escape("No \(kind) modules are compiled into this build, so this mapping takes no keys."))
                }
            }
            return lines
        case .routeKeys:
            return entries(DocumentedOption.flatten(ConfigSchema.route))
        case .moduleOptions:
            return moduleOptions(modules)
        case .moduleList:
            var lines: [String] = []
            for module in modules {
                lines.append(".TP")
                lines.append(".BR \(escape(module.name)) \" (\(module.kind))\"")
                lines.append(escape(module.summary))
            }
            return lines
        }
    }

    /// Every module's route entry: how to enable it, and its options.
    private static func moduleOptions(_ modules: [ModuleDescriptor]) -> [String] {
        var lines: [String] = []
        for kind in ModuleKind.allCases {
            let members = modules.filter { $0.kind == kind }
            guard !members.isEmpty else {
                lines.append(".SS \(escape("\(kind) modules"))")
                lines.append("No \(kind) modules are compiled into this build; leave \(code(kind.sectionKey)) out of routes.")
                continue
            }
            for module in members {
                lines.append(".SS \(escape("\(module.name) (\(kind))"))")
                lines.append(escape(module.summary))
                lines.append(".PP")
                var usage = "Enable it in a route by listing it, as in \(code("\(kind.sectionKey): [\(module.name)]"))"
                if !module.options.isEmpty {
                    usage += ", or with options as the item \(code("- \(module.name): { OPTION: VALUE }"))"
                }
                lines.append(usage + ".")
                if !module.globalOptions.isEmpty {
                    lines.append("Its global options are under \(code("\(kind.sectionKey).\(module.name)")) in")
                    lines.append(".BR weir.yaml (5).")
                }
                if module.options.isEmpty {
                    lines.append(escape("It takes no options in a route."))
                } else {
                    lines += entries(DocumentedOption.flatten(module.options, prefix: module.name))
                }
            }
        }
        return lines
    }

    /// `.TP` entries: the key in bold, its facts, its documentation.
    static func entries(_ options: [DocumentedOption]) -> [String] {
        var lines: [String] = []
        for option in options {
            lines.append(".TP")
            lines.append(".B \(escape(option.path))")
            lines.append("(" + option.facts.map(fact).joined(separator: ", ") + ")")
            lines.append(".br")
            lines.append(escape(option.spec.doc))
        }
        return lines
    }

    private static func fact(_ fact: DocumentedOption.Fact) -> String {
        switch fact {
        case .type(let type): "\\fI\(escape(type))\\fR"
        case .defaultValue(let value): "default \\fB\(escape(value))\\fR"
        case .required: "required"
        case .unset: "unset by default"
        case .reload(let behavior): "reload: \(escape(behavior))"
        }
    }

    /// Literal text in bold, as the pages set keys, values and commands.
    static func code(_ text: String) -> String {
        "\\fB" + escape(text) + "\\fR"
    }

    /// Text as roff reads it literally: backslashes escaped, hyphens as hyphen-minus (so
    /// options and values copy and paste), and a leading `.` or `'` kept from being a request.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "\\": result += "\\e"
            case "-": result += "\\-"
            case "\n": result += " "
            default: result.append(character)
            }
        }
        if result.hasPrefix(".") || result.hasPrefix("'") {
            result = "\\&" + result
        }
        return result
    }
}
