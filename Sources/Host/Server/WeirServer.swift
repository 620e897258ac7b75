import HLS
import Logging
import NIOCore
import NIOPosix
import RTMP
import ServiceLifecycle
import WeirCore

/// The running server: listeners, the route table, the stream catalog.
///
/// It is one `Service`: SIGTERM or SIGINT starts a graceful drain that stops accepting
/// publishers, ends every live stream (closing its open segments and playlists, which releases
/// waiting playlist requests) and then closes the HTTP listener.
actor WeirServer: Service {
    enum State: String {
        case idle, starting, running, draining, stopped
    }

    private let configuration: WeirConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private var state = State.idle {
        didSet { logger.info("server \(state.rawValue)") }
    }

    init(configuration: WeirConfiguration, group: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
    }

    /// Runs the server until SIGTERM or SIGINT.
    static func run(configuration: WeirConfiguration) async throws {
        var logger = Logger(label: "weir")
        logger.logLevel = configuration.logLevel
        let server = WeirServer(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let services = ServiceGroup(configuration: .init(
            services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
    }

    func run() async throws {
        state = .starting
        let catalog = StreamCatalog()
        let router = StreamRouterService(routes: configuration.routeTable, catalog: catalog, logger: logger)
        let http = HTTPServer(
            address: configuration.httpListen,
            responder: WebResponder(handlers: [HLSHandler(catalog: catalog)]),
            group: group, logger: logger)
        let rtmp = RTMPServer(
            configuration: RTMPServer.Configuration(options: configuration.globalOptions(for: "rtmp")),
            router: router, group: group, logger: logger)
        try await http.start()
        try await rtmp.start()
        state = .running

        try? await gracefulShutdown()

        state = .draining
        await rtmp.stop()
        // Give packagers a moment to close their last segments so final playlists carry ENDLIST.
        for _ in 0..<50 where catalog.all.contains(where: { !$0.window.isEnded }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await http.stop()
        state = .stopped
    }
}
