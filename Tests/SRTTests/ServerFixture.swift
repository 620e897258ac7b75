import Foundation
import Logging
import WeirCore
import WeirTestSupport
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
