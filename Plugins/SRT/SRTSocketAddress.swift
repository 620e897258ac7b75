import Glibc

/// Conversions between socket addresses and text for the listener.
enum SRTSocketAddress {
    /// Resolves a bind address and hands it to `body`.
    ///
    /// - Parameters:
    ///   - host: an IP address or host name; never empty (``ConfigAddress/bindHost``).
    ///   - port: 0 picks an ephemeral port.
    ///   - body: called with the address, its length and its family.
    static func withResolved<T>(
        host: String, port: Int, _ body: (UnsafePointer<sockaddr>, Int32, Int32) throws -> T
    ) throws -> T {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list, let address = first.pointee.ai_addr else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            throw SRTError(operation: "resolve \(host)", code: 0, message: reason)
        }
        defer { freeaddrinfo(list) }
        return try body(address, Int32(first.pointee.ai_addrlen), first.pointee.ai_family)
    }

    /// `IP:PORT`, or `[IPv6]:PORT`; `unknown` for anything else.
    static func describe(_ address: UnsafePointer<sockaddr>?) -> String {
        guard let address else { return "unknown" }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                var ip = v4.pointee.sin_addr
                guard inet_ntop(AF_INET, &ip, &text, socklen_t(text.count)) != nil else { return "unknown" }
                return "\(String(cString: text)):\(UInt16(bigEndian: v4.pointee.sin_port))"
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                var ip = v6.pointee.sin6_addr
                guard inet_ntop(AF_INET6, &ip, &text, socklen_t(text.count)) != nil else { return "unknown" }
                return "[\(String(cString: text))]:\(UInt16(bigEndian: v6.pointee.sin6_port))"
            }
        default:
            return "unknown"
        }
    }

    /// The port of an IPv4 or IPv6 address.
    static func port(of address: UnsafePointer<sockaddr>) -> Int? {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        case AF_INET6:
            address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
        default:
            nil
        }
    }
}
