public import NIOCore

/// The server side of the simple RTMP handshake: C0/C1 → S0/S1/S2 → C2.
///
/// S1 carries zero version bytes, which tells Flash-9-style clients (librtmp, ffmpeg) that the
/// server does not do the digest handshake: librtmp then falls back to the simple one, and
/// ffmpeg's publisher never verifies the server digest. S2 echoes C1 byte for byte, which is
/// what both kinds of client compare it against.
public struct RTMPHandshake: Sendable {
    public static let version: UInt8 = 3
    public static let packetSize = 1536

    public enum State: Sendable, Equatable {
        case waitingForC0
        case waitingForC1
        case waitingForC2
        case done
    }

    public enum Step: Sendable {
        /// More bytes are needed.
        case needMoreData
        /// Send these bytes (S0, S1 and S2) and keep feeding input.
        case reply(ByteBuffer)
        /// C2 arrived; the bytes after it are chunk stream.
        case complete
    }

    public private(set) var state: State = .waitingForC0

    public init() {}

    /// Consumes handshake bytes from `buffer`.
    ///
    /// - Parameters:
    ///   - buffer: received bytes; the reader index moves past what the handshake consumed.
    public mutating func advance(_ buffer: inout ByteBuffer) throws(RTMPHandshakeError) -> Step {
        switch state {
        case .waitingForC0:
            guard let version = buffer.readInteger(as: UInt8.self) else { return .needMoreData }
            // Checked at once, so a peer speaking another protocol is refused without waiting for C1.
            guard version == Self.version else { throw .unsupportedVersion(version) }
            state = .waitingForC1
            return try advance(&buffer)
        case .waitingForC1:
            guard let c1 = buffer.readSlice(length: Self.packetSize) else { return .needMoreData }
            state = .waitingForC2
            return .reply(Self.reply(echoing: c1))
        case .waitingForC2:
            guard buffer.readableBytes >= Self.packetSize else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: Self.packetSize)
            state = .done
            return .complete
        case .done:
            return .complete
        }
    }

    static func reply(echoing c1: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(1 + 2 * packetSize)
        out.writeInteger(version)
        // S1: time, four zero bytes (no digest scheme), random filler.
        out.writeInteger(UInt32(0))
        out.writeInteger(UInt32(0))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<((packetSize - 8) / 8) {
            out.writeInteger(generator.next() as UInt64)
        }
        var echo = c1
        out.writeBuffer(&echo)
        return out
    }
}
