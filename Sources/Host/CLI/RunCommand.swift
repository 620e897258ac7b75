import ArgumentParser
import WeirCore

/// `weir run`: load the configuration and serve until stopped.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the server (the default when no subcommand is given)."
    )

    @OptionGroup var options: ConfigPathOption

    @Option(help: ArgumentHelp("Write the process id here, for `weir reload`.", valueName: "path"))
    var pidFile: String?

    func run() async throws {
        let configuration: WeirConfiguration
        do {
            configuration = try ConfigLoader().load(mainFile: options.config)
        } catch {
            for problem in error.errors {
                StandardError.write(problem.description)
            }
            throw ExitCode(1)
        }
        try await WeirServer.run(configuration: configuration, pidFile: pidFile)
    }
}
