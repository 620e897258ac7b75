import ArgumentParser

/// The `--config PATH` option shared by `run` and `check`.
struct ConfigPathOption: ParsableArguments {
    @Option(
        name: [.customShort("c"), .long],
        help: ArgumentHelp("Main configuration file.", valueName: "path")
    )
    var config: String = ConfigSchema.defaultMainFile
}
