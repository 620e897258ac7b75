import Foundation
import Logging
import NIOCore
import NIOPosix
import TS
import WeirCore
import WeirTestSupport

/// ffmpeg as a publisher and as the maker of test media.
enum FFmpeg {
    static let path = "/usr/bin/ffmpeg"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// 320x240 at 30 fps H.264 (keyframe every 30 frames, B-frames on) and 48 kHz AAC, as MPEG-TS.
    static func encoder(seconds: Int, realtime: Bool) -> [String] {
        (realtime ? ["-re"] : []) + [
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "\(seconds)", "-c:v", "libx264", "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts",
        ]
    }

    static func arguments(_ arguments: [String]) -> [String] {
        ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"] + arguments
    }

    /// Runs ffmpeg to completion; nil when it had to be killed at `timeout`.
    static func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Int32? {
        let process = try start(arguments)
        return await process.wait(timeout: timeout).status
    }

    static func start(_ arguments: [String]) throws -> RunningProcess {
        try RunningProcess(path: path, arguments: Self.arguments(arguments))
    }

    /// A transport stream of `seconds` of the test pattern, made once per call.
    static func makeTS(seconds: Int) async throws -> [UInt8] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("weir-ts-\(UUID().uuidString).ts")
        defer { try? FileManager.default.removeItem(at: url) }
        let status = try await run(encoder(seconds: seconds, realtime: false) + [url.path])
        guard status == 0 else { throw TestFailure("ffmpeg could not make a test stream (status \(status.map(String.init) ?? "killed"))") }
        return try [UInt8](Data(contentsOf: url))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A route that takes `studio/*` from the `ts` ingest, with the given `ts` options.
func studioRoute(
    name: String = "studio", match: String = "studio/*", listen: [String] = [], stream: String? = nil,
    idleTimeout: ConfigDuration = .seconds(1), receiveBuffer: Int? = nil
) throws -> RouteConfiguration {
    var values: [String: ConfigValue] = ["idle_timeout": .duration(idleTimeout)]
    if !listen.isEmpty { values["listen"] = .list(listen.map { .string($0) }) }
    if let stream { values["stream"] = .string(stream) }
    if let receiveBuffer { values["udp_receive_buffer"] = .integer(receiveBuffer) }
    let location = SourceLocation(file: "test.yaml", line: 1, column: 1)
    let ts = ModuleInstance(
        name: "ts", kind: .ingest, options: OptionValues(specs: TSModule.descriptor.options, values: values), location: location)
    return RouteConfiguration(
        name: name, pattern: try StreamPathPattern(parsing: match), ingest: ["ts"], ingestModules: [ts], outputs: [],
        location: location)
}

/// Runs `body` with an ingest that has applied `routes`, and stops it after.
func withIngest(
    router: TestRouter, routes: [RouteConfiguration], _ body: (TSIngest) async throws -> Void
) async throws {
    var logger = Logger(label: "ts-test")
    logger.logLevel = ProcessInfo.processInfo.environment["WEIR_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    let ingest = TSIngest(router: router, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
    do {
        try await ingest.apply(routes: routes)
        try await body(ingest)
    } catch {
        await ingest.stop()
        throw error
    }
    await ingest.stop()
}

/// The 188-byte packets of a transport stream.
func tsPackets(_ bytes: [UInt8]) -> [[UInt8]] {
    stride(from: 0, to: bytes.count - 187, by: 188).map { Array(bytes[$0..<$0 + 188]) }
}

/// Raw sockets standing in for publishers that do not need ffmpeg.
enum RawClient {
    /// Connects to `port` on loopback.
    static func connect(port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// A UDP socket bound to an ephemeral loopback port.
    static func udpSocket() async throws -> any Channel {
        try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    }

    /// Sends `bytes` in datagrams of seven TS packets, as encoders do, all in one burst.
    static func sendDatagrams(_ bytes: [UInt8], from channel: any Channel, to address: SocketAddress) async throws {
        var last: EventLoopFuture<Void>?
        for start in stride(from: 0, to: bytes.count, by: 1316) {
            let datagram = ByteBuffer(bytes: bytes[start..<min(start + 1316, bytes.count)])
            last = channel.write(AddressedEnvelope(remoteAddress: address, data: datagram))
        }
        channel.flush()
        try await last?.get()
    }
}

/// The system's cap for SO_RCVBUF without privileges.
var receiveBufferLimit: Int {
    (try? String(contentsOfFile: "/proc/sys/net/core/rmem_max", encoding: .utf8))
        .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 212_992
}
