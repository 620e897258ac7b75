import ArgumentParser

/// The `weir` executable: a live video server.
@main
struct WeirCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weir",
        abstract: "Live video server: RTMP in, Low-Latency HLS out.",
        version: WeirVersion.string,
        subcommands: [RunCommand.self, CheckCommand.self, ReloadCommand.self, PluginsCommand.self, VersionCommand.self, DocsCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
