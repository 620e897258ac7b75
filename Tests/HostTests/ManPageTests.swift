import Foundation
import Testing
import WeirCore

@testable import Host

/// The man pages in `man/`, rendered as the package renders them, against the schema and the loader.
///
/// The option reference of the pages is generated from the schema; these tests make sure it
/// stays complete (every key the loader accepts is documented), that what the pages document is
/// accepted by the loader with the documented default, and that the examples load.
@Suite struct ManPageTests {
    /// A key documented in an option section of a page.
    struct DocumentedKey: Equatable {
        /// The dotted path, e.g. `ingest.rtmp.listen` or `hls.segment`.
        var path: String
        /// The default the page gives, as written, or nil.
        var defaultText: String?
        var isMapping: Bool
    }

    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let modules = ModuleRegistry.descriptors

    /// Renders `man/NAME.in` with the given modules.
    static func page(_ name: String, modules: [ModuleDescriptor] = modules) throws -> String {
        let url = repository.appendingPathComponent("man").appendingPathComponent(name + ".in")
        let template = try String(contentsOf: url, encoding: .utf8)
        return try ManPageRenderer.render(template: template, modules: modules, version: "9.9.9", date: "2000-01-02")
    }

    // MARK: completeness

    @Test func everyMainConfigurationKeyIsDocumentedAndNothingElse() throws {
        let documented = try Self.documentedKeys(in: Self.page("weir.yaml.5"))
        let schema = Self.paths(ConfigSchema.main(modules: Self.modules))
        #expect(Set(schema).subtracting(documented.map(\.path)).sorted() == [], "keys the loader accepts but weir.yaml(5) does not document")
        #expect(Set(documented.map(\.path)).subtracting(schema).sorted() == [], "keys weir.yaml(5) documents but the loader does not know")
        #expect(documented.count == Set(documented.map(\.path)).count, "a key is documented twice")
    }

    @Test func everyRouteKeyAndModuleOptionIsDocumentedAndNothingElse() throws {
        let documented = try Self.documentedKeys(in: Self.page("weir-routes.5"))
        var schema = Self.paths(ConfigSchema.route)
        for module in Self.modules {
            schema += Self.paths(module.options, prefix: module.name)
        }
        #expect(Set(schema).subtracting(documented.map(\.path)).sorted() == [], "keys the loader accepts but weir-routes(5) does not document")
        #expect(Set(documented.map(\.path)).subtracting(schema).sorted() == [], "keys weir-routes(5) documents but the loader does not know")
        #expect(documented.count == Set(documented.map(\.path)).count, "a key is documented twice")
    }

    @Test func everyModuleIsNamedInEveryPage() throws {
        let pages = try ["weir.8", "weir.yaml.5", "weir-routes.5"].map { try Self.page($0) }
        for module in Self.modules {
            #expect(pages[0].contains(".BR \(ManPageRenderer.escape(module.name)) \" (\(module.kind))\""), "weir(8) lists \(module.name)")
            #expect(pages[1].contains(".B \(ManPageRenderer.escape("\(module.kind.sectionKey).\(module.name)"))"), "weir.yaml(5) has \(module.name)")
            #expect(pages[2].contains(".SS \(ManPageRenderer.escape("\(module.name) (\(module.kind))"))"), "weir-routes(5) has \(module.name)")
        }
    }

    @Test func renderedPagesHaveNoPlaceholdersLeft() throws {
        for name in ["weir.8", "weir.yaml.5", "weir-routes.5"] {
            let page = try Self.page(name)
            #expect(!page.contains("@VERSION@") && !page.contains("@DATE@"), "\(name)")
            #expect(!page.split(separator: "\n").contains { $0.hasPrefix(ManPageRenderer.marker) }, "\(name)")
            #expect(page.contains("\"2000-01-02\" \"weir 9.9.9\""), "\(name) has the date and version in .TH")
        }
    }

    // MARK: documented keys are accepted

    @Test func everyDocumentedMainKeyIsAcceptedWithItsDefault() throws {
        let keys = try Self.documentedKeys(in: Self.page("weir.yaml.5"))
        #expect(!keys.isEmpty)
        for key in keys {
            let fixture = try ConfigFixture()
            defer { fixture.remove() }
            try fixture.write("conf.d/test.yaml", try Self.routeFile(modules: Self.modules, extra: nil))
            let block = Self.yaml(path: key.path, value: Self.value(for: key), indent: 0)
            try fixture.write("weir.yaml", block.joined(separator: "\n") + "\n")
            Self.expectAccepted(key, errors: fixture.errors(modules: Self.modules), file: fixture.mainFile, line: block.count)
        }
    }

