import WeirCore

/// Finds registered modules by name and explains why a name does not fit where it was written.
struct ModuleLookup {
    let modules: [ModuleDescriptor]

    func descriptor(named name: String) -> ModuleDescriptor? {
        modules.first { $0.name == name }
    }

    /// Why `name` is not a module of `kind`, or nil if it is one.
    func problem(with name: String, as kind: ModuleKind) -> String? {
        if let module = descriptor(named: name) {
            guard module.kind != kind else { return nil }
            return "'\(name)' is \(Self.article(module.kind)) module, not \(Self.article(kind)) module"
        }
        let candidates = modules.filter { $0.kind == kind }.map(\.name)
        var message = "unknown \(kind) module '\(name)'"
        if let suggestion = KeySuggestion.closest(to: name, in: candidates) {
            message += " (did you mean '\(suggestion)'?)"
        } else if candidates.isEmpty {
            message += " (no \(kind) modules are registered)"
        } else {
            message += " (registered \(kind) modules: \(candidates.joined(separator: ", ")))"
        }
        return message
    }

    private static func article(_ kind: ModuleKind) -> String {
        switch kind {
        case .ingest: "an ingest"
        case .process: "a process"
        case .output: "an output"
        }
    }
}
