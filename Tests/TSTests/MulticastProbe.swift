import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Checks, outside the code under test, whether a datagram sent to a multicast group comes
/// back to a socket of this host that joined it.
enum MulticastProbe {
    private final class Catcher: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let received = Mutex(false)

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received.withLock { $0 = true }
        }
    }

    static func run(group address: String) -> Bool {
        let group = MultiThreadedEventLoopGroup.singleton
        let catcher = Catcher()
        do {
            let receiver = try DatagramBootstrap(group: group)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelInitializer { $0.pipeline.addHandler(catcher) }
                .bind(host: address, port: 0).wait()
            defer { try? receiver.close().wait() }
            guard let port = receiver.localAddress?.port, let multicast = receiver as? any MulticastChannel else { return false }
            let target = try SocketAddress(ipAddress: address, port: port)
            try multicast.joinGroup(target).wait()
            let sender = try DatagramBootstrap(group: group).bind(host: "0.0.0.0", port: 0).wait()
            defer { try? sender.close().wait() }
            try sender.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(string: "probe"))).wait()
            for _ in 0..<50 {
                if catcher.received.withLock({ $0 }) { return true }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return false
        } catch {
            return false
        }
    }
}