    @Test func everyDocumentedRouteKeyAndModuleOptionIsAcceptedWithItsDefault() throws {
        let keys = try Self.documentedKeys(in: Self.page("weir-routes.5"))
        #expect(!keys.isEmpty)
        for key in keys {
            let fixture = try ConfigFixture()
            defer { fixture.remove() }
            try fixture.write("weir.yaml", "include: conf.d\n")
            let text = try Self.routeFile(modules: Self.modules, extra: key)
            let file = try fixture.write("conf.d/test.yaml", text)
            let line = text.split(separator: "\n").count
            Self.expectAccepted(key, errors: fixture.errors(modules: Self.modules), file: file, line: line)
        }
    }

    /// With a default, the loader must take the key as written (no error on its line); without
    /// one, the test value may be refused, but never as an unknown key.
    static func expectAccepted(_ key: DocumentedKey, errors: [String], file: String, line: Int) {
        let unknown = errors.filter { $0.contains("unknown") }
        #expect(unknown == [], "\(key.path) is documented but refused as unknown")
        if key.defaultText != nil || key.isMapping {
            let atKey = errors.filter { $0.hasPrefix("\(file):\(line):") }
            #expect(atKey == [], "\(key.path) with its documented default \(key.defaultText ?? "{}")")
        }
    }

    /// The value a test writes for a key: its documented default, `{}` for a mapping, else a word.
    static func value(for key: DocumentedKey) -> String {
        if key.isMapping { return "{}" }
        return key.defaultText ?? "x"
    }

    // MARK: examples

