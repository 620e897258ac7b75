import ArgumentParser
import WeirCore

/// `weir check`: validate the configuration and print what it resolves to.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration and print the resolved routes.",
        discussion: "Exits 0 and prints every route with its effective options, or exits 1 and prints each problem as FILE:LINE:COL: message on standard error."
    )

    @OptionGroup var options: ConfigPathOption

    func run() throws {
        let result = Self.check(mainFile: options.config, modules: ModuleRegistry.descriptors)
        switch result {
        case .success(let report):
            print(report, terminator: "")
        case .failure(let errors):
            for problem in errors.errors {
                StandardError.write(problem.description)
            }
            throw ExitCode(1)
        }
    }

    /// Loads `mainFile` and renders the report `weir check` prints.
    static func check(mainFile: String, modules: [ModuleDescriptor]) -> Result<String, ConfigErrors> {
        do {
            let configuration = try ConfigLoader(modules: modules).load(mainFile: mainFile)
            return .success(CheckReport.render(configuration, modules: modules))
        } catch {
            return .failure(error)
        }
    }
}
