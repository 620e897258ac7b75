import Foundation
import Logging
import TS
import WeirCore
import Yams

/// Loads the main configuration file and every route file it includes, validating both against
/// the schema and the registered modules' descriptors.
///
/// Every problem in every file is collected; the configuration is returned only when there are none.
struct ConfigLoader {
    let modules: [ModuleDescriptor]

    /// More route files than this in the include directory is refused.
    static let maximumRouteFiles = 1000

    /// - Parameters:
    ///   - modules: The registered modules; defaults to the host's registry.
    init(modules: [ModuleDescriptor] = ModuleRegistry.descriptors) {
        self.modules = modules
    }

    /// Loads and validates a configuration.
    ///
    /// - Parameters:
    ///   - mainFile: The main configuration file; paths in messages are relative to the same directory as this path.
    /// - Returns: The resolved configuration.
    /// - Throws: ``ConfigErrors`` with every problem found, each as `FILE:LINE:COL: message`.
    func load(mainFile: String) throws(ConfigErrors) -> WeirConfiguration {
        var errors: [ConfigError] = []
        let root: Node?
        switch YAMLDocument.load(path: mainFile) {
        case .success(let node):
            root = node
        case .failure(let error):
            throw ConfigErrors([error])
        }

        var reader = NodeReader(file: mainFile)
        let lookup = ModuleLookup(modules: modules)
        reader.unknownKeyHint = { key, context in
            Self.unknownMainKeyHint(key, context: context, lookup: lookup)
        }
        let mainSpecs = ConfigSchema.main(modules: modules)
        let main: OptionValues?
        if let root, !NodeReader.isNull(root) {
            main = reader.readObject(root, specs: mainSpecs, context: "main configuration")
        } else {
            main = OptionValues(specs: mainSpecs)
        }
        errors += reader.errors

        // Route files are read even when the main file has errors, so one run reports everything.
        let include = main?.string("include") ?? Self.rawInclude(in: root) ?? "conf.d"
        let includeLocation = main?.location(of: "include") ?? Self.rawIncludeLocation(in: root, reader: reader)
            ?? SourceLocation(file: mainFile, line: 1, column: 1)
        let includeDirectory = ConfigPath.resolve(include, against: ConfigPath.directory(of: mainFile))

        var sourceFiles = [mainFile]
        var readRoutes: [RouteFileReader.ReadRoute] = []
        switch Self.routeFiles(in: includeDirectory) {
        case .failure(let problem):
            errors.append(ConfigError("include directory '\(includeDirectory)' \(problem.rawValue)", at: includeLocation))
        case .success(let files):
            if files.count > Self.maximumRouteFiles {
                errors.append(ConfigError("include directory '\(includeDirectory)' has more than \(Self.maximumRouteFiles) route files", at: includeLocation))
            }
            for file in files.prefix(Self.maximumRouteFiles) {
                sourceFiles.append(file)
                switch YAMLDocument.load(path: file) {
                case .failure(let error):
                    errors.append(error)
                case .success(let node):
                    var routeReader = RouteFileReader(file: file, modules: modules)
                    readRoutes += routeReader.read(root: node)
                    errors += routeReader.reader.errors
                }
            }
        }

        var firstByName: [String: SourceLocation] = [:]
        for read in readRoutes {
            guard let name = read.name, let location = read.nameLocation else { continue }
            if let first = firstByName[name] {
                errors.append(ConfigError("duplicate route name '\(name)' (first defined at \(first))", at: location))
            } else {
                firstByName[name] = location
            }
        }

        // Checks that span routes: TS listeners must not be declared twice.
        let routes = readRoutes.compactMap(\.route)
        if errors.isEmpty {
            do {
                _ = try TSIngest.plan(for: routes)
            } catch {
                errors.append(error.configError(in: routes))
            }
        }

        guard errors.isEmpty, let main else {
            throw ConfigErrors(Self.sorted(errors, files: sourceFiles))
        }
        var moduleOptions: [String: OptionValues] = [:]
        for module in modules {
            moduleOptions[module.name] = main.object(module.kind.sectionKey)?.object(module.name)
                ?? OptionValues(specs: module.globalOptions)
        }
        return WeirConfiguration(
            mainFile: mainFile,
            includeDirectory: includeDirectory,
            sourceFiles: sourceFiles,
            logLevel: main.object("log")?.string("level").flatMap(Logger.Level.init(rawValue:)) ?? .info,
            httpListen: main.object("http")?.address("listen") ?? ConfigAddress(host: "0.0.0.0", port: 8080),
            moduleOptions: moduleOptions,
            routes: readRoutes.compactMap(\.route),
            mainOptions: main
        )
    }

    /// The `*.yaml` files of a directory in name order, skipping hidden files.
    static func routeFiles(in directory: String) -> Result<[String], RouteDirectoryProblem> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            return .failure(.missing)
        }
        guard isDirectory.boolValue else { return .failure(.notADirectory) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return .failure(.unreadable)
        }
        let files = names
            .filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { ConfigPath.join(directory, $0) }
            .filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
        return .success(files)
    }

    /// Why the include directory cannot be read; the raw value completes "include directory 'X' ...".
    enum RouteDirectoryProblem: String, Error {
        case missing = "does not exist"
        case notADirectory = "is not a directory"
        case unreadable = "cannot be read"
    }

    /// Better messages for unknown keys in the main file: routes and misplaced modules.
    static func unknownMainKeyHint(_ key: String, context: String, lookup: ModuleLookup) -> String? {
        if context == "main configuration", key == "routes" {
            return "routes belong in route files in the include directory, not in the main configuration"
        }
        guard let kind = ModuleKind.allCases.first(where: { $0.sectionKey == context }) else { return nil }
        return lookup.problem(with: key, as: kind)
    }

    /// The `include:` text when the main file did not validate as a whole.
    private static func rawInclude(in root: Node?) -> String? {
        guard let root, case .mapping(let mapping) = root, let node = mapping["include"] else { return nil }
        return NodeReader.text(of: node)
    }

    private static func rawIncludeLocation(in root: Node?, reader: NodeReader) -> SourceLocation? {
        guard let root, case .mapping(let mapping) = root, let node = mapping["include"] else { return nil }
        return reader.location(of: node)
    }

    /// Errors grouped by file in reading order, then by position.
    static func sorted(_ errors: [ConfigError], files: [String]) -> [ConfigError] {
        let order = Dictionary(files.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return errors.enumerated().sorted { lhs, rhs in
            let left = (order[lhs.element.location.file] ?? Int.max, lhs.element.location.line, lhs.element.location.column, lhs.offset)
            let right = (order[rhs.element.location.file] ?? Int.max, rhs.element.location.line, rhs.element.location.column, rhs.offset)
            return left < right
        }.map(\.element)
    }
}