    @Test func everyExampleLoads() throws {
        var count = 0
        for name in ["weir.yaml.5", "weir-routes.5"] {
            for (kind, text) in try Self.examples(in: Self.page(name)) {
                count += 1
                let fixture = try ConfigFixture()
                defer { fixture.remove() }
                switch kind {
                case "main":
                    // The include directory of an example is an installed path; the fixture has its own.
                    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                        line.hasPrefix("include:") ? "include: conf.d" : String(line)
                    }
                    try fixture.write("weir.yaml", lines.joined(separator: "\n"))
                    try fixture.write("conf.d/test.yaml", try Self.routeFile(modules: Self.modules, extra: nil))
                case "routes":
                    try fixture.write("weir.yaml", "include: conf.d\n")
                    try fixture.write("conf.d/example.yaml", text)
                default:
                    Issue.record("unknown example kind '\(kind)' in \(name)")
                    continue
                }
                #expect(fixture.errors(modules: Self.modules) == [], "example in \(name):\n\(text)")
            }
        }
        #expect(count >= 4)
    }

    // MARK: reading pages

    /// The keys of a rendered page's option sections: the `.SH` sections whose title ends in
    /// KEYS or OPTIONS, where every `.TP` entry is `.B PATH` and a line of facts.
    static func documentedKeys(in page: String) throws -> [DocumentedKey] {
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var keys: [DocumentedKey] = []
        var inOptions = false
        for (index, line) in lines.enumerated() {
            if line.hasPrefix(".SH ") {
                let title = unroff(String(line.dropFirst(4))).trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
                inOptions = title.hasSuffix("KEYS") || title.hasSuffix("OPTIONS")
                continue
            }
            guard inOptions, line == ".TP" else { continue }
            let tag = try #require(index + 1 < lines.count ? lines[index + 1] : nil)
            try #require(tag.hasPrefix(".B "), "entry in an option section without a key: \(tag)")
            let facts = try #require(index + 2 < lines.count ? unroff(lines[index + 2]) : nil)
            try #require(facts.hasPrefix("(") && facts.hasSuffix(")"), "key \(tag) without facts")
            keys.append(DocumentedKey(
                path: unroff(String(tag.dropFirst(3))),
                defaultText: defaultText(inFacts: String(facts.dropFirst().dropLast())),
                isMapping: facts == "(mapping)"))
        }
        return keys
    }

    /// `D` from `type, default D, reload: R`.
    static func defaultText(inFacts facts: String) -> String? {
        guard let reload = facts.range(of: ", reload: ", options: .backwards) else { return nil }
        let head = facts[..<reload.lowerBound]
        guard let marker = head.range(of: ", default ") else { return nil }
        return String(head[marker.upperBound...])
    }

    /// The `.EX` blocks preceded by `.\" weir-example: KIND`, as plain text.
    static func examples(in page: String) -> [(kind: String, text: String)] {
        let marker = #".\" weir-example: "#
        var result: [(String, String)] = []
        var kind: String?
        var body: [String]?
        for line in page.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix(marker) {
                kind = String(line.dropFirst(marker.count))
            } else if line == ".EX", kind != nil {
                body = []
            } else if line == ".EE" {
                if let kind, let body { result.append((kind, body.joined(separator: "\n") + "\n")) }
                kind = nil
                body = nil
            } else if body != nil {
                body?.append(unroff(line))
            }
        }
        return result
    }

    /// Roff source back to the text it prints, for the escapes the pages use.
    static func unroff(_ text: String) -> String {
        var result = text
        for font in ["\\fB", "\\fI", "\\fR", "\\fP", "\\&", "\\c"] {
            result = result.replacingOccurrences(of: font, with: "")
        }
        return result.replacingOccurrences(of: "\\-", with: "-").replacingOccurrences(of: "\\e", with: "\\")
    }

    // MARK: building configurations

    /// The key paths of a schema, independently of the renderer: `a.b`, and `a[].b` in lists of mappings.
    static func paths(_ specs: [OptionSpec], prefix: String = "") -> [String] {
        specs.flatMap { spec -> [String] in
            let path = prefix.isEmpty ? spec.name : "\(prefix).\(spec.name)"
            switch spec.type {
            case .object(let nested): return [path] + paths(nested, prefix: path)
            case .list(.object(let nested)): return [path] + paths(nested, prefix: path + "[]")
            default: return [path]
            }
        }
    }

    /// Block YAML that sets `path` to `value`; the value is on the last line.
    static func yaml(path: String, value: String, indent: Int) -> [String] {
        let components = path.split(separator: ".").map(String.init)
        var lines: [String] = []
        var column = indent
        for (index, component) in components.enumerated() {
            let isList = component.hasSuffix("[]")
            let name = isList ? String(component.dropLast(2)) : component
            let pad = String(repeating: " ", count: column)
            if index == components.count - 1 {
                lines.append("\(pad)\(name): \(value)")
            } else if isList {
                lines.append("\(pad)\(name):")
                lines.append("\(pad)  -")
                column += 4
            } else {
                lines.append("\(pad)\(name):")
                column += 2
            }
        }
        return lines
    }

    /// A route file with one valid route; with `extra`, the key is written last in it, inside
    /// its module's entry when it is a module option.
    static func routeFile(modules: [ModuleDescriptor], extra: DocumentedKey?) throws -> String {
        let ingest = try #require(modules.first { $0.kind == .ingest }, "no ingest module registered")
        let output = try #require(modules.first { $0.kind == .output }, "no output module registered")
        var lines = ["routes:", "  - name: doc-test", "    match: doc/*"]
        guard let extra else {
            lines += ["    ingest: [\(ingest.name)]", "    outputs: [\(output.name)]"]
            return lines.joined(separator: "\n") + "\n"
        }
        let head = String(extra.path.prefix { $0 != "." && $0 != "[" })
        if let module = modules.first(where: { $0.name == head }), !ConfigSchema.route.contains(where: { $0.name == head }) {
            if module.kind != .ingest { lines.append("    ingest: [\(ingest.name)]") }
            if module.kind != .output { lines.append("    outputs: [\(output.name)]") }
            lines.append("    \(module.kind.sectionKey):")
            lines.append("      - \(module.name):")
            lines += yaml(path: String(extra.path.dropFirst(head.count + 1)), value: value(for: extra), indent: 10)
        } else {
            let base = ["ingest": "[\(ingest.name)]", "outputs": "[\(output.name)]"]
            for (key, value) in base.sorted(by: { $0.key < $1.key }) where key != head {
                lines.append("    \(key): \(value)")
            }
            if ["name", "match"].contains(head) {
                // Already written above; the base route must load.
                if let value = base[head] { lines.append("    \(head): \(value)") }
            } else if let value = base[head], extra.defaultText == nil {
                lines.append("    \(head): \(value)")
            } else {
                lines += yaml(path: extra.path, value: value(for: extra), indent: 4)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
