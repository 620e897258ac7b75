import Foundation

/// How a child process ended: its exit status (nil when it had to be killed) and what it wrote
/// to standard error.
public struct ProcessOutcome: Sendable {
    public var status: Int32?
    public var standardError: String
}

/// A child process with its standard output discarded and its standard error kept.
public final class RunningProcess: @unchecked Sendable {
    private let process = Process()
    private let errorFile: URL
    private let errorHandle: FileHandle

    public init(path: String, arguments: [String]) throws {
        errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("weir-test-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        errorHandle = try FileHandle(forWritingTo: errorFile)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorHandle
        try process.run()
    }

    deinit {
        try? errorHandle.close()
        try? FileManager.default.removeItem(at: errorFile)
    }

    /// Waits for the process to end, killing it at `timeout`.
    public func wait(timeout: Duration = .seconds(60)) async -> ProcessOutcome {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        var status: Int32?
        if process.isRunning {
            process.terminate()
            // A pipeline's children outlive the shell; give them a moment to see the broken pipe.
            try? await Task.sleep(for: .milliseconds(200))
        } else {
            status = process.terminationStatus
        }
        let text = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return ProcessOutcome(status: status, standardError: text)
    }
}

/// Runs a program to its end (or `timeout`), with its standard output discarded.
public func runProcess(_ path: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> ProcessOutcome {
    let process = try RunningProcess(path: path, arguments: arguments)
    return await process.wait(timeout: timeout)
}
