import WeirCore

/// What a reload changes in the route table, classified by the config schema's reload behaviour.
///
/// The diff is computed from the old and new resolved routes alone, so `weir check` and tests
/// can show it without a running server.
struct RouteDiff: Equatable {
    /// One changed option of a module in a route that exists before and after.
    struct OptionChange: Equatable {
        var route: String
        var module: String
        var key: String
        var old: String
        var new: String
        var reload: ReloadBehavior
    }

    var added: [String] = []
    var removed: [String] = []
    /// Routes whose match pattern or ingest list changed: their live streams are matched again.
    var rematched: [String] = []
    var options: [OptionChange] = []

    var isEmpty: Bool { added.isEmpty && removed.isEmpty && rematched.isEmpty && options.isEmpty }

    init(old: [RouteConfiguration], new: [RouteConfiguration], modules: [ModuleDescriptor]) {
        let oldByName = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.map(\.name))
        removed = old.map(\.name).filter { !newNames.contains($0) }
        for route in new {
            guard let previous = oldByName[route.name] else {
                added.append(route.name)
                continue
            }
            if previous.pattern != route.pattern || previous.ingest != route.ingest || previous.process.map(\.name) != route.process.map(\.name)
                || previous.outputs.map(\.name) != route.outputs.map(\.name) {
                rematched.append(route.name)
            }
            let pairs = zip(previous.ingestModules, route.ingestModules).map { ($0, $1) }
                + zip(previous.process, route.process).map { ($0, $1) }
                + zip(previous.outputs, route.outputs).map { ($0, $1) }
            for (before, after) in pairs where before.name == after.name && before.options != after.options {
                let specs = modules.first { $0.name == after.name }?.options ?? []
                for spec in specs where before.options[spec.name] != after.options[spec.name] {
                    options.append(OptionChange(
                        route: route.name, module: after.name, key: spec.name,
                        old: before.options[spec.name].map { "\($0)" } ?? "unset",
                        new: after.options[spec.name].map { "\($0)" } ?? "unset",
                        reload: spec.reload))
                }
            }
        }
    }
}
