import ArgumentParser
import Foundation

/// `weir reload`: asks the running server to reload its configuration (SIGHUP).
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Tell the running server to re-read its configuration (sends SIGHUP)."
    )

    static let defaultPidFile = "/run/weir/weir.pid"

    @Option(help: ArgumentHelp("The pid file `weir run --pid-file` wrote.", valueName: "path"))
    var pidFile: String = ReloadCommand.defaultPidFile

    func run() throws {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8) else {
            StandardError.write("weir reload: cannot read \(pidFile); is weir running with --pid-file \(pidFile)?")
            throw ExitCode(1)
        }
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else {
            StandardError.write("weir reload: \(pidFile) does not hold a process id")
            throw ExitCode(1)
        }
        guard kill(pid, SIGHUP) == 0 else {
            StandardError.write("weir reload: cannot signal process \(pid): \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        print("weir reload: asked process \(pid) to reload; its log says whether the new configuration was applied")
    }
}
