import NIOCore
import WeirCore

/// The `ts` entry of one route, read from its options.
struct TSRouteOptions {
    var listen: [String]
    var stream: String?
    var idleTimeout: TimeAmount?
    var receiveBuffer: Int

    /// Reads the options of ``TSModule/descriptor``; absent keys take the schema defaults.
    init(options: OptionValues) {
        let defaults = OptionValues(specs: TSModule.descriptor.options)
        func value<T>(_ read: (OptionValues) -> T?) -> T? { read(options) ?? read(defaults) }
        listen = value { $0.strings("listen") } ?? []
        stream = options.string("stream")
        let idle = value { $0.duration("idle_timeout") } ?? TSModule.defaultIdleTimeout
        idleTimeout = idle.microseconds > 0 ? .microseconds(idle.microseconds) : nil
        receiveBuffer = value { $0.integer("udp_receive_buffer") } ?? TSModule.defaultReceiveBuffer
    }

    /// The route's `ts` options, defaults when the route names `ts` without options.
    init(route: RouteConfiguration) {
        self.init(options: route.ingest(named: TSModule.descriptor.name)?.options ?? OptionValues(specs: TSModule.descriptor.options))
    }
}
