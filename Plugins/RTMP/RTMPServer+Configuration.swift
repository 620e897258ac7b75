public import NIOCore
public import WeirCore

extension RTMPServer {
    /// The listener's settings, read from the module's global options.
    public struct Configuration: Sendable, Equatable {
        public var listen: ConfigAddress
        /// Chunk size the server announces and sends with.
        public var chunkSize: Int
        /// Cap for one reassembled message from a peer.
        public var maxMessageSize: Int
        /// Nil when disabled.
        public var handshakeTimeout: TimeAmount?
        /// Nil when disabled.
        public var idleTimeout: TimeAmount?
        /// Most simultaneous connections from one address; 0 means no limit.
        public var maxConnectionsPerAddress: Int

        public init(
            listen: ConfigAddress = RTMPModule.defaultListen,
            chunkSize: Int = RTMPModule.defaultChunkSize,
            maxMessageSize: Int = RTMPModule.defaultMaxMessageSize,
            handshakeTimeout: TimeAmount? = .seconds(10),
            idleTimeout: TimeAmount? = .seconds(30),
            maxConnectionsPerAddress: Int = RTMPModule.defaultMaxConnectionsPerAddress
        ) {
            self.listen = listen
            self.chunkSize = min(max(chunkSize, 128), 65536)
            self.maxMessageSize = max(maxMessageSize, self.chunkSize)
            self.handshakeTimeout = handshakeTimeout
            self.idleTimeout = idleTimeout
            self.maxConnectionsPerAddress = max(0, maxConnectionsPerAddress)
        }

        /// Reads the options of ``RTMPModule/descriptor``; absent keys take the schema defaults.
        ///
        /// - Parameters:
        ///   - options: the `ingest: rtmp:` mapping of the main configuration.
        public init(options: OptionValues) {
            let defaults = OptionValues(specs: RTMPModule.descriptor.globalOptions)
            func value<T>(_ read: (OptionValues) -> T?) -> T? { read(options) ?? read(defaults) }
            self.init(
                listen: value { $0.address("listen") } ?? RTMPModule.defaultListen,
                chunkSize: value { $0.integer("chunk_size") } ?? RTMPModule.defaultChunkSize,
                maxMessageSize: value { $0.integer("max_message_size") } ?? RTMPModule.defaultMaxMessageSize,
                handshakeTimeout: Self.timeAmount(value { $0.duration("handshake_timeout") }),
                idleTimeout: Self.timeAmount(value { $0.duration("idle_timeout") }),
                maxConnectionsPerAddress: value { $0.integer("max_connections_per_address") } ?? RTMPModule.defaultMaxConnectionsPerAddress)
        }

        private static func timeAmount(_ duration: ConfigDuration?) -> TimeAmount? {
            guard let duration, duration.microseconds > 0 else { return nil }
            return .microseconds(duration.microseconds)
        }
    }
}
