import ArgumentParser

/// `weir version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() throws {
        print("weir \(WeirVersion.string)")
    }
}
