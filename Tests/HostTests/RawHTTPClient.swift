import Foundation
import Glibc

/// A TCP client for 127.0.0.1 that sends raw bytes, so tests can send requests no HTTP library
/// would produce.
///
/// The socket calls block, so they run on a thread of their own: on the concurrency pool they
/// could starve the tasks the server answers with, on a machine with few cores.
struct RawHTTPClient: Sendable {
    enum Failure: Error { case socket(String) }

    let port: Int

    /// Sends `request` and reads until the server closes the connection or `timeoutSeconds` pass
    /// without data; returns the status code of the first response line, or nil if there was none.
    func status(of request: [UInt8], timeoutSeconds: Int = 5) async throws -> Int? {
        let text = try await exchange(request, timeoutSeconds: timeoutSeconds)
        // "HTTP/1.1 414 Request-URI Too Long"
        let fields = text.split(separator: "\r\n", maxSplits: 1).first?.split(separator: " ") ?? []
        return fields.count >= 2 ? Int(fields[1]) : nil
    }

    func exchange(_ request: [UInt8], timeoutSeconds: Int = 5) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try blockingExchange(request, timeoutSeconds: timeoutSeconds) })
            }
        }
    }

    private func blockingExchange(_ request: [UInt8], timeoutSeconds: Int) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.socket("socket") }
        defer { close(fd) }
        var interval = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure.socket("connect") }
        var offset = 0
        while offset < request.count {
            let sent = request[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { break }
            offset += sent
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        // Bounded: each read waits at most the receive timeout, and the reply is small.
        for _ in 0..<64 {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += chunk[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
