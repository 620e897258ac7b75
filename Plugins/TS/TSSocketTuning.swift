import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Socket options of UDP listeners that NIO has no names for.
enum TSSocketTuning {
    #if os(Linux)
    /// Like SO_RCVBUF but not capped by `net.core.rmem_max`; needs CAP_NET_ADMIN.
    static let receiveBufferForce = ChannelOptions.Types.SocketOption(level: .socket, name: NIOBSDSocket.Option(rawValue: CInt(SO_RCVBUFFORCE)))
    /// Off: a socket receives only the multicast groups it joined itself, not every group any
    /// socket of the host joined on its port.
    static let multicastAll = ChannelOptions.Types.SocketOption(level: .ip, name: NIOBSDSocket.Option(rawValue: CInt(IP_MULTICAST_ALL)))
    #endif

    /// Asks for a receive buffer of `bytes` and reports what the kernel granted.
    ///
    /// SO_RCVBUFFORCE is tried first, so a server running with CAP_NET_ADMIN gets its size
    /// whatever `net.core.rmem_max` says; otherwise SO_RCVBUF gives at most that limit.
    ///
    /// - Returns: The size the kernel reports (Linux reports twice the size asked, the other
    ///   half being its bookkeeping).
    static func setReceiveBuffer(_ bytes: Int, on channel: any Channel) -> EventLoopFuture<Int> {
        let value = SocketOptionValue(clamping: bytes)
        let plain = ChannelOptions.socketOption(.so_rcvbuf)
        #if os(Linux)
        let set = channel.setOption(receiveBufferForce, value: value).flatMapError { _ in
            channel.setOption(plain, value: value)
        }
        #else
        let set = channel.setOption(plain, value: value)
        #endif
        return set.flatMap { channel.getOption(plain) }.map { Int($0) }
    }

    /// Sets the receive buffer and logs the outcome, warning when the kernel granted less.
    ///
    /// - Returns: The size the kernel reports, or nil when the option could not be set.
    static func applyReceiveBuffer(_ bytes: Int, on channel: any Channel, url: TSListenURL, logger: Logger) -> EventLoopFuture<Int?> {
        setReceiveBuffer(bytes, on: channel).map { granted -> Int? in
            let metadata: Logger.Metadata = ["listen": "\(url)", "requested": "\(bytes)", "granted": "\(granted)"]
            // Linux grants double what it was asked (bookkeeping included): a grant below the
            // request means the request was capped.
            if granted < bytes {
                logger.warning(
                    "UDP receive buffer is smaller than requested; raise net.core.rmem_max (sysctl) or run with CAP_NET_ADMIN",
                    metadata: metadata)
            } else {
                logger.info("UDP receive buffer set", metadata: metadata)
            }
            return granted
        }.recover { error in
            logger.warning("cannot set the UDP receive buffer", metadata: ["listen": "\(url)", "error": "\(error)"])
            return nil
        }
    }

    /// Limits a UDP socket to the multicast groups it joins itself (Linux); elsewhere a no-op.
    static func restrictMulticast(_ channel: any Channel) -> EventLoopFuture<Void> {
        #if os(Linux)
        return channel.setOption(multicastAll, value: 0).recover { _ in }
        #else
        return channel.eventLoop.makeSucceededVoidFuture()
        #endif
    }
}
