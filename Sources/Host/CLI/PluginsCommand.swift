import ArgumentParser

/// `weir plugins`: list the registered modules and their options.
struct PluginsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins",
        abstract: "List the registered modules with every option's type, default, reload behaviour and documentation."
    )

    func run() throws {
        print(PluginsReport.render(ModuleRegistry.descriptors), terminator: "")
    }
}
