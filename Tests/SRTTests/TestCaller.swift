import CSRT
import Glibc

/// A minimal SRT caller that reports the listener's reject reason, which the real publishers
/// only log as text.
final class TestCaller {
    let socket: SRTSOCKET

    private init(socket: SRTSOCKET) {
        self.socket = socket
    }

    /// Connects to 127.0.0.1:`port`.
    ///
    /// - Returns: the connected caller, or the reject reason the listener gave (below 1000:
    ///   libsrt's own, such as `SRT_REJ_BADSECRET`).
    static func connect(port: Int, streamID: String, passphrase: String? = nil) -> Result<TestCaller, RejectCode> {
        _ = srt_startup()
        let socket = srt_create_socket()
        guard socket != SRT_INVALID_SOCK else {
            _ = srt_cleanup()
            return .failure(RejectCode(value: -1))
        }
        _ = weir_srt_set_int(socket, SRTO_CONNTIMEO, 3000)
        _ = streamID.withCString { weir_srt_set_string(socket, SRTO_STREAMID, $0, Int32(streamID.utf8.count)) }
        if let passphrase {
            _ = passphrase.withCString { weir_srt_set_string(socket, SRTO_PASSPHRASE, $0, Int32(passphrase.utf8.count)) }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let status = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                srt_connect(socket, $0, Int32(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status != SRT_ERROR else {
            let reason = srt_getrejectreason(socket)
            _ = srt_close(socket)
            _ = srt_cleanup()
            return .failure(RejectCode(value: reason))
        }
        return .success(TestCaller(socket: socket))
    }

    /// Sends one message; false once the connection is gone.
    func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { srt_sendmsg(socket, $0.baseAddress, Int32($0.count), -1, 0) >= 0 }
        }
    }

    var isConnected: Bool { srt_getsockstate(socket) == SRTS_CONNECTED }

    func close() {
        _ = srt_close(socket)
        _ = srt_cleanup()
    }
}

/// A listener's reject reason as a caller sees it.
struct RejectCode: Error, Equatable, CustomStringConvertible {
    var value: Int32

    static let badSecret = RejectCode(value: Int32(SRT_REJ_BADSECRET.rawValue))
    static let unsecure = RejectCode(value: Int32(SRT_REJ_UNSECURE.rawValue))

    var description: String { "reject reason \(value)" }
}
