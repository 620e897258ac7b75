import Glibc
import NIOCore
import WeirFormats
@testable import RTMP

/// A blocking RTMP client over a plain socket, to send exactly the bytes a test wants.
///
/// Every read waits at most `timeout` seconds, so a test can never hang on a silent server.
final class RawRTMPClient {
    enum Failure: Error {
        case socket(String)
    }

    private let fd: Int32
    private var inbound = ByteBuffer()
    var decoder = RTMPChunkDecoder()
    var encoder = RTMPChunkEncoder()
    /// The server closed the connection.
    private(set) var closedByServer = false
    private(set) var bytesSent = 0

    init(port: Int, timeout: Int = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.socket("socket") }
        var interval = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw Failure.socket("connect")
        }
    }

    deinit { Glibc.close(fd) }

    func close() { shutdown(fd, Int32(SHUT_RDWR)) }

    func sendBytes(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
            bytesSent += sent
        }
    }

    /// Reads once; false when the server closed or nothing came within the timeout.
    @discardableResult
    func receiveSome() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count == 0 { closedByServer = true }
        if count < 0, errno == ECONNRESET { closedByServer = true }
        guard count > 0 else { return false }
        inbound.writeBytes(chunk[0..<count])
        return true
    }

    /// Waits until the server closes the connection (true) or the timeout passes (false).
    func waitForClose() -> Bool {
        while !closedByServer {
            guard receiveSome() else { return closedByServer }
        }
        return true
    }

    func handshake() throws {
        var random = SplitMix64(seed: 99)
        sendBytes([3] + random.bytes(RTMPHandshake.packetSize))
        while inbound.readableBytes < 1 + 2 * RTMPHandshake.packetSize {
            guard receiveSome() else { throw Failure.socket("handshake reply") }
        }
        guard let s1 = inbound.getBytes(at: inbound.readerIndex + 1, length: RTMPHandshake.packetSize) else {
            throw Failure.socket("S1")
        }
        inbound.moveReaderIndex(forwardBy: 1 + 2 * RTMPHandshake.packetSize)
        sendBytes(s1)
    }

    func send(_ message: RTMPMessage) {
        var buffer = ByteBuffer()
        encoder.write(message, into: &buffer)
        sendBytes(Array(buffer.readableBytesView))
    }

    func sendCommand(_ values: [AMF0Value], streamID: UInt32 = 0, amf3: Bool = false) {
        var payload = ByteBuffer()
        if amf3 { payload.writeInteger(UInt8(0)) }
        AMF0Encoder.encode(values, into: &payload)
        send(RTMPMessage(
            chunkStreamID: 3, messageStreamID: streamID,
            typeID: amf3 ? RTMPMessageType.commandAMF3 : RTMPMessageType.commandAMF0, timestamp: 0, payload: payload))
    }

    /// The next message from the server, or nil when it closed or went quiet.
    func nextMessage() throws -> RTMPMessage? {
        while true {
            if let message = try decoder.nextMessage(from: &inbound) { return message }
            guard receiveSome() else { return nil }
        }
    }

    /// Reads messages until a command named `name` (`_result`, `onStatus`, …), returning its values.
    func command(named name: String) throws -> [AMF0Value]? {
        while let message = try nextMessage() {
            guard message.typeID == RTMPMessageType.commandAMF0 else { continue }
            let values = try AMF0Decoder.decodeAll(message.payload)
            if values.first?.stringValue == name { return values }
        }
        return nil
    }

    /// Connects to `app` and returns the reply's values.
    func connect(app: String, amf3: Bool = false) throws -> [AMF0Value]? {
        let properties: AMF0Object = ["app": .string(app), "type": .string("nonprivate"), "tcUrl": .string("rtmp://127.0.0.1/\(app)")]
        sendCommand([.string("connect"), .number(1), .object(properties)], amf3: amf3)
        while let message = try nextMessage() {
            guard message.typeID == RTMPMessageType.commandAMF0 else { continue }
            let values = try AMF0Decoder.decodeAll(message.payload)
            if let name = values.first?.stringValue, name == "_result" || name == "_error" { return values }
        }
        return nil
    }

    /// createStream then publish; returns the `onStatus` info object.
    func publish(_ name: String) throws -> AMF0Object? {
        sendCommand([.string("createStream"), .number(2), .null])
        guard try command(named: "_result") != nil else { return nil }
        sendCommand([.string("publish"), .number(3), .null, .string(name), .string("live")], streamID: 1)
        return try command(named: "onStatus")?.last?.objectValue
    }
}
