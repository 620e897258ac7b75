import Foundation
import HLS
import Logging
import NIOCore
import NIOPosix
import RTMP
import ServiceLifecycle
import SRT
import TS
import WeirCore

/// The running server: listeners, the route table, the stream catalog.
///
/// SIGTERM or SIGINT starts a graceful drain that stops accepting publishers, ends every live
/// stream (closing its open segments and playlists, which releases waiting playlist requests)
/// and then closes the HTTP listener. SIGHUP reloads the configuration (see ``reload()``).
actor WeirServer: Service {
    enum State: String {
        case idle, starting, running, draining, stopped
    }

    private var configuration: WeirConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    /// The level every logger of the process reads; a reload sets it.
    private let logLevel: LogLevelBox
    private let catalog = StreamCatalog()
    private let router: StreamRouterService
    private let httpStatistics = HTTPStatistics()
    private let httpLimits: HTTPLimits
    private var http: HTTPServer?
    private var rtmp: RTMPServer?
    /// Shared by every RTMP server this process runs, so a moved listener keeps the counts.
    private let rtmpRefusals = RefusalCounter()
    private var srt: SRTServer?
    private let ts: TSIngest
    private var reloads = 0
    private var failedReloads = 0

    var reloadCounts: (applied: Int, failed: Int) { (reloads, failedReloads) }

    var srtSessions: [SRTSessionSnapshot] { srt?.sessions ?? [] }
    private var state = State.idle {
        didSet { logger.info("server \(state.rawValue)") }
    }

    init(configuration: WeirConfiguration, group: any EventLoopGroup, logger: Logger, logLevel: LogLevelBox) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.logLevel = logLevel
        self.router = StreamRouterService(routes: configuration.routeTable, catalog: catalog, hooks: HookClient(group: group), logger: logger)
        router.applyLimits(configuration)
        ts = TSIngest(router: router, group: group, logger: logger)
        httpLimits = HTTPLimits(HTTPLimits.Settings(options: configuration.mainOptions.object("http") ?? OptionValues()))
    }

    /// Runs the server until SIGTERM or SIGINT.
    ///
    /// - Parameters:
    ///   - pidFile: where to write the process id for `weir reload`, if anywhere.
    static func run(configuration: WeirConfiguration, pidFile: String?) async throws {
        let logLevel = LogLevelBox(configuration.logLevel)
        LoggingSystem.bootstrap { label in
            SharedLevelLogHandler(StreamLogHandler.standardError(label: label), level: logLevel)
        }
        let logger = Logger(label: "weir")
        let server = WeirServer(
            configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, logger: logger, logLevel: logLevel)
        if let pidFile {
            try "\(ProcessInfo.processInfo.processIdentifier)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        }
        defer { if let pidFile { try? FileManager.default.removeItem(atPath: pidFile) } }
        let services = ServiceGroup(configuration: .init(
            services: [
                .init(service: server),
                .init(service: ReloadService { await server.reload() }),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
    }

    func run() async throws {
        state = .starting
        let http = makeHTTPServer(configuration.httpListen)
        let rtmp = makeRTMPServer(configuration)
        try await http.start()
        try await rtmp.start()
        if Self.takesSRT(configuration) {
            let srt = makeSRTServer(configuration)
            try await srt.start()
            self.srt = srt
        } else {
            logger.info("SRT listener not opened: no route takes srt")
        }
        try await ts.apply(routes: configuration.routes)
        self.http = http
        self.rtmp = rtmp
        state = .running

        try? await gracefulShutdown()

        state = .draining
        await self.rtmp?.stop()
        await self.srt?.stop()
        await ts.stop()
        for stream in catalog.all where stream.isLive { stream.stop(reason: "server stopping") }
        // Give packagers a moment to close their last segments so final playlists carry ENDLIST.
        for _ in 0..<100 where catalog.all.contains(where: { !$0.window.isEnded }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await self.http?.stop()
        state = .stopped
    }

    /// Re-reads every config file and applies the result as a diff, or keeps the running
    /// configuration when anything is invalid.
    ///
    /// Everything is validated, and new listeners are bound, before anything is applied; a
    /// listener whose address is unchanged keeps its socket, so no connection is refused or
    /// dropped by a reload.
    func reload() async {
        guard state == .running else { return }
        let started = ContinuousClock.now
        let loaded: WeirConfiguration
        do {
            loaded = try ConfigLoader().load(mainFile: configuration.mainFile)
        } catch {
            failedReloads += 1
            for problem in error.errors { logger.error("reload refused: \(problem)") }
            logger.error("reload refused: keeping the running configuration (\(error.errors.count) error(s))")
            return
        }

        // Bind what is new first: a failure here refuses the whole reload.
        var newHTTP: HTTPServer?
        var newRTMP: RTMPServer?
        var newSRT: SRTServer?
        do {
            if loaded.httpListen != configuration.httpListen {
                let server = makeHTTPServer(loaded.httpListen)
                try await server.start()
                newHTTP = server
            }
            if loaded.globalOptions(for: "rtmp").address("listen") != configuration.globalOptions(for: "rtmp").address("listen") {
                let server = makeRTMPServer(loaded)
                try await server.start()
                newRTMP = server
            }
            let srtMoved = loaded.globalOptions(for: "srt").address("listen") != configuration.globalOptions(for: "srt").address("listen")
            if Self.takesSRT(loaded), srt == nil || srtMoved {
                let server = makeSRTServer(loaded)
                try await server.start()
                newSRT = server
            }
            // Keeps unchanged TS listeners, binds new ones, closes removed ones; all or nothing.
            try await ts.apply(routes: loaded.routes)
        } catch {
            await newHTTP?.stop()
            await newRTMP?.stop()
            await newSRT?.stop()
            failedReloads += 1
            logger.error("reload refused: cannot bind a new listener: \(error); keeping the running configuration")
            return
        }

        let previous = configuration
        configuration = loaded
        reloads += 1
        if loaded.logLevel != previous.logLevel {
            logLevel.level = loaded.logLevel
            logger.info("reload: log level \(previous.logLevel) -> \(loaded.logLevel)")
        }
        if let newHTTP {
            await http?.stop()
            http = newHTTP
            logger.info("reload: HTTP listener moved \(previous.httpListen) -> \(loaded.httpListen)")
        }
        if let newRTMP {
            await rtmp?.stop()
            rtmp = newRTMP
            logger.info("reload: RTMP listener moved to \(loaded.globalOptions(for: "rtmp").address("listen").map { "\($0)" } ?? "?")")
        } else if loaded.globalOptions(for: "rtmp") != previous.globalOptions(for: "rtmp") {
            rtmp?.update(configuration: RTMPServer.Configuration(options: loaded.globalOptions(for: "rtmp")))
            logger.info("reload: RTMP settings updated for new connections")
        }
        if let newSRT {
            let opened = srt == nil
            await srt?.stop()
            srt = newSRT
            let address = loaded.globalOptions(for: "srt").address("listen").map { "\($0)" } ?? "?"
            logger.info(opened ? "reload: SRT listener opened on \(address)" : "reload: SRT listener moved to \(address)")
        } else if !Self.takesSRT(loaded), let running = srt {
            await running.stop()
            srt = nil
            logger.info("reload: SRT listener closed: no route takes srt")
        } else {
            // The SRT handshake reads routes for passphrases and latency: always give it the new table.
            srt?.update(configuration: SRTServer.Configuration(options: loaded.globalOptions(for: "srt"), routes: loaded.routeTable))
        }
        let diff = RouteDiff(old: previous.routes, new: loaded.routes, modules: ModuleRegistry.descriptors)
        router.apply(loaded.routeTable, diff: diff)
        router.applyLimits(loaded)
        let httpSettings = HTTPLimits.Settings(options: loaded.mainOptions.object("http") ?? OptionValues())
        if httpSettings != httpLimits.settings {
            httpLimits.settings = httpSettings
            logger.info("reload: HTTP limits updated")
        }
        let elapsed = ContinuousClock.now - started
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        logger.info("reload applied in \(micros / 1000).\(micros % 1000 / 100) ms: \(diff.isEmpty ? "routes unchanged" : "routes updated")")
    }

    private func makeHTTPServer(_ address: ConfigAddress) -> HTTPServer {
        HTTPServer(
            address: address,
            limits: httpLimits,
            responder: WebResponder(
                handlers: [
                    HLSHandler(catalog: catalog, access: PlaybackSigner(routes: { [router] in router.routeTable })),
                    MetricsHandler(
                        catalog: catalog, http: httpStatistics, refusals: router.refusals, httpLimits: httpLimits,
                        rtmpRefusals: rtmpRefusals,
                        srtSessions: { [weak self] in await self?.srtSessions ?? [] },
                        reloads: { [weak self] in await self?.reloadCounts ?? (0, 0) }),
                ],
                uploadHandlers: [ts.uploadHandler],
                statistics: httpStatistics),
            group: group, logger: logger)
    }

    /// The SRT listener is open only while a route takes SRT: libsrt's threads cost CPU even
    /// when nobody is connected.
    private static func takesSRT(_ configuration: WeirConfiguration) -> Bool {
        configuration.routes.contains { $0.ingest.contains(SRTModule.name) }
    }

    private func makeSRTServer(_ configuration: WeirConfiguration) -> SRTServer {
        SRTServer(
            configuration: SRTServer.Configuration(options: configuration.globalOptions(for: "srt"), routes: configuration.routeTable),
            router: router, logger: logger)
    }

    private func makeRTMPServer(_ configuration: WeirConfiguration) -> RTMPServer {
        RTMPServer(
            configuration: RTMPServer.Configuration(options: configuration.globalOptions(for: "rtmp")),
            router: router, group: group, logger: logger, refusals: rtmpRefusals)
    }
}
