import Foundation
import Logging
import WeirCore
@testable import SRT

/// Runs `body` against an SRT server on 127.0.0.1 and an ephemeral port, and stops it after.
func withServer(
    router: TestRouter = TestRouter(),
    routes: RouteTable? = nil,
    maxConnections: Int = 16,
    idleTimeout: ConfigDuration? = .seconds(30),
    _ body: (SRTServer, Int) async throws -> Void
) async throws {
    var logger = Logger(label: "srt-test")
    logger.logLevel = ProcessInfo.processInfo.environment["SRT_TEST_LOG"] != nil ? .debug : .critical
    let configuration = SRTServer.Configuration(
        listen: ConfigAddress(host: "127.0.0.1", port: 0), latency: .milliseconds(120), maxConnections: maxConnections,
        idleTimeout: idleTimeout, routes: try routes ?? TestRoutes.standard())
    let server = SRTServer(configuration: configuration, router: router, logger: logger)
    try await server.start()
    guard let port = server.localPort, port > 0 else {
        await server.stop()
        throw SRTError(operation: "test", code: 0, message: "no port")
    }
    do {
        try await body(server, port)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// How a client program ended.
struct ProcessOutcome {
    /// Nil when it had to be killed at the timeout.
    var status: Int32?
    var standardError: String
}

/// Runs a program with its standard output discarded and its standard error kept.
func runProcess(_ path: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> ProcessOutcome {
    let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("srt-test-\(UUID().uuidString).err")
    FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errorFile) }
    let errorHandle = try FileHandle(forWritingTo: errorFile)
    defer { try? errorHandle.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errorHandle
    try process.run()
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

/// The external publishers the tests drive.
enum Publishers {
    static let ffmpeg = "/usr/bin/ffmpeg"
    static let srtLiveTransmit = "/usr/bin/srt-live-transmit"
    static let gstLaunch = "/usr/bin/gst-launch-1.0"

    static var haveFFmpeg: Bool { FileManager.default.isExecutableFile(atPath: ffmpeg) }
    static var haveSRTLiveTransmit: Bool { haveFFmpeg && FileManager.default.isExecutableFile(atPath: srtLiveTransmit) }
    static var haveGStreamer: Bool { FileManager.default.isExecutableFile(atPath: gstLaunch) }

    /// ffmpeg's test pattern and tone: 3 s of H.264 320x240 at 30 fps (GOP 30) and AAC.
    static let testSource = [
        "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine",
        "-t", "3", "-c:v", "libx264", "-g", "30", "-c:a", "aac",
    ]

    /// Publishes the test source with ffmpeg's SRT caller.
    ///
    /// - Parameters:
    ///   - query: appended to the SRT URL after `streamid=…&pkt_size=1316`.
    static func ffmpegSRT(port: Int, streamID: String, query: String = "", seconds: Int = 3) async throws -> ProcessOutcome {
        var source = testSource
        if let index = source.firstIndex(of: "-t") { source[index + 1] = "\(seconds)" }
        return try await runProcess(ffmpeg, ["-nostdin", "-hide_banner", "-loglevel", "error"] + source + [
            "-f", "mpegts", "srt://127.0.0.1:\(port)?streamid=\(streamID)&pkt_size=1316\(query)",
        ])
    }
}
