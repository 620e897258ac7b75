import WeirCore
import Yams

/// Reads the routes of one route file, validating each module entry against its descriptor.
struct RouteFileReader {
    /// A route as read, valid or not, so that duplicate names are found even among broken routes.
    struct ReadRoute {
        /// The resolved route, or nil if it had errors.
        var route: RouteConfiguration?
        var name: String?
        var nameLocation: SourceLocation?
    }

    let lookup: ModuleLookup
    var reader: NodeReader

    init(file: String, modules: [ModuleDescriptor]) {
        self.lookup = ModuleLookup(modules: modules)
        self.reader = NodeReader(file: file)
    }

    /// Reads a whole file's root node; a file with no document has no routes.
    mutating func read(root: Node?) -> [ReadRoute] {
        guard let root, !NodeReader.isNull(root) else { return [] }
        guard case .mapping(let mapping) = root else {
            reader.report("expected a mapping with a 'routes:' list, found \(NodeReader.describe(root))", at: root)
            return []
        }
        var routes: [ReadRoute] = []
        for (keyNode, valueNode) in mapping {
            guard let key = NodeReader.text(of: keyNode), key == "routes" else {
                let key = NodeReader.text(of: keyNode) ?? ""
                var message = NodeReader.unknownKeyMessage(key, context: "route file", known: ["routes"])
                if ["log", "http", "include", "ingest", "outputs", "process"].contains(key) {
                    message = "'\(key)' belongs in the main configuration file, not in a route file"
                }
                reader.report(message, at: keyNode)
                continue
            }
            if NodeReader.isNull(valueNode) { continue }
            guard case .sequence(let sequence) = valueNode else {
                reader.report("expected a list of routes, found \(NodeReader.describe(valueNode))", at: valueNode)
                continue
            }
            for routeNode in sequence {
                routes.append(readRoute(routeNode))
            }
        }
        return routes
    }

    /// Reads one route mapping.
    mutating func readRoute(_ node: Node) -> ReadRoute {
        var result = ReadRoute()
        guard case .mapping(let mapping) = node else {
            reader.report("expected a route (a mapping with name, match, ingest and outputs), found \(NodeReader.describe(node))", at: node)
            return result
        }
        let errorsBefore = reader.errors.count
        var pattern: StreamPathPattern?
        var ingest: [ModuleInstance]?
        var process: [ModuleInstance] = []
        var outputs: [ModuleInstance]?
        var settings = OptionValues(specs: ConfigSchema.routeSettings)
        var seen = Set<String>()
        let known = ConfigSchema.route.map(\.name)

        for (keyNode, valueNode) in mapping {
            guard let key = NodeReader.text(of: keyNode) else {
                reader.report("expected a key name in route, found \(NodeReader.describe(keyNode))", at: keyNode)
                continue
            }
            seen.insert(key)
            switch key {
            case "name":
                result.nameLocation = reader.location(of: valueNode)
                if let name = reader.read(valueNode, as: .string, context: "route")?.stringValue {
                    if let problem = Self.problem(withName: name) {
                        reader.report(problem, at: valueNode)
                    }
                    result.name = name
                }
            case "match":
                pattern = reader.read(valueNode, as: .streamPattern, context: "route")?.patternValue
            case "ingest":
                ingest = readIngest(valueNode)
            case "process":
                if let entries = readModules(valueNode, kind: .process) {
                    process = entries
                }
            case "outputs":
                outputs = readModules(valueNode, kind: .output)
                if outputs?.isEmpty == true {
                    reader.report("a route needs at least one output module", at: valueNode)
                }
            default:
                if let spec = ConfigSchema.routeSettings.first(where: { $0.name == key }) {
                    if let value = reader.read(valueNode, as: spec.type, context: "route") {
                        settings.set(key, value, location: reader.location(of: valueNode))
                    }
                } else {
                    reader.report(NodeReader.unknownKeyMessage(key, context: "route", known: known), at: keyNode)
                }
            }
        }
        for spec in ConfigSchema.route where spec.required && !seen.contains(spec.name) {
            let subject = result.name.map { "route '\($0)'" } ?? "route"
            reader.report("missing required key '\(spec.name)' in \(subject)", at: node)
        }
        guard reader.errors.count == errorsBefore, let name = result.name, let pattern, let ingest, let outputs else {
            return result
        }
        result.route = RouteConfiguration(
            name: name,
            pattern: pattern,
            ingest: ingest.map(\.name),
            ingestModules: ingest,
            process: process,
            outputs: outputs,
            settings: settings,
            location: reader.location(of: node)
        )
        return result
    }

    /// Reads `ingest: [rtmp, srt]` or entries with options (`- srt: { latency: 200ms }`): a
    /// non-empty list of distinct ingest modules.
    private mutating func readIngest(_ node: Node) -> [ModuleInstance]? {
        guard case .sequence(let sequence) = node else {
            reader.report("expected a list of ingest modules such as [rtmp], found \(NodeReader.describe(node))", at: node)
            return nil
        }
        guard sequence.count > 0 else {
            reader.report("a route needs at least one ingest module", at: node)
            return nil
        }
        return readModules(node, kind: .ingest)
    }

    /// Reads a list of module entries of one kind.
    private mutating func readModules(_ node: Node, kind: ModuleKind) -> [ModuleInstance]? {
        if NodeReader.isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            reader.report("expected a list of \(kind) modules such as '- NAME: { options }', found \(NodeReader.describe(node))", at: node)
            return nil
        }
        var instances: [ModuleInstance] = []
        var valid = true
        for item in sequence {
            guard let instance = readModuleEntry(item, kind: kind) else {
                valid = false
                continue
            }
            if kind == .output, let first = instances.first(where: { $0.name == instance.name }) {
                reader.report("output '\(instance.name)' is listed twice in this route (first at \(first.location))", at: instance.location)
                valid = false
            }
            if kind == .ingest, instances.contains(where: { $0.name == instance.name }) {
                reader.report("ingest module '\(instance.name)' is listed twice", at: instance.location)
                valid = false
            }
            instances.append(instance)
        }
        return valid ? instances : nil
    }

    /// Reads `- hls: { segment: 2s }`, `- hls:` or `- hls`.
    private mutating func readModuleEntry(_ node: Node, kind: ModuleKind) -> ModuleInstance? {
        let nameNode: Node
        let optionsNode: Node?
        switch node {
        case .scalar where !NodeReader.isNull(node):
            nameNode = node
            optionsNode = nil
        case .mapping(let mapping) where mapping.count == 1:
            guard let pair = mapping.first else { return nil }
            nameNode = pair.key
            optionsNode = NodeReader.isNull(pair.value) ? nil : pair.value
        case .mapping(let mapping) where mapping.count > 1:
            reader.report(Self.multipleModulesMessage(mapping.keys.compactMap(NodeReader.text(of:)), kind: kind, lookup: lookup), at: node)
            return nil
        default:
            reader.report("expected \(kind == .output ? "an output" : "a \(kind)") entry such as '- NAME: { options }', found \(NodeReader.describe(node))", at: node)
            return nil
        }
        guard let name = NodeReader.text(of: nameNode) else {
            reader.report("expected a module name, found \(NodeReader.describe(nameNode))", at: nameNode)
            return nil
        }
        if let problem = lookup.problem(with: name, as: kind) {
            reader.report(problem, at: nameNode)
            return nil
        }
        guard let descriptor = lookup.descriptor(named: name) else { return nil }
        let context = "\(name) options"
        let nameLocation = reader.location(of: nameNode)
        let options: OptionValues
        if let optionsNode {
            guard let read = reader.readObject(optionsNode, specs: descriptor.options, context: context) else { return nil }
            options = read
        } else {
            let missing = descriptor.options.filter(\.required)
            for spec in missing {
                reader.report("missing required key '\(spec.name)' in \(context)", at: nameNode)
            }
            guard missing.isEmpty else { return nil }
            options = OptionValues(specs: descriptor.options, location: nameLocation)
        }
        var valid = true
        for issue in descriptor.validate?(options) ?? [] {
            let location = issue.key.flatMap { options.location(of: $0) } ?? nameLocation
            let subject = issue.key.map { "\(name) option '\($0)'" } ?? name
            reader.report("\(subject): \(issue.message)", at: location)
            valid = false
        }
        guard valid else { return nil }
        return ModuleInstance(name: name, kind: kind, options: options, location: nameLocation)
    }

    /// Explains a module entry with several keys, which is most often options not indented under the module.
    static func multipleModulesMessage(_ keys: [String], kind: ModuleKind, lookup: ModuleLookup) -> String {
        if let first = keys.first, let module = lookup.descriptor(named: first) {
            let optionNames = Set(module.options.map(\.name))
            let rest = keys.dropFirst()
            if !rest.isEmpty, rest.allSatisfy(optionNames.contains) {
                return "'\(rest.joined(separator: "', '"))' \(rest.count == 1 ? "is an option" : "are options") of '\(first)': indent \(rest.count == 1 ? "it" : "them") under '\(first):' or write '- \(first): { \(rest.first ?? ""): ... }'"
            }
        }
        return "each \(kind.sectionKey) entry names one module, found \(keys.count) keys (\(keys.joined(separator: ", "))): write each module as its own '- NAME: { options }' item"
    }

    /// Why a route name is unusable, or nil. Names appear in logs, metrics labels and URLs of the API.
    static func problem(withName name: String) -> String? {
        guard !name.isEmpty else { return "route name must not be empty" }
        guard name.utf8.count <= 128 else { return "route name is longer than 128 characters" }
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" || $0 == ".")
        }
        return allowed ? nil : "invalid route name '\(name)': use letters, digits, '-', '_' and '.'"
    }
}
